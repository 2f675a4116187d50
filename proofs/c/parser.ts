// A parser for preprocessed C (GNU C11, as glibc's headers and the kernels use it) and for the device
// subset of CUDA C++ (extern "C", overloads, reinterpret_cast, bool). It tracks typedef names, evaluates
// the constant expressions that decide types (array bounds, vector sizes), and turns what it does not
// model into `unsupported` nodes or a ParseError, never into a guess.

import type { CudaQualifiers, Designator, Expr, FuncDef, Init, Stmt, Storage, TopLevel, TranslationUnit, VarDecl } from "./ast.ts";
import { attributeName, unsupportedAttribute } from "./attributes.ts";
import { evalConst, type ConstValue } from "./const-eval.ts";
import { CUDA_BUILTIN_VARIABLES, CUDA_TYPEDEFS } from "./cuda-types.ts";
import type { Token } from "./lexer.ts";
import { parseNumber } from "./literals.ts";
import {
  alignOf,
  completeStruct,
  findField,
  isArithmetic,
  isInteger,
  newStruct,
  pointee,
  ptrTo,
  qualify,
  sizeOf,
  T,
  Q_ATOMIC,
  Q_CONST,
  Q_RESTRICT,
  Q_VOLATILE,
  type CType,
  type FuncType,
  type IntType,
  type Param,
  type StructType,
  typeToString,
} from "./types.ts";

export class ParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly file: string,
  ) {
    super(message);
  }
}

type Entry = { kind: "typedef"; type: CType } | { kind: "var"; type: CType } | { kind: "enum"; value: ConstValue };

interface Attr {
  readonly name: string;
  /** Token index ranges [start, end) of each comma-separated argument. */
  readonly args: readonly (readonly [number, number])[];
}

interface Specs {
  storage: Storage;
  type: CType;
  cuda: CudaQualifiers;
  attrs: Attr[];
  unsupported?: string;
}

interface Declarator {
  readonly name: string | null;
  readonly apply: (base: CType) => CType;
  readonly params?: (string | null)[];
  readonly line: number;
  readonly file: string;
}

const TYPE_WORDS = new Set([
  "void", "char", "short", "int", "long", "float", "double", "signed", "__signed", "__signed__", "unsigned", "_Bool", "bool",
  "__int128", "_Float32", "_Float64", "_Float128", "__float128", "_Float32x", "_Float64x", "_Float16", "_Complex", "__complex__",
  "__fp16", "__bf16", "__ibm128", "_Decimal32", "_Decimal64", "_Decimal128",
]);
const QUALIFIER_WORDS: Record<string, number> = {
  const: Q_CONST, __const: Q_CONST, __const__: Q_CONST, volatile: Q_VOLATILE, __volatile: Q_VOLATILE, __volatile__: Q_VOLATILE,
  restrict: Q_RESTRICT, __restrict: Q_RESTRICT, __restrict__: Q_RESTRICT, _Atomic: Q_ATOMIC,
};
const STORAGE_WORDS = new Set(["typedef", "extern", "static", "register", "_Thread_local", "__thread", "auto"]);
const FUNCTION_SPECIFIERS = new Set(["inline", "__inline", "__inline__", "_Noreturn", "__forceinline__", "__noinline__", "constexpr", "__extension__"]);
const CUDA_WORDS = new Set(["__global__", "__device__", "__host__", "__shared__", "__constant__", "__managed__", "__launch_bounds__", "__grid_constant__"]);
const ASSIGN_OPS = new Set(["=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|="]);
const BINARY_PRECEDENCE: Record<string, number> = {
  "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6, "<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9,
  "*": 10, "/": 10, "%": 10,
};
/** Pragmas that apply to the statement that follows them. */
const STATEMENT_PRAGMA = /^(omp\b|unroll\b|nounroll\b|GCC\s+(unroll|ivdep|novector)\b|ivdep\b|clang\s+loop\b|loop\b)/;

export function parse(tokens: readonly Token[], cplusplus: boolean): TranslationUnit {
  return new Parser(tokens, cplusplus).translationUnit();
}

class Parser {
  private pos = 0;
  private readonly scopes: Map<string, Entry>[] = [new Map()];
  private readonly tags: Map<string, CType>[] = [new Map()];

  constructor(
    private readonly toks: readonly Token[],
    private readonly cpp: boolean,
  ) {
    const global = this.scopes[0]!;
    global.set("__builtin_va_list", { kind: "typedef", type: newStruct("__builtin_va_list", false) });
    global.set("__int128_t", { kind: "typedef", type: T.int128 });
    global.set("__uint128_t", { kind: "typedef", type: T.uint128 });
    if (cpp) {
      for (const [name, type] of Object.entries(CUDA_TYPEDEFS)) global.set(name, { kind: "typedef", type });
      for (const [name, type] of Object.entries(CUDA_BUILTIN_VARIABLES)) global.set(name, { kind: "var", type });
    }
  }

  // ---- cursor ----

