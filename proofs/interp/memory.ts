// Memory as objects of typed cells. A pointer is an object, a byte offset and the restrict tags it is based
// on. Every access is checked: bounds, lifetime, alignment, initialisation, that a cell is read with the
// type it was written with (no type punning), restrict, writes to inputs, and, inside a parallel context,
// conflicts with other OpenMP iterations or CUDA threads that no barrier orders.

import { decodeFloatBytes, BINARY32, BINARY64 } from "../exact/float-format.ts";
import { Poly } from "../exact/poly.ts";
import { compatibleCodes, T, TC, TC_SIZE, type IntType } from "../c/types.ts";
import { Finding, unproven, type At } from "./findings.ts";
import { norm, wrap, type IntV } from "./ints.ts";
import { ALLOCATION_LIMIT, rt } from "./runtime.ts";

export type ObjectKind = "buffer" | "local" | "heap" | "shared" | "global" | "string" | "temp";

export interface RestrictScope {
  readonly tag: number;
  readonly name: string;
  via: boolean;
  other: boolean;
  written: boolean;
}

let nextObjectId = 1;

export class MemObject {
  readonly id = nextObjectId++;
  /** The cell type code (TC) starting at each byte offset; 0 where no cell starts. */
  readonly codes: Uint8Array | number[];
  readonly vals: unknown[];
  dead = false;
  /** Race records, six per 4-byte granule (see track()). */
  track: Int32Array | null = null;
  restrict: RestrictScope[] | null = null;
  /** Per cell start: 1 while the harness's poison is still there (output buffers). */
  poison: Uint8Array | null = null;
  /** The actor that created it: its own accesses are private and need no race check. */
  readonly owner: number;

  constructor(
    readonly name: string,
    readonly size: number,
    readonly align: number,
    readonly kind: ObjectKind,
    readonly readOnly: boolean,
    /** Element size, to report offsets as indices. */
    readonly elemSize: number,
  ) {
    // Small objects (locals in inner loops) are created constantly: a plain array is cheaper to allocate.
    this.codes = new Uint8Array(size);
    this.vals = new Array(size);
    this.owner = kind === "local" || kind === "heap" || kind === "temp" ? (rt.actor?.id ?? -1) : -1;
  }

  describe(off: number): string {
    return `${this.name}[${Math.floor(off / this.elemSize)}]`;
  }
}

export function newObject(name: string, size: number, align: number, kind: ObjectKind, readOnly = false, elemSize = 1): MemObject {
  if (!Number.isInteger(size) || size < 0) return unproven(`an object of ${size} bytes`);
  rt.allocated += size;
  if (rt.allocated > ALLOCATION_LIMIT) return unproven(`more than ${ALLOCATION_LIMIT} bytes allocated`);
  return new MemObject(name, size, align, kind, readOnly, elemSize);
}

export class Ptr {
  constructor(
    readonly obj: MemObject | null,
    readonly off: number,
    readonly tags: readonly number[] | null,
  ) {}

  plus(bytes: number): Ptr {
    return new Ptr(this.obj, this.off + bytes, this.tags);
  }
}

export const NULL_PTR = new Ptr(null, 0, null);

const INT_OF_CODE: Partial<Record<TC, IntType>> = {
  [TC.I8]: T.schar,
  [TC.U8]: T.uchar,
  [TC.I16]: T.short,
  [TC.U16]: T.ushort,
  [TC.I32]: T.int,
  [TC.U32]: T.uint,
  [TC.I64]: T.long,
  [TC.U64]: T.ulong,
  [TC.BOOL]: T.bool,
  [TC.I128]: T.int128,
  [TC.U128]: T.uint128,
};

function race(obj: MemObject, g: number, write: boolean, at: At): never {
  const who = rt.thread ? "two CUDA threads" : "two iterations of a parallel loop";
  return unproven(`data race: ${who} access ${obj.describe(g * 4)} without a barrier between them (one of them a write${write ? ", this one" : ""})`, at);
}

