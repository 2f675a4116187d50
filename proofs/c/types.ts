// C types as the x86-64 (LP64) GCC and NVCC targets lay them out, and the conversions C applies between
// them. Qualifiers travel as a bit mask on a copy of the type; identity ignores them.

import { BFLOAT16, BINARY16, BINARY32, BINARY64, X87_EXTENDED, type FloatFormat } from "../exact/float-format.ts";

export const Q_CONST = 1;
export const Q_VOLATILE = 2;
export const Q_RESTRICT = 4;
export const Q_ATOMIC = 8;

interface Base {
  /** Qualifier mask (Q_*). */
  readonly q?: number;
  /** An alignment set by __attribute__((aligned)) on a typedef or member. */
  readonly alignOverride?: number;
}

export interface VoidType extends Base {
  readonly k: "void";
}

export interface IntType extends Base {
  readonly k: "int";
  readonly name: string;
  readonly size: 1 | 2 | 4 | 8 | 16;
  readonly signed: boolean;
  /** Conversion rank: _Bool 0, char 1, short 2, int 3, long 4, long long 5, __int128 6. */
  readonly rank: number;
  readonly isBool?: boolean;
}

export interface FloatType extends Base {
  readonly k: "float";
  readonly name: string;
  readonly size: 2 | 4 | 8 | 16;
  readonly fmt: FloatFormat;
}

export interface PtrType extends Base {
  readonly k: "ptr";
  readonly to: CType;
}

export interface ArrayType extends Base {
  readonly k: "array";
  readonly of: CType;
  /** Element count; null for an incomplete array (`float a[]`) or a variable-length array. */
  readonly len: number | null;
  /** For a variable-length array: the length expression, evaluated when the declaration runs. */
  readonly vla?: unknown;
}

export type ScalarElement = IntType | FloatType;

export interface VectorType extends Base {
  readonly k: "vector";
  readonly of: ScalarElement;
  readonly lanes: number;
}

export interface Field {
  readonly name: string;
  readonly type: CType;
  readonly offset: number;
  readonly bits?: number;
}

export interface StructType extends Base {
  readonly k: "struct";
  readonly tag: string;
  readonly union: boolean;
  /** Null while incomplete; filled in once when the definition is seen. */
  fields: Field[] | null;
  size: number;
  align: number;
  /** The struct contains something the interpreter cannot hold (a bit-field). */
  unsupported?: string;
  readonly id: number;
}

export interface Param {
  readonly name: string | null;
  readonly type: CType;
}

export interface FuncType extends Base {
  readonly k: "func";
  readonly ret: CType;
  /** Null for an old-style declaration without a prototype. */
  readonly params: Param[] | null;
  readonly variadic: boolean;
}

export type CType = VoidType | IntType | FloatType | PtrType | ArrayType | VectorType | StructType | FuncType;
export type ScalarType = IntType | FloatType | PtrType;

const int = (name: string, size: IntType["size"], signed: boolean, rank: number, isBool = false): IntType =>
  isBool ? { k: "int", name, size, signed, rank, isBool } : { k: "int", name, size, signed, rank };

export const T = {
  void: { k: "void" } as VoidType,
  bool: int("_Bool", 1, false, 0, true),
  char: int("char", 1, true, 1),
  schar: int("signed char", 1, true, 1),
  uchar: int("unsigned char", 1, false, 1),
  short: int("short", 2, true, 2),
  ushort: int("unsigned short", 2, false, 2),
  int: int("int", 4, true, 3),
  uint: int("unsigned int", 4, false, 3),
  long: int("long", 8, true, 4),
  ulong: int("unsigned long", 8, false, 4),
  llong: int("long long", 8, true, 5),
  ullong: int("unsigned long long", 8, false, 5),
  int128: int("__int128", 16, true, 6),
  uint128: int("unsigned __int128", 16, false, 6),
  float: { k: "float", name: "float", size: 4, fmt: BINARY32 } as FloatType,
  double: { k: "float", name: "double", size: 8, fmt: BINARY64 } as FloatType,
  ldouble: { k: "float", name: "long double", size: 16, fmt: X87_EXTENDED } as FloatType,
  half: { k: "float", name: "_Float16", size: 2, fmt: BINARY16 } as FloatType,
  bfloat: { k: "float", name: "__bf16", size: 2, fmt: BFLOAT16 } as FloatType,
};

export const SIZE_T = T.ulong;
export const PTRDIFF_T = T.long;

export function ptrTo(to: CType): PtrType {
  return { k: "ptr", to };
}

export function qualify<X extends CType>(t: X, q: number): X {
  if (q === 0 || ((t.q ?? 0) | q) === (t.q ?? 0)) return t;
  return { ...t, q: (t.q ?? 0) | q };
}