  private peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }

  private is(v: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.k === "punct" || t.k === "id") && t.v === v;
  }

  private accept(v: string): boolean {
    if (this.is(v)) {
      this.next();
      return true;
    }
    return false;
  }

  private expect(v: string): Token {
    if (!this.is(v)) this.fail(`expected "${v}", found ${this.describe(this.peek())}`);
    return this.next();
  }

  private describe(t: Token): string {
    return t.k === "eof" ? "the end of the input" : t.k === "pragma" ? `#pragma ${t.v}` : `"${t.v}"`;
  }

  private fail(message: string, at: Token = this.peek()): never {
    throw new ParseError(message, at.line, at.file);
  }

  private identifier(): string {
    const t = this.peek();
    if (t.k !== "id") this.fail(`expected an identifier, found ${this.describe(t)}`);
    this.next();
    return t.v;
  }

  // ---- scopes ----

  private lookup(name: string): Entry | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const e = this.scopes[i]!.get(name);
      if (e) return e;
    }
    return undefined;
  }

  private isTypedefName(name: string): boolean {
    return this.lookup(name)?.kind === "typedef";
  }

  private declare(name: string, entry: Entry): void {
    this.scopes[this.scopes.length - 1]!.set(name, entry);
  }

  private push(): void {
    this.scopes.push(new Map());
    this.tags.push(new Map());
  }

  private pop(): void {
    this.scopes.pop();
    this.tags.pop();
  }

  private lookupTag(tag: string): CType | undefined {
    for (let i = this.tags.length - 1; i >= 0; i--) {
      const t = this.tags[i]!.get(tag);
      if (t) return t;
    }
    return undefined;
  }

  private constContext() {
    return {
      enumValue: (name: string): ConstValue | undefined => {
        const e = this.lookup(name);
        return e?.kind === "enum" ? e.value : undefined;
      },
      typeOf: (e: Expr): CType | undefined => this.staticType(e),
    };
  }

  /** The type of a sizeof operand, for the simple forms headers and kernels use. */
  private staticType(e: Expr): CType | undefined {
    switch (e.t) {
      case "id": {
        const entry = this.lookup(e.name);
        return entry?.kind === "var" ? entry.type : entry?.kind === "enum" ? T.int : undefined;
      }
      case "int":
      case "float":
        return e.type;
      case "str":
        return { k: "array", of: T.char, len: e.value.length + 1 };
      case "index": {
        const b = this.staticType(e.base);
        return b ? pointee(b) : undefined;
      }
      case "unary": {
        if (e.op === "*") {
          const b = this.staticType(e.operand);
          return b ? pointee(b) : undefined;
        }
        if (e.op === "&") {
          const b = this.staticType(e.operand);
          return b ? ptrTo(b) : undefined;
        }
        return undefined;
      }
      case "member": {
        let b = this.staticType(e.object);
        if (b && e.arrow) b = pointee(b);
        return b?.k === "struct" ? findField(b, e.name)?.type : undefined;
      }
      case "cast":
        return e.type;
      default:
        return undefined;
    }
  }

  private constInt(e: Expr, what: string): bigint {
    const v = evalConst(e, this.constContext());
    if (!v) this.fail(`${what} is not an integer constant expression`);
    return v.v;
  }

  // ---- attributes ----

  private attributes(): Attr[] {
    const out: Attr[] = [];
    while (this.is("__attribute__") || this.is("__attribute")) {
      this.next();
      this.expect("(");
      this.expect("(");
      while (!this.is(")")) {
        if (this.accept(",")) continue;
        const t = this.next();
        if (t.k !== "id") this.fail(`expected an attribute name, found ${this.describe(t)}`, t);
        const args: [number, number][] = [];
        if (this.is("(")) {
          this.next();
          let start = this.pos;
          let depth = 0;
          while (!(depth === 0 && this.is(")"))) {
            if (this.peek().k === "eof") this.fail("unterminated attribute");
            if (this.is("(")) depth++;
            if (this.is(")")) depth--;
            if (depth === 0 && this.is(",")) {
              args.push([start, this.pos]);
              this.next();
              start = this.pos;
              continue;
            }
            this.next();
          }
          if (this.pos > start) args.push([start, this.pos]);
          this.expect(")");
        }
        out.push({ name: attributeName(t.v), args });
      }
      this.expect(")");
      this.expect(")");
    }
    return out;
  }

  private attrArgument(range: readonly [number, number]): Expr {
    const saved = this.pos;
    this.pos = range[0];
    const e = this.conditional();
    if (this.pos !== range[1]) this.fail("unexpected tokens in an attribute argument");
    this.pos = saved;
    return e;
  }

  /** Applies type-changing attributes in order; returns the type and anything unsupported. */
  private applyAttributes(type: CType, attrs: readonly Attr[], cuda: { -readonly [K in keyof CudaQualifiers]: CudaQualifiers[K] }): { type: CType; unsupported?: string } {
    let unsupported: string | undefined;
    for (const a of attrs) {
      switch (a.name) {
        case "vector_size": {
          const bytes = Number(this.constInt(this.attrArgument(a.args[0]!), "vector_size"));
          if (!isArithmetic(type)) {
            unsupported ??= "vector_size on a non-scalar type";
            break;
          }
          const lanes = bytes / type.size;
          if (!Number.isInteger(lanes) || lanes < 1 || (lanes & (lanes - 1)) !== 0) this.fail(`vector_size(${bytes}) is not a power-of-two multiple of the element size`);
          const q = type.q ?? 0;
          type = qualify({ k: "vector", of: { ...type, q: undefined } as typeof type, lanes }, q);
          break;
        }
        case "aligned": {
          const n = a.args.length === 0 ? 16 : Number(this.constInt(this.attrArgument(a.args[0]!), "aligned"));
          type = { ...type, alignOverride: n };
          break;
        }
        case "mode": {
          const tok = this.toks[a.args[0]?.[0] ?? -1];
          const mode = tok ? attributeName(tok.v) : "";
          const sizes: Record<string, 1 | 2 | 4 | 8 | 16> = { QI: 1, HI: 2, SI: 4, DI: 8, TI: 16, word: 8, pointer: 8, byte: 1 };
          const size = sizes[mode];
          if (!isInteger(type) || size === undefined) {
            unsupported ??= `__attribute__((mode(${mode})))`;
            break;
          }
          const s = type.signed;
          type = size === 1 ? (s ? T.schar : T.uchar) : size === 2 ? (s ? T.short : T.ushort) : size === 4 ? (s ? T.int : T.uint) : size === 8 ? (s ? T.long : T.ulong) : s ? T.int128 : T.uint128;
          break;
        }
        case "global":
          cuda.global = true;
          break;
        case "device":
          cuda.device = true;
          break;
        case "host":
          cuda.host = true;
          break;
        case "shared":
          cuda.shared = true;
          break;
        case "constant":
          cuda.constant = true;
          break;
        default:
          unsupported ??= unsupportedAttribute(a.name);
      }
    }
    return unsupported === undefined ? { type } : { type, unsupported };
  }

  // ---- declaration specifiers ----

  private startsSpecifiers(k = 0): boolean {
    const t = this.peek(k);
    if (t.k !== "id") return false;
    const v = t.v;
    if (TYPE_WORDS.has(v) || v in QUALIFIER_WORDS || STORAGE_WORDS.has(v) || (FUNCTION_SPECIFIERS.has(v) && v !== "__extension__") || CUDA_WORDS.has(v)) return true;
    if (v === "struct" || v === "union" || v === "enum" || v === "__attribute__" || v === "__attribute" || v === "_Alignas" || v === "typeof" || v === "__typeof__" || v === "__typeof") return true;
    if (this.cpp && (v === "class" || v === "typename" || v === "template")) return true;
    return this.isTypedefName(v);
  }

  private specifiers(): Specs | null {
    const counts: Record<string, number> = {};
    let named: CType | null = null;
    let q = 0;
    let storage: Storage = "none";
    const cuda: { -readonly [K in keyof CudaQualifiers]: CudaQualifiers[K] } = {};
    const attrs: Attr[] = [];
    let unsupported: string | undefined;
    let any = false;
    let alignAs: number | undefined;
    for (;;) {
      const t = this.peek();
      if (t.k !== "id") break;
      const v = t.v;
      if (v === "__attribute__" || v === "__attribute") {
        attrs.push(...this.attributes());
        any = true;
        continue;
      }
      if (v in QUALIFIER_WORDS) {
        q |= QUALIFIER_WORDS[v]!;
        this.next();
        any = true;
        continue;
      }
      if (STORAGE_WORDS.has(v)) {
        if (v === "auto" && this.cpp) this.fail("C++ auto type deduction is not supported");
        if (v === "_Thread_local" || v === "__thread") unsupported ??= "thread-local storage";
        else if (v !== "register") storage = v as Storage;
        this.next();
        any = true;
        continue;
      }
      if (FUNCTION_SPECIFIERS.has(v)) {
        this.next();
        any = true;
        continue;
      }
      if (CUDA_WORDS.has(v)) {
        this.next();
        any = true;
        if (v === "__global__") cuda.global = true;
        else if (v === "__device__") cuda.device = true;
        else if (v === "__host__") cuda.host = true;
        else if (v === "__shared__") cuda.shared = true;
        else if (v === "__constant__") cuda.constant = true;
        else if (v === "__managed__") unsupported ??= "__managed__ memory";
        else if (v === "__launch_bounds__") this.skipParens();
        continue;
      }
      if (v === "_Alignas") {
        this.next();
        this.expect("(");
        if (this.startsSpecifiers()) alignAs = alignOf(this.typeName());
        else alignAs = Number(this.constInt(this.conditional(), "_Alignas"));
        this.expect(")");
        any = true;
        continue;
      }
      if (v === "struct" || v === "union" || (this.cpp && v === "class")) {
        if (v === "class") this.fail("C++ classes are not supported");
        named = this.structSpecifier(v === "union");
        any = true;
        continue;
      }
      if (v === "enum") {
        named = this.enumSpecifier();
        any = true;
        continue;
      }
      if (v === "typeof" || v === "__typeof__" || v === "__typeof" || v === "typename" || v === "template") this.fail(`${v} is not supported`);
      if (TYPE_WORDS.has(v)) {
        counts[v] = (counts[v] ?? 0) + 1;
        this.next();
        any = true;
        continue;
      }
      if (named === null && Object.keys(counts).length === 0 && this.isTypedefName(v)) {
        named = (this.lookup(v) as { type: CType }).type;
        this.next();
        any = true;
        continue;
      }
      break;
    }
    if (!any) return null;
    let base: CType;
    if (named !== null) {
      if (Object.keys(counts).length > 0) this.fail("conflicting type specifiers");
      base = named;
    } else base = this.baseType(counts);
    if (alignAs !== undefined) base = { ...base, alignOverride: Math.max(alignAs, alignOf(base)) };
    const specs: Specs = { storage, type: qualify(base, q), cuda, attrs };
    if (unsupported !== undefined) specs.unsupported = unsupported;
    return specs;
  }

  private baseType(c: Record<string, number>): CType {
    const has = (w: string): boolean => (c[w] ?? 0) > 0;
    const unsigned = has("unsigned");
    const signed = has("signed") || has("__signed") || has("__signed__");
    if (has("_Complex") || has("__complex__")) {
      // Headers declare complex functions; only using one is unsupported, so the type is a marked struct.
      const rest = { ...c, _Complex: 0, __complex__: 0 };
      const part = this.baseType(rest);
      const s = newStruct(`_Complex ${typeToString(part)}`, false);
      completeStruct(s, [
        { name: "__real", type: part },
        { name: "__imag", type: part },
      ]);
      s.unsupported = "complex arithmetic";
      return s;
    }
    if (has("_Decimal32") || has("_Decimal64") || has("_Decimal128")) this.fail("decimal floating types are not supported");
    if (has("void")) return T.void;
    if (has("_Bool") || has("bool")) return T.bool;
    if (has("char")) return unsigned ? T.uchar : signed ? T.schar : T.char;
    if (has("__int128")) return unsigned ? T.uint128 : T.int128;
    if (has("float") || has("_Float32")) return T.float;
    if (has("_Float16") || has("__fp16")) return T.half;
    if (has("__bf16")) return T.bfloat;
    if (has("double")) return (c.long ?? 0) > 0 ? T.ldouble : T.double;
    if (has("_Float64")) return T.double;
    if (has("_Float128") || has("__float128") || has("_Float64x") || has("__ibm128")) return T.ldouble;
    if (has("_Float32x")) return T.double;
    if (has("short")) return unsigned ? T.ushort : T.short;
    const longs = c.long ?? 0;
    if (longs === 1) return unsigned ? T.ulong : T.long;
    if (longs >= 2) return unsigned ? T.ullong : T.llong;
    return unsigned ? T.uint : T.int;
  }

  private skipParens(): void {
    this.expect("(");
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.k === "eof") this.fail("unbalanced parentheses");
      if (t.k === "punct" && t.v === "(") depth++;
      if (t.k === "punct" && t.v === ")") depth--;
    }
  }

  private structSpecifier(union: boolean): CType {
    this.next();
    const preAttrs = this.attributes();
    let tag: string | null = null;
    if (this.peek().k === "id" && !this.is("__attribute__")) tag = this.identifier();
    preAttrs.push(...this.attributes());
    if (!this.is("{")) {
      if (tag === null) this.fail("expected a struct tag or body");
      const found = this.lookupTag(tag);
      if (found) return found;
      const s = newStruct(tag, union);
      this.tags[this.tags.length - 1]!.set(tag, s);
      if (this.cpp) this.declare(tag, { kind: "typedef", type: s });
      return s;
    }
    let s: StructType;
    const existing = tag !== null ? this.tags[this.tags.length - 1]!.get(tag) : undefined;
    if (existing && existing.k === "struct" && existing.fields === null) s = existing;
    else {
      s = newStruct(tag ?? `<anonymous ${this.peek().line}>`, union);
      if (tag !== null) this.tags[this.tags.length - 1]!.set(tag, s);
    }
    if (tag !== null && this.cpp) this.declare(tag, { kind: "typedef", type: s });
    this.expect("{");
    const members: { name: string; type: CType; bits?: number }[] = [];
    while (!this.accept("}")) {
      if (this.accept(";")) continue;
      if (this.peek().k === "pragma") this.fail(`#pragma ${this.peek().v} inside a struct`);
      if (this.is("_Static_assert") || this.is("static_assert")) {
        this.staticAssert();
        continue;
      }
      const specs = this.specifiers();
      if (!specs) this.fail(`expected a member declaration, found ${this.describe(this.peek())}`);
      if (specs.unsupported) s.unsupported ??= specs.unsupported;
      if (this.accept(";")) {
        members.push({ name: "", type: specs.type });
        continue;
      }
      for (;;) {
        let name = "";
        let type = specs.type;
        if (!this.is(":")) {
          const d = this.declarator("named");
          name = d.name ?? "";
          type = d.apply(specs.type);
        }
        let bits: number | undefined;
        if (this.accept(":")) bits = Number(this.constInt(this.conditional(), "bit-field width"));
        const cuda = {};
        const applied = this.applyAttributes(type, [...specs.attrs, ...this.attributes()], cuda);
        if (applied.unsupported) s.unsupported ??= applied.unsupported;
        members.push(bits === undefined ? { name, type: applied.type } : { name, type: applied.type, bits });
        if (!this.accept(",")) break;
      }
      this.expect(";");
    }
    const post = this.attributes();
    for (const a of [...preAttrs, ...post]) {
      if (a.name === "aligned") {
        const n = a.args.length === 0 ? 16 : Number(this.constInt(this.attrArgument(a.args[0]!), "aligned"));
        (s as { alignOverride?: number }).alignOverride = n;
      } else if (a.name === "packed" || a.name === "scalar_storage_order" || a.name === "designated_init") s.unsupported ??= `__attribute__((${a.name}))`;
      else {
        const why = unsupportedAttribute(a.name);
        if (why) s.unsupported ??= why;
      }
    }
    const problem = completeStruct(s, members);
    if (problem) this.fail(problem);
    return s;
  }

  private enumSpecifier(): CType {
    this.next();
    this.attributes();
    let tag: string | null = null;
    if (this.peek().k === "id") tag = this.identifier();
    if (this.accept(":")) this.typeName();
    if (!this.is("{")) {
      if (tag === null) this.fail("expected an enum tag or body");
      return this.lookupTag(`enum ${tag}`) ?? T.uint;
    }
    this.expect("{");
    let value = -1n;
    let min = 0n;
    let max = 0n;
    while (!this.accept("}")) {
      const name = this.identifier();
      this.attributes();
      if (this.accept("=")) value = this.constInt(this.conditional(), `the value of ${name}`);
      else value += 1n;
      if (value < min) min = value;
      if (value > max) max = value;
      this.declare(name, { kind: "enum", value: { v: value, type: T.int } });
      if (!this.accept(",")) {
        this.expect("}");
        break;
      }
    }
    this.attributes();
    // GCC gives an enum without negative values the type unsigned int, otherwise int (wider if needed).
    const type: IntType = min < 0n ? (min >= -(1n << 31n) && max < 1n << 31n ? T.int : T.long) : max < 1n << 32n ? T.uint : T.ulong;
    if (tag !== null) this.tags[this.tags.length - 1]!.set(`enum ${tag}`, type);
    return type;
  }

  // ---- declarators ----

  private pointerQualifiers(): number {
    let q = 0;
    for (;;) {
      const v = this.peek().v;
      if (this.peek().k === "id" && v in QUALIFIER_WORDS) {
        q |= QUALIFIER_WORDS[v]!;
        this.next();
      } else if (this.is("__attribute__") || this.is("__attribute")) {
        for (const a of this.attributes()) if (unsupportedAttribute(a.name)) this.fail(`__attribute__((${a.name})) on a pointer`);
      } else return q;
    }
  }

  private isGroupingParen(mode: "named" | "abstract" | "either"): boolean {
    const t = this.peek(1);
    if (t.k === "punct") return t.v === "*" || t.v === "(" || t.v === "^";
    if (t.k !== "id") return false;
    if (t.v === "__attribute__" || t.v === "__attribute") return true;
    if (this.startsSpecifiers(1)) return false;
    return mode !== "abstract";
  }

  private declarator(mode: "named" | "abstract" | "either"): Declarator {
    const start = this.peek();
    const pointers: number[] = [];
    for (;;) {
      if (this.accept("*")) {
        pointers.push(this.pointerQualifiers());
        continue;
      }
      if (this.cpp && (this.is("&") || this.is("&&"))) this.fail("C++ references are not supported");
      break;
    }
    let name: string | null = null;
    let inner: Declarator | null = null;
    const here = this.peek();
    // After the specifiers, an identifier is the declared name even if it is also a typedef name.
    if (here.k === "id" && mode !== "abstract" && !(here.v in QUALIFIER_WORDS) && here.v !== "__attribute__" && here.v !== "__attribute") name = this.identifier();
    else if (this.is("(") && this.isGroupingParen(mode)) {
      this.next();
      this.attributes();
      inner = this.declarator(mode);
      this.expect(")");
    }
    if (name === null && inner === null && mode === "named") this.fail(`expected a declarator, found ${this.describe(this.peek())}`);
    const suffixes: ((t: CType) => CType)[] = [];
    let params: (string | null)[] | undefined;
    for (;;) {
      if (this.is("[")) {
        suffixes.push(this.arraySuffix());
        continue;
      }
      if (this.is("(")) {
        const f = this.functionSuffix();
        if (suffixes.length === 0 && name !== null) params = f.names;
        suffixes.push(f.wrap);
        continue;
      }
      break;
    }
    const apply = (base: CType): CType => {
      let t = base;
      for (const q of pointers) t = qualify(ptrTo(t), q);
      for (let i = suffixes.length - 1; i >= 0; i--) t = suffixes[i]!(t);
      return inner ? inner.apply(t) : t;
    };
    const d: Declarator = { name: inner ? inner.name : name, apply, line: start.line, file: start.file };
    const p = inner ? inner.params : params;
    return p ? { ...d, params: p } : d;
  }

  private arraySuffix(): (t: CType) => CType {
    this.expect("[");
    let q = 0;
    for (;;) {
      if (this.accept("static")) continue;
      const v = this.peek().v;
      if (this.peek().k === "id" && v in QUALIFIER_WORDS) {
        q |= QUALIFIER_WORDS[v]!;
        this.next();
        continue;
      }
      break;
    }
    if (this.accept("]")) return (t) => ({ k: "array", of: t, len: null, ...(q ? { q } : {}) });
    if (this.is("*") && this.is("]", 1)) {
      this.next();
      this.next();
      return (t) => ({ k: "array", of: t, len: null });
    }
    const e = this.assignment();
    this.expect("]");
    const c = evalConst(e, this.constContext());
    if (c) {
      if (c.v < 0n) this.fail("an array of negative size");
      const len = Number(c.v);
      return (t) => ({ k: "array", of: t, len, ...(q ? { q } : {}) });
    }
    return (t) => ({ k: "array", of: t, len: null, vla: e });
  }

  private functionSuffix(): { wrap: (t: CType) => CType; names: (string | null)[] } {
    this.expect("(");
    const params: Param[] = [];
    const names: (string | null)[] = [];
    let variadic = false;
    if (this.accept(")")) return { wrap: (t) => ({ k: "func", ret: t, params: [], variadic: false }) as FuncType, names };
    if (this.is("void") && this.is(")", 1)) {
      this.next();
      this.next();
      return { wrap: (t) => ({ k: "func", ret: t, params: [], variadic: false }) as FuncType, names };
    }
    this.push();
    try {
      for (;;) {
        if (this.accept("...")) {
          variadic = true;
          break;
        }
        const specs = this.specifiers();
        if (!specs) this.fail(`expected a parameter declaration, found ${this.describe(this.peek())}`);
        const d = this.declarator("either");
        const cuda = {};
        const applied = this.applyAttributes(d.apply(specs.type), [...specs.attrs, ...this.attributes()], cuda);
        if (applied.unsupported) this.fail(`${applied.unsupported} on a parameter`);
        let type = applied.type;
        // Parameters of array or function type are adjusted to pointers; qualifiers inside [] go to the pointer.
        if (type.k === "array") type = qualify(ptrTo(type.of), type.q ?? 0);
        else if (type.k === "func") type = ptrTo(type);
        params.push({ name: d.name, type });
        names.push(d.name);
        if (d.name !== null) this.declare(d.name, { kind: "var", type });
        if (!this.accept(",")) break;
      }
      this.expect(")");
    } finally {
      this.pop();
    }
    return { wrap: (t) => ({ k: "func", ret: t, params, variadic }) as FuncType, names };
  }

  private typeName(): CType {
    const specs = this.specifiers();
    if (!specs) this.fail(`expected a type name, found ${this.describe(this.peek())}`);
    if (specs.storage !== "none") this.fail("a storage class in a type name");
    const d = this.declarator("abstract");
    const applied = this.applyAttributes(d.apply(specs.type), specs.attrs, {});
    if (applied.unsupported) this.fail(`${applied.unsupported} in a type name`);
    return applied.type;
  }

  private staticAssert(): void {
    this.next();
    this.expect("(");
    const e = this.conditional();
    if (this.accept(",")) this.next();
    this.expect(")");
    this.accept(";");
    const v = evalConst(e, this.constContext());
    if (v && v.v === 0n) this.fail("static assertion failed");
  }

  // ---- top level ----

  translationUnit(): TranslationUnit {
    const items: TopLevel[] = [];
    while (this.peek().k !== "eof") this.external(items);
    return { items, cplusplus: this.cpp };
  }

  private external(items: TopLevel[]): void {
    const t = this.peek();
    if (t.k === "pragma") {
      this.next();
      items.push({ t: "pragma", text: t.v, line: t.line, file: t.file });
      return;
    }
    if (t.k === "directive") this.fail(`unexpected directive #${t.v}`);
    if (this.accept(";")) return;
    if (this.is("extern") && this.peek(1).k === "str") {
      this.next();
      const lang = this.next();
      if (lang.v !== "C" && lang.v !== "C++") this.fail(`unknown linkage "${lang.v}"`);
      if (this.accept("{")) {
        while (!this.accept("}")) {
          if (this.peek().k === "eof") this.fail("unterminated extern block");
          this.external(items);
        }
      } else this.external(items);
      return;
    }
    if (this.is("_Static_assert") || this.is("static_assert")) {
      this.staticAssert();
      return;
    }
    if (this.is("asm") || this.is("__asm__") || this.is("__asm")) this.fail("top-level inline assembly is not supported");
    if (this.cpp && (this.is("template") || this.is("namespace") || this.is("using") || this.is("class"))) this.fail(`C++ ${t.v} is not supported`);
    const decls = this.declaration(true);
    items.push(...decls);
  }

  /** One declaration; at file scope it may be a function definition. */
  private declaration(fileScope: boolean): (VarDecl | FuncDef)[] {
    const specs = this.specifiers();
    if (!specs) this.fail(`expected a declaration, found ${this.describe(this.peek())}`);
    const out: (VarDecl | FuncDef)[] = [];
    if (this.accept(";")) return out;
    for (;;) {
      const d = this.declarator("named");
      const postAttrs: Attr[] = [];
      for (;;) {
        if (this.is("asm") || this.is("__asm__") || this.is("__asm")) {
          this.next();
          this.skipParens();
          continue;
        }
        if (this.is("__attribute__") || this.is("__attribute")) {
          postAttrs.push(...this.attributes());
          continue;
        }
        break;
      }
      const cuda = { ...specs.cuda };
      const applied = this.applyAttributes(d.apply(specs.type), [...specs.attrs, ...postAttrs], cuda);
      const type = applied.type;
      const unsupported = specs.unsupported ?? applied.unsupported;
      const name = d.name!;
      if (specs.storage === "typedef") {
        this.declare(name, { kind: "typedef", type });
      } else {
        this.declare(name, { kind: "var", type });
      }
      if (type.k === "func" && this.is("{") && specs.storage !== "typedef") {
        if (!fileScope) this.fail("nested function definitions are not supported");
        if (out.length > 0) this.fail("a function definition after other declarators");
        const body = this.functionBody(type, d.params ?? []);
        const def: FuncDef = {
          t: "func",
          name,
          type,
          paramNames: d.params ?? [],
          body,
          storage: specs.storage,
          cuda,
          line: d.line,
          file: d.file,
          ...(unsupported ? { unsupported } : {}),
        };
        return [def];
      }
      let init: Init | undefined;
      if (this.accept("=")) init = this.initializer();
      else if (this.cpp && this.is("{")) this.fail("C++ brace initialisation is not supported");
      const completed = init ? this.completeFromInitializer(type, init) : type;
      if (completed !== type) this.declare(name, { kind: "var", type: completed });
      out.push({
        t: "var",
        name,
        type: completed,
        storage: specs.storage,
        cuda,
        line: d.line,
        file: d.file,
        ...(init ? { init } : {}),
        ...(unsupported ? { unsupported } : {}),
      });
      if (!this.accept(",")) break;
    }
    this.expect(";");
    return out;
  }

  /** `T a[] = {...}` and `char s[] = "..."`: the initialiser gives the length. */
  private completeFromInitializer(type: CType, init: Init): CType {
    if (type.k !== "array" || type.len !== null || type.vla !== undefined) return type;
    if (init.t === "expr") {
      if (init.expr.t === "str" && type.of.k === "int" && type.of.size === 1) return { ...type, len: init.expr.value.length + 1 };
      return type;
    }
    const scalarElements = type.of.k === "int" || type.of.k === "float" || type.of.k === "ptr";
    let index = 0;
    let count = 0;
    for (const item of init.items) {
      const d = item.designators[0];
      if (d) {
        if (d.t !== "index") return type;
        index = Number(this.constInt(d.index, "an array designator"));
      }
      // With brace elision an unbraced item may fill only part of an aggregate element: too subtle to count.
      if (!scalarElements && item.init.t !== "list") return type;
      index++;
      count = Math.max(count, index);
    }
    return { ...type, len: count };
  }

  private functionBody(type: FuncType, names: readonly (string | null)[]): Stmt {
    this.push();
    try {
      (type.params ?? []).forEach((p, i) => {
        const n = names[i];
        if (n) this.declare(n, { kind: "var", type: p.type });
      });
      return this.compound();
    } finally {
      this.pop();
    }
  }

  private initializer(): Init {
    const t = this.peek();
    if (!this.accept("{")) return { t: "expr", expr: this.assignment(), line: t.line, file: t.file };
    const items: { designators: Designator[]; init: Init }[] = [];
    while (!this.accept("}")) {
      const designators: Designator[] = [];
      for (;;) {
        if (this.accept(".")) {
          designators.push({ t: "field", name: this.identifier() });
          continue;
        }
        if (this.is("[")) {
          this.next();
          designators.push({ t: "index", index: this.conditional() });
          if (this.is("...")) this.fail("designator ranges are not supported");
          this.expect("]");
          continue;
        }
        break;
      }
      if (designators.length > 0) this.expect("=");
      items.push({ designators, init: this.initializer() });
      if (!this.accept(",")) {
        this.expect("}");
        break;
      }
    }
    return { t: "list", items, line: t.line, file: t.file };
  }

  // ---- statements ----

  private compound(): Stmt {
    const open = this.expect("{");
    this.push();
    const items: Stmt[] = [];
    try {
      while (!this.accept("}")) {
        if (this.peek().k === "eof") this.fail("unterminated block", open);
        items.push(this.blockItem());
      }
    } finally {
      this.pop();
    }
    return { t: "block", items, line: open.line, file: open.file };
  }

  private startsDeclaration(): boolean {
    if (this.is("__extension__")) {
      let k = 1;
      while (this.is("__extension__", k)) k++;
      return this.startsSpecifiers(k);
    }
    if (this.peek().k === "id" && this.is(":", 1) && !this.is("::", 1)) return false;
    return this.startsSpecifiers();
  }

  private blockItem(): Stmt {
    const t = this.peek();
    if (this.is("_Static_assert") || this.is("static_assert")) {
      this.staticAssert();
      return { t: "empty", line: t.line, file: t.file };
    }
    if (this.startsDeclaration()) {
      const decls = this.declaration(false);
      return { t: "decl", decls: decls as VarDecl[], line: t.line, file: t.file };
    }
    return this.statement();
  }

  /** Consumes `asm [volatile] ("" ::: "memory");` and returns true, or consumes nothing and returns false. */
  private compilerBarrier(): boolean {
    let k = 1;
    while (["volatile", "__volatile__", "__volatile"].includes(this.peek(k).v) && this.peek(k).k === "id") k++;
    if (!this.is("(", k)) return false;
    k++;
    let template = "";
    let strings = 0;
    while (this.peek(k).k === "str") {
      template += this.peek(k).v;
      strings++;
      k++;
    }
    if (strings === 0 || template !== "") return false;
    // Up to three sections after the template: outputs and inputs must be empty, clobbers harmless. The
    // lexer reads CUDA's "::", so ":::" may come as "::" then ":".
    let sections = 0;
    while ((this.is(":", k) || this.is("::", k)) && sections < 3) {
      sections += this.is("::", k) ? 2 : 1;
      k++;
      if (sections < 3) continue;
      if (sections > 3) return false;
      for (;;) {
        const t = this.peek(k);
        if (t.k !== "str" || !["memory", "cc"].includes(t.v)) return false;
        k++;
        if (!this.is(",", k)) break;
        k++;
      }
    }
    if (!this.is(")", k) || !this.is(";", k + 1)) return false;
    for (let i = 0; i < k + 2; i++) this.next();
    return true;
  }

  private skipStatement(): void {
    let depth = 0;
    for (;;) {
      const t = this.next();
      if (t.k === "eof") return;
      if (t.k === "punct" && (t.v === "(" || t.v === "{")) depth++;
      if (t.k === "punct" && (t.v === ")" || t.v === "}")) depth--;
      if (depth <= 0 && t.k === "punct" && (t.v === ";" || (t.v === "}" && depth === 0))) return;
    }
  }

  private statement(): Stmt {
    const t = this.peek();
    const at = { line: t.line, file: t.file };
    if (t.k === "pragma") {
      this.next();
      if (STATEMENT_PRAGMA.test(t.v) && !this.is("}") && !/^omp\s+(barrier|flush|taskwait|taskyield|cancel|cancellation|ordered\s*$|section\s*$)/.test(t.v)) {
        return { t: "pragma", text: t.v, body: this.startsDeclaration() ? this.blockItem() : this.statement(), ...at };
      }
      return { t: "pragma", text: t.v, ...at };
    }
    if (t.k === "directive") this.fail(`unexpected directive #${t.v}`);
    if (this.is("{")) return this.compound();
    if (this.accept(";")) return { t: "empty", ...at };
    if (t.k === "id") {
      switch (t.v) {
        case "if": {
          this.next();
          this.expect("(");
          const test = this.expression();
          this.expect(")");
          const then = this.statement();
          if (this.accept("else")) return { t: "if", test, then, else: this.statement(), ...at };
          return { t: "if", test, then, ...at };
        }
        case "for": {
          this.next();
          this.expect("(");
          this.push();
          try {
            let init: Stmt | undefined;
            if (this.startsDeclaration()) {
              const it = this.peek();
              init = { t: "decl", decls: this.declaration(false) as VarDecl[], line: it.line, file: it.file };
            } else if (!this.accept(";")) {
              const it = this.peek();
              init = { t: "expr", expr: this.expression(), line: it.line, file: it.file };
              this.expect(";");
            }
            const test = this.is(";") ? undefined : this.expression();
            this.expect(";");
            const step = this.is(")") ? undefined : this.expression();
            this.expect(")");
            const body = this.statement();
            return { t: "for", body, ...at, ...(init ? { init } : {}), ...(test ? { test } : {}), ...(step ? { step } : {}) };
          } finally {
            this.pop();
          }
        }
        case "while": {
          this.next();
          this.expect("(");
          const test = this.expression();
          this.expect(")");
          return { t: "while", test, body: this.statement(), ...at };
        }
        case "do": {
          this.next();
          const body = this.statement();
          this.expect("while");
          this.expect("(");
          const test = this.expression();
          this.expect(")");
          this.expect(";");
          return { t: "do", body, test, ...at };
        }
        case "switch": {
          this.next();
          this.expect("(");
          const test = this.expression();
          this.expect(")");
          return { t: "switch", test, body: this.statement(), ...at };
        }
        case "case": {
          this.next();
          const value = this.conditional();
          if (this.is("...")) this.fail("case ranges are not supported");
          this.expect(":");
          return { t: "case", value, body: this.statement(), ...at };
        }
        case "default":
          this.next();
          this.expect(":");
          return { t: "default", body: this.statement(), ...at };
        case "return": {
          this.next();
          if (this.accept(";")) return { t: "return", ...at };
          const value = this.expression();
          this.expect(";");
          return { t: "return", value, ...at };
        }
        case "break":
          this.next();
          this.expect(";");
          return { t: "break", ...at };
        case "continue":
          this.next();
          this.expect(";");
          return { t: "continue", ...at };
        case "goto":
          this.skipStatement();
          return { t: "unsupported", what: "goto", ...at };
        case "asm":
        case "__asm__":
        case "__asm": {
          // An empty template emits no instruction: with no operands and only "memory"/"cc" clobbers it is a
          // compiler barrier, which changes nothing the abstract machine computes. Anything else is code the
          // proof cannot read.
          const barrier = this.compilerBarrier();
          if (barrier) return { t: "empty", ...at };
          this.skipStatement();
          return { t: "unsupported", what: "inline assembly", ...at };
        }
        default:
          if (this.is(":", 1) && !this.startsSpecifiers()) {
            // A label is harmless without goto, which is unsupported anyway.
            this.next();
            this.next();
            this.attributes();
            return this.statement();
          }
      }
    }
    if (this.is("__attribute__")) {
      const attrs = this.attributes();
      if (attrs.every((a) => a.name === "fallthrough") && this.accept(";")) return { t: "empty", ...at };
      this.fail("statement attributes are not supported");
    }
    const expr = this.expression();
    this.expect(";");
    return { t: "expr", expr, ...at };
  }

  // ---- expressions ----

  expression(): Expr {
    let e = this.assignment();
    while (this.is(",")) {
      const t = this.next();
      e = { t: "comma", left: e, right: this.assignment(), line: t.line, file: t.file };
    }
    return e;
  }

  private assignment(): Expr {
    const left = this.conditional();
    const t = this.peek();
    if (t.k === "punct" && ASSIGN_OPS.has(t.v)) {
      this.next();
      return { t: "assign", op: t.v, target: left, value: this.assignment(), line: t.line, file: t.file };
    }
    return left;
  }

  private conditional(): Expr {
    const test = this.binary(1);
    if (!this.is("?")) return test;
    const q = this.next();
    if (this.is(":")) this.fail("the GNU ?: operator is not supported");
    const then = this.expression();
    this.expect(":");
    const otherwise = this.conditional();
    return { t: "cond", test, then, else: otherwise, line: q.line, file: q.file };
  }

  private binary(min: number): Expr {
    let left = this.cast();
    for (;;) {
      const t = this.peek();
      const prec = t.k === "punct" ? BINARY_PRECEDENCE[t.v] : undefined;
      if (prec === undefined || prec < min) return left;
      this.next();
      const right = this.binary(prec + 1);
      left = { t: "binary", op: t.v, left, right, line: t.line, file: t.file };
    }
  }

  private cast(): Expr {
    const t = this.peek();
    if (this.is("(") && this.startsSpecifiers(1)) {
      this.next();
      const type = this.typeName();
      this.expect(")");
      if (this.is("{")) {
        const init = this.initializer();
        return this.postfix({ t: "compound", type, init, line: t.line, file: t.file });
      }
      return { t: "cast", type, operand: this.cast(), style: "c", line: t.line, file: t.file };
    }
    return this.unary();
  }

  private unary(): Expr {
    const t = this.peek();
    const at = { line: t.line, file: t.file };
    if (t.k === "punct") {
      if (t.v === "++" || t.v === "--") {
        this.next();
        return { t: "incdec", op: t.v, prefix: true, operand: this.unary(), ...at };
      }
      if (t.v === "-" || t.v === "+" || t.v === "!" || t.v === "~" || t.v === "*" || t.v === "&") {
        this.next();
        return { t: "unary", op: t.v, operand: this.cast(), ...at };
      }
      if (t.v === "&&") this.fail("labels as values are not supported");
    }
    if (t.k === "id") {
      if (t.v === "sizeof") {
        this.next();
        if (this.is("(") && this.startsSpecifiers(1)) {
          this.next();
          const type = this.typeName();
          this.expect(")");
          return { t: "sizeof", type, ...at };
        }
        return { t: "sizeof", operand: this.unary(), ...at };
      }
      if (t.v === "_Alignof" || t.v === "__alignof__" || t.v === "__alignof" || t.v === "alignof") {
        this.next();
        this.expect("(");
        const type = this.typeName();
        this.expect(")");
        return { t: "alignof", type, ...at };
      }
      if (t.v === "__extension__") {
        this.next();
        return this.cast();
      }
      if (t.v === "__real__" || t.v === "__imag__") this.fail("complex arithmetic is not supported");
    }
    return this.postfix(this.primary());
  }

  private postfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      const at = { line: t.line, file: t.file };
      if (this.accept("[")) {
        const index = this.expression();
        this.expect("]");
        e = { t: "index", base: e, index, ...at };
      } else if (this.accept("(")) {
        const args: Expr[] = [];
        if (!this.accept(")")) {
          do args.push(this.assignment());
          while (this.accept(","));
          this.expect(")");
        }
        e = { t: "call", callee: e, args, ...at };
      } else if (this.accept(".")) {
        e = { t: "member", object: e, name: this.identifier(), arrow: false, ...at };
      } else if (this.accept("->")) {
        e = { t: "member", object: e, name: this.identifier(), arrow: true, ...at };
      } else if (this.is("++") || this.is("--")) {
        this.next();
        e = { t: "incdec", op: t.v as "++" | "--", prefix: false, operand: e, ...at };
      } else return e;
    }
  }

  private primary(): Expr {
    const t = this.peek();
    const at = { line: t.line, file: t.file };
    if (t.k === "num") {
      this.next();
      const lit = parseNumber(t.v);
      if (!lit) this.fail(`invalid number ${t.v}`, t);
      return lit.t === "int" ? { t: "int", value: lit.value, type: lit.type, ...at } : { t: "float", value: lit.value, type: lit.type, overflow: lit.overflow, ...at };
    }
    if (t.k === "char") {
      this.next();
      return { t: "int", value: BigInt(t.n ?? 0), type: this.cpp ? T.char : T.int, ...at };
    }
    if (t.k === "str") {
      let value = "";
      while (this.peek().k === "str") value += this.next().v;
      return { t: "str", value, ...at };
    }
    if (this.accept("(")) {
      if (this.is("{")) this.fail("statement expressions are not supported");
      const e = this.expression();
      this.expect(")");
      return e;
    }
    if (t.k !== "id") this.fail(`expected an expression, found ${this.describe(t)}`);
    switch (t.v) {
      case "__func__":
      case "__FUNCTION__":
      case "__PRETTY_FUNCTION__":
        this.next();
        return { t: "str", value: "kernel", ...at };
      case "__builtin_offsetof":
      case "offsetof": {
        this.next();
        this.expect("(");
        let type = this.typeName();
        this.expect(",");
        let offset = 0;
        let first = true;
        for (;;) {
          if (first || this.accept(".")) {
            first = false;
            const name = this.identifier();
            if (type.k !== "struct") this.fail("offsetof into a non-struct");
            const f = findField(type, name);
            if (!f) this.fail(`no member ${name}`);
            offset += f.offset;
            type = f.type;
            continue;
          }
          if (this.accept("[")) {
            const i = Number(this.constInt(this.expression(), "an offsetof index"));
            this.expect("]");
            if (type.k !== "array") this.fail("offsetof index into a non-array");
            offset += i * (sizeOf(type.of) ?? 0);
            type = type.of;
            continue;
          }
          break;
        }
        this.expect(")");
        return { t: "int", value: BigInt(offset), type: T.ulong, ...at };
      }
      case "__builtin_types_compatible_p":
      case "__builtin_va_arg":
      case "__builtin_choose_expr":
      case "_Generic":
      case "__builtin_shuffle":
      case "__builtin_shufflevector":
      case "__builtin_convertvector":
      case "__builtin_bit_cast":
        // Headers (the x86 intrinsics) use these in inline functions; only a call that reaches one fails.
        this.next();
        this.skipParens();
        return { t: "unsupported", what: t.v, ...at };
    }
    if (this.cpp) {
      if (t.v === "true" || t.v === "false") {
        this.next();
        return { t: "int", value: t.v === "true" ? 1n : 0n, type: T.bool, ...at };
      }
      if (t.v === "nullptr") {
        this.next();
        return { t: "cast", type: ptrTo(T.void), operand: { t: "int", value: 0n, type: T.int, ...at }, style: "static", ...at };
      }
      if (t.v === "static_cast" || t.v === "reinterpret_cast" || t.v === "const_cast") {
        this.next();
        this.expect("<");
        const type = this.typeName();
        this.expect(">");
        this.expect("(");
        const operand = this.expression();
        this.expect(")");
        return { t: "cast", type, operand, style: t.v === "static_cast" ? "static" : t.v === "reinterpret_cast" ? "reinterpret" : "const", ...at };
      }
      if (t.v === "dynamic_cast" || t.v === "new" || t.v === "delete" || t.v === "this" || t.v === "throw" || t.v === "operator") this.fail(`C++ ${t.v} is not supported`);
      if ((TYPE_WORDS.has(t.v) || this.isTypedefName(t.v)) && this.is("(", 1)) {
        const type = this.typeName();
        this.expect("(");
        const operand = this.assignment();
        this.expect(")");
        return { t: "cast", type, operand, style: "functional", ...at };
      }
      if (this.is("::", 1) || this.is("<", 1) && this.isTypedefName(t.v)) this.fail("C++ templates and scopes are not supported");
    }
    if (this.startsSpecifiers()) this.fail(`unexpected ${this.describe(t)} in an expression`);
    this.next();
    const entry = this.lookup(t.v);
    if (entry?.kind === "enum") return { t: "int", value: entry.value.v, type: entry.value.type, ...at };
    return { t: "id", name: t.v, ...at };
  }
}

export type { Expr };