/** Records an access by the current actor and fails on a conflict with an unordered access by another. */
function track(obj: MemObject, off: number, size: number, write: boolean, at: At): void {
  const a = rt.actor!;
  let tr = obj.track;
  if (tr === null) tr = obj.track = new Int32Array(6 * ((obj.size + 3) >> 2));
  const end = (off + size - 1) >> 2;
  for (let g = off >> 2; g <= end; g++) {
    const b = g * 6;
    // [b] writer's block (0: none), [b+1] writer, [b+2] its phase; [b+3..5] the same for readers
    // (-1 in [b+3]: readers from several blocks; -1 in [b+4]: several readers of one block and phase).
    const wb = tr[b]!;
    if (wb !== 0 && tr[b + 1] !== a.id && (wb !== a.block || tr[b + 2] === a.phase)) race(obj, g, write, at);
    const rb = tr[b + 3]!;
    if (write) {
      if (a.replicated) race(obj, g, true, at);
      if (rb === -1 || (rb !== 0 && (rb !== a.block || (tr[b + 5] === a.phase && tr[b + 4] !== a.id)))) race(obj, g, true, at);
      tr[b] = a.block;
      tr[b + 1] = a.id;
      tr[b + 2] = a.phase;
      tr[b + 3] = 0;
    } else if (rb === 0 || (rb === a.block && tr[b + 5] !== a.phase)) {
      tr[b + 3] = a.block;
      tr[b + 4] = a.id;
      tr[b + 5] = a.phase;
    } else if (rb !== -1) {
      if (rb !== a.block) tr[b + 3] = -1;
      else if (tr[b + 4] !== a.id) tr[b + 4] = -1;
    }
  }
}

function checkRestrict(obj: MemObject, p: Ptr, write: boolean, at: At): void {
  for (const s of obj.restrict!) {
    if (p.tags !== null && p.tags.includes(s.tag)) s.via = true;
    else s.other = true;
    if (write) s.written = true;
    if (s.via && s.other && s.written) unproven(`${obj.name} is modified while it is accessed both through the restrict pointer ${s.name} and through another pointer, which is undefined behaviour`, at);
  }
}

/** The checks every access makes at byte `off` of p's object; undefined when it is out of bounds. */
function access(p: Ptr, off: number, size: number, align: number, at: At, write: boolean): MemObject | undefined {
  const obj = p.obj;
  if (obj === null) return unproven("dereference of a null pointer", at);
  if (obj.dead) return unproven(`access to ${obj.name} after its lifetime ended`, at);
  if (!(off >= 0 && off + size <= obj.size)) return undefined;
  if (align > obj.align) return unproven(`an access aligned to ${align} bytes into ${obj.name}, whose alignment is only known to be ${obj.align}`, at);
  if (off % align !== 0) return unproven(`misaligned access to ${obj.describe(off)} (offset ${off} is not a multiple of ${align}), which is undefined behaviour`, at);
  if (write && obj.readOnly) throw new Finding("unproven", `writes to ${obj.kind === "buffer" ? "the input buffer " : "the read-only "}${obj.name}`, at);
  if (obj.restrict !== null) checkRestrict(obj, p, write, at);
  if (rt.actor !== null && obj.owner !== rt.actor.id) track(obj, off, size, write, at);
  return obj;
}

const MAX_OOB_READS = 256;

function oobRead(p: Ptr, off: number, tc: TC, at: At): unknown {
  const obj = p.obj!;
  if (!Number.isSafeInteger(off)) return unproven(`an access far outside ${obj.name}`, at);
  // Past a spec buffer the harness has a guard zone or another allocation: the value is unknown, and
  // whether it reaches an output decides between a refutation and an unproven undefined behaviour.
  if (obj.kind === "buffer" && (tc === TC.F32 || tc === TC.F64) && off % TC_SIZE[tc]! === 0) {
    // A loop that runs away past a buffer would otherwise keep inventing values until the step limit.
    if (rt.oobReads.length >= MAX_OOB_READS) return unproven(`more than ${MAX_OOB_READS} out-of-bounds reads (the last of ${obj.describe(off)}), which are undefined behaviour`, at);
    const variable = rt.nextVariable++;
    rt.oobReads.push({ buffer: obj.name, index: Math.floor(off / obj.elemSize), variable, at });
    return Poly.variable(variable);
  }
  return unproven(`out-of-bounds read of ${obj.describe(off)} (${obj.name} has ${obj.size / obj.elemSize} elements), which is undefined behaviour`, at);
}