export function unqualified<X extends CType>(t: X): X {
  if (!t.q) return t;
  const copy = { ...t };
  delete (copy as { q?: number }).q;
  return copy;
}

export function isInteger(t: CType): t is IntType {
  return t.k === "int";
}

export function isFloating(t: CType): t is FloatType {
  return t.k === "float";
}

export function isArithmetic(t: CType): t is IntType | FloatType {
  return t.k === "int" || t.k === "float";
}

export function isScalar(t: CType): t is ScalarType {
  return t.k === "int" || t.k === "float" || t.k === "ptr";
}

export function isComplete(t: CType): boolean {
  if (t.k === "void" || t.k === "func") return false;
  if (t.k === "array") return t.len !== null && isComplete(t.of);
  if (t.k === "struct") return t.fields !== null;
  return true;
}

/** sizeof, or undefined for an incomplete or variable-length type. */
export function sizeOf(t: CType): number | undefined {
  switch (t.k) {
    case "void":
      return 1; // GNU: arithmetic on void* steps by one byte
    case "int":
    case "float":
      return t.size;
    case "ptr":
      return 8;
    case "array": {
      if (t.len === null) return undefined;
      const e = sizeOf(t.of);
      return e === undefined ? undefined : e * t.len;
    }
    case "vector":
      return t.of.size * t.lanes;
    case "struct":
      return t.fields === null ? undefined : t.size;
    case "func":
      return 1;
  }
}

export function alignOf(t: CType): number {
  if (t.alignOverride !== undefined) return t.alignOverride;
  switch (t.k) {
    case "void":
    case "func":
      return 1;
    case "int":
    case "float":
      return t.size;
    case "ptr":
      return 8;
    case "array":
      return alignOf(t.of);
    case "vector":
      return t.of.size * t.lanes;
    case "struct":
      return t.align;
  }
}

/** Structural identity, ignoring top-level and nested qualifiers. */
export function sameType(a: CType, b: CType): boolean {
  if (a === b) return true;
  if (a.k !== b.k) return false;
  switch (a.k) {
    case "void":
      return true;
    case "int":
      return a.size === (b as IntType).size && a.signed === (b as IntType).signed && a.rank === (b as IntType).rank && !!a.isBool === !!(b as IntType).isBool && (a.name === "char") === ((b as IntType).name === "char");
    case "float":
      return a.size === (b as FloatType).size;
    case "ptr":
      return sameType(a.to, (b as PtrType).to);
    case "array":
      return a.len === (b as ArrayType).len && sameType(a.of, (b as ArrayType).of);
    case "vector":
      return a.lanes === (b as VectorType).lanes && sameType(a.of, (b as VectorType).of);
    case "struct":
      return a.id === (b as StructType).id;
    case "func": {
      const f = b as FuncType;
      if (!sameType(a.ret, f.ret) || a.variadic !== f.variadic) return false;
      if (a.params === null || f.params === null) return a.params === f.params;
      return a.params.length === f.params.length && a.params.every((p, i) => sameType(p.type, f.params![i]!.type));
    }
  }
}

/** Integer promotion: everything of lower rank than int becomes int. */
export function promote(t: IntType): IntType {
  return t.rank < 3 ? T.int : t;
}

function unsignedOf(t: IntType): IntType {
  switch (t.rank) {
    case 4:
      return T.ulong;
    case 5:
      return T.ullong;
    case 6:
      return T.uint128;
    default:
      return T.uint;
  }
}

/** The usual arithmetic conversions: the common type of a binary operation. */
export function commonType(a: IntType | FloatType, b: IntType | FloatType): IntType | FloatType {
  if (a.k === "float" || b.k === "float") {
    const sa = a.k === "float" ? a.size : 0;
    const sb = b.k === "float" ? b.size : 0;
    return sa >= sb ? unqualified(a as FloatType) : unqualified(b as FloatType);
  }
  const x = promote(unqualified(a));
  const y = promote(unqualified(b));
  if (x.signed === y.signed) return x.rank >= y.rank ? x : y;
  const [u, s] = x.signed ? [y, x] : [x, y];
  if (u.rank >= s.rank) return u;
  if (s.size > u.size) return s;
  return unsignedOf(s);
}

/** The element type an array or pointer expression refers to. */
export function pointee(t: CType): CType | undefined {
  if (t.k === "ptr") return t.to;
  if (t.k === "array") return t.of;
  return undefined;
}

/** Array-to-pointer and function-to-pointer decay, applied to an rvalue's type. */
export function decay(t: CType): CType {
  if (t.k === "array") return ptrTo(t.of);
  if (t.k === "func") return ptrTo(t);
  return unqualified(t);
}

export function typeToString(t: CType): string {
  switch (t.k) {
    case "void":
      return "void";
    case "int":
    case "float":
      return t.name;
    case "ptr":
      return `${typeToString(t.to)}*`;
    case "array":
      return `${typeToString(t.of)}[${t.len ?? ""}]`;
    case "vector":
      return `${typeToString(t.of)} vector(${t.lanes})`;
    case "struct":
      return `${t.union ? "union" : "struct"} ${t.tag}`;
    case "func":
      return `${typeToString(t.ret)}(${t.params === null ? "" : t.params.map((p) => typeToString(p.type)).join(", ")}${t.variadic ? ", ..." : ""})`;
  }
}

let nextStructId = 1;

export function newStruct(tag: string, union: boolean): StructType {
  return { k: "struct", tag, union, fields: null, size: 0, align: 1, id: nextStructId++ };
}

/** Lays out members in declaration order with natural alignment (no #pragma pack). */
export function completeStruct(s: StructType, members: { name: string; type: CType; bits?: number }[]): string | undefined {
  let offset = 0;
  let align = 1;
  let size = 0;
  const fields: Field[] = [];
  for (const m of members) {
    if (m.bits !== undefined) s.unsupported = `bit-field ${m.name}`;
    const a = alignOf(m.type);
    let msize = sizeOf(m.type);
    if (msize === undefined) {
      if (m.type.k === "array" && m.type.len === null && m === members[members.length - 1]) msize = 0;
      else return `member ${m.name} has an incomplete type`;
    }
    align = Math.max(align, a);
    if (s.union) {
      fields.push({ name: m.name, type: m.type, offset: 0, ...(m.bits !== undefined ? { bits: m.bits } : {}) });
      size = Math.max(size, msize);
    } else {
      offset = Math.ceil(offset / a) * a;
      fields.push({ name: m.name, type: m.type, offset, ...(m.bits !== undefined ? { bits: m.bits } : {}) });
      offset += msize;
      size = offset;
    }
  }
  if (s.alignOverride !== undefined) align = Math.max(align, s.alignOverride);
  s.fields = fields;
  s.align = align;
  s.size = Math.ceil(size / align) * align;
  return undefined;
}

/** Looks a member up, through anonymous struct and union members as C11 allows. */
export function findField(s: StructType, name: string): { type: CType; offset: number; bits?: number } | undefined {
  for (const f of s.fields ?? []) {
    if (f.name === name) return f;
    if (f.name === "" && f.type.k === "struct") {
      const inner = findField(f.type, name);
      if (inner) return { ...inner, offset: inner.offset + f.offset };
    }
  }
  return undefined;
}

/** Cell type codes: the representation a scalar has in memory. */
export enum TC {
  NONE = 0,
  I8 = 1,
  U8 = 2,
  I16 = 3,
  U16 = 4,
  I32 = 5,
  U32 = 6,
  I64 = 7,
  U64 = 8,
  BOOL = 9,
  F32 = 10,
  F64 = 11,
  F80 = 12,
  PTR = 13,
  /** A raw byte written by memset or calloc, with no type yet. */
  BYTE = 14,
  I128 = 15,
  U128 = 16,
  F16 = 17,
  BF16 = 18,
}

export const TC_SIZE: readonly number[] = [0, 1, 1, 2, 2, 4, 4, 8, 8, 1, 4, 8, 16, 8, 1, 16, 16, 2, 2];

export function typeCode(t: ScalarType): TC {
  if (t.k === "ptr") return TC.PTR;
  if (t.k === "float") return t.size === 4 ? TC.F32 : t.size === 8 ? TC.F64 : t.size === 2 ? (t.fmt.p === 11 ? TC.F16 : TC.BF16) : TC.F80;
  if (t.isBool) return TC.BOOL;
  switch (t.size) {
    case 1:
      return t.signed ? TC.I8 : TC.U8;
    case 2:
      return t.signed ? TC.I16 : TC.U16;
    case 4:
      return t.signed ? TC.I32 : TC.U32;
    case 8:
      return t.signed ? TC.I64 : TC.U64;
    default:
      return t.signed ? TC.I128 : TC.U128;
  }
}

/** Whether a cell written as `stored` may be read as `read` (same representation; signedness may differ). */
export function compatibleCodes(stored: TC, read: TC): boolean {
  if (stored === read) return true;
  if (stored >= TC.I8 && stored <= TC.U64 && read >= TC.I8 && read <= TC.U64) return TC_SIZE[stored] === TC_SIZE[read];
  if ((stored === TC.I128 || stored === TC.U128) && (read === TC.I128 || read === TC.U128)) return true;
  return false;
}