function oobWrite(p: Ptr, off: number, v: unknown, at: At): never {
  const obj = p.obj!;
  if (!Number.isSafeInteger(off)) return unproven(`an access far outside ${obj.name}`, at);
  if (obj.kind === "buffer") {
    throw new Finding("out-of-bounds-write", `out-of-bounds write to ${obj.describe(off)} (${obj.name} has ${obj.size / obj.elemSize} elements)`, at, {
      buffer: obj.name,
      index: Math.floor(off / obj.elemSize),
      value: v,
      length: obj.size / obj.elemSize,
    });
  }
  return unproven(`out-of-bounds write to ${obj.describe(off)} (${obj.name} has ${obj.size / obj.elemSize} elements), which is undefined behaviour`, at);
}

function fromBytes(obj: MemObject, off: number, tc: TC, at: At): unknown {
  const size = TC_SIZE[tc]!;
  const bytes: number[] = [];
  for (let k = 0; k < size; k++) {
    if (obj.codes[off + k] !== TC.BYTE) return unproven(`read of ${obj.describe(off)} as a ${size}-byte value over bytes that were not all set by memset or calloc`, at);
    bytes.push(obj.vals[off + k] as number);
  }
  if (tc === TC.F32 || tc === TC.F64) {
    const q = decodeFloatBytes(bytes, tc === TC.F32 ? BINARY32 : BINARY64);
    if (q === undefined) return unproven(`read of an infinity or NaN set by memset at ${obj.describe(off)}`, at);
    return Poly.constant(q, true);
  }
  if (tc === TC.PTR) {
    if (bytes.every((b) => b === 0)) return NULL_PTR;
    return unproven(`read of a pointer made of memset bytes at ${obj.describe(off)}`, at);
  }
  if (tc === TC.F80) return unproven("read of a long double made of memset bytes", at);
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k]!);
  return wrap(norm(v), INT_OF_CODE[tc]!);
}

/** Reads the scalar at byte `delta` past p. */
export function loadScalar(p: Ptr, tc: TC, at: At, delta = 0): unknown {
  const size = TC_SIZE[tc]!;
  const off = p.off + delta;
  const obj = access(p, off, size, tc === TC.F80 ? 16 : size, at, false);
  if (obj === undefined) return oobRead(p, off, tc, at);
  const code = obj.codes[off]!;
  let v: unknown;
  if (code === tc) v = obj.vals[off];
  else if (code === TC.NONE) return unproven(`read of uninitialised ${obj.describe(off)}`, at);
  else if (code === TC.BYTE) v = fromBytes(obj, off, tc, at);
  else if (compatibleCodes(code, tc)) v = wrap(obj.vals[off] as IntV, INT_OF_CODE[tc]!);
  else return unproven(`${obj.describe(off)} was written as one type and is read as another (type punning)`, at);
  if (obj.poison !== null && obj.poison[off] === 1 && !rt.isReference) rt.poisonRead ??= at;
  return v;
}

function clearOverlap(obj: MemObject, off: number, size: number): void {
  for (let k = Math.max(0, off - 15); k < off; k++) {
    const c = obj.codes[k]!;
    if (c !== 0 && k + TC_SIZE[c]! > off) obj.codes[k] = 0;
  }
  for (let k = off; k < off + size; k++) obj.codes[k] = 0;
}

/** Writes the scalar at byte `delta` past p. */
export function storeScalar(p: Ptr, tc: TC, v: unknown, at: At, delta = 0): void {
  const size = TC_SIZE[tc]!;
  const off = p.off + delta;
  const obj = access(p, off, size, tc === TC.F80 ? 16 : size, at, true);
  if (obj === undefined) return oobWrite(p, off, v, at);
  const code = obj.codes[off]!;
  if (code === 0 || code === TC.BYTE || TC_SIZE[code] !== size) clearOverlap(obj, off, size);
  obj.codes[off] = tc;
  obj.vals[off] = v;
  if (obj.poison !== null) obj.poison[off] = 0;
}

/** Checks an alignment a wide access needs (a vector or float4 load) beyond its elements' own. */
export function checkAlignment(p: Ptr, align: number, what: string, at: At): void {
  const obj = p.obj;
  if (obj === null) return unproven("dereference of a null pointer", at);
  if (align > obj.align) return unproven(`a ${what} access aligned to ${align} bytes into ${obj.name}, whose alignment is only known to be ${obj.align}`, at);
  if (p.off % align !== 0) return unproven(`misaligned ${what} access to ${obj.describe(p.off)} (needs ${align}-byte alignment), which is undefined behaviour`, at);
}

/** Copies the cells of [p, p+size) into a detached object: an aggregate rvalue. */
export function loadBlock(p: Ptr, size: number, align: number, name: string, at: At): MemObject {
  const obj = access(p, p.off, size, align, at, false);
  if (obj === undefined) return unproven(`out-of-bounds read of ${p.obj!.describe(p.off)} (${size} bytes), which is undefined behaviour`, at);
  const copy = new MemObject(name, size, align, "temp", false, 1);
  const off = p.off;
  for (let k = Math.max(0, off - 15); k < off; k++) {
    const c = obj.codes[k]!;
    if (c !== 0 && k + TC_SIZE[c]! > off) return unproven(`a copy that starts inside ${obj.describe(k)}`, at);
  }
  for (let k = 0; k < size; k++) {
    const c = obj.codes[off + k]!;
    if (c === 0) continue;
    if (k + TC_SIZE[c]! > size) return unproven(`a copy that ends inside ${obj.describe(off + k)}`, at);
    copy.codes[k] = c;
    copy.vals[k] = obj.vals[off + k];
    if (obj.poison !== null && obj.poison[off + k] === 1 && !rt.isReference) rt.poisonRead ??= at;
  }
  return copy;
}

/** Writes a detached object's cells to [p, p+size). */
export function storeBlock(p: Ptr, src: MemObject, align: number, at: At): void {
  const size = src.size;
  const obj = access(p, p.off, size, align, at, true);
  if (obj === undefined) return oobWrite(p, p.off, "an aggregate", at);
  const off = p.off;
  clearOverlap(obj, off, size);
  for (let k = 0; k < size; k++) {
    const c = src.codes[k]!;
    if (c === 0) continue;
    obj.codes[off + k] = c;
    obj.vals[off + k] = src.vals[k];
    if (obj.poison !== null) obj.poison[off + k] = 0;
  }
}

export function memcpyCells(dst: Ptr, src: Ptr, n: number, at: At): void {
  if (n === 0) return;
  if (dst.obj !== null && dst.obj === src.obj && dst.off < src.off + n && src.off < dst.off + n) unproven("memcpy between overlapping regions, which is undefined behaviour", at);
  const block = loadBlock(src, n, 1, "memcpy", at);
  storeBlock(dst, block, 1, at);
}

export function memsetBytes(p: Ptr, byte: number, n: number, at: At): void {
  if (n === 0) return;
  const obj = access(p, p.off, n, 1, at, true);
  if (obj === undefined) return oobWrite(p, p.off, `memset(${byte})`, at);
  clearOverlap(obj, p.off, n);
  for (let k = 0; k < n; k++) {
    obj.codes[p.off + k] = TC.BYTE;
    obj.vals[p.off + k] = byte & 0xff;
    if (obj.poison !== null) obj.poison[p.off + k] = 0;
  }
}

/** Byte distance between two pointers into the same object. */
export function pointerDistance(a: Ptr, b: Ptr, at: At): number {
  if (a.obj !== b.obj || a.obj === null) return unproven("subtraction or ordering of pointers into different objects, which is undefined behaviour", at);
  return a.off - b.off;
}
