// Arithmetic, comparison and logical operators: the usual arithmetic conversions, pointer arithmetic, and
// GCC vector extensions (lane-wise operations, scalars broadcast to every lane).

import type { Poly } from "../exact/poly.ts";
import { commonType, decay, isArithmetic, isInteger, promote, PTRDIFF_T, sizeOf, T, typeToString, type CType, type FloatType, type IntType, type VectorType } from "../c/types.ts";
import type { CE, Ev } from "./context.ts";
import { converter, truth } from "./convert.ts";
import { unproven, type At } from "./findings.ts";
import { fAdd, fCompare, fDiv, fMul, fNeg, fSub } from "./floats.ts";
import { intAdd, intAnd, intDiv, intMul, intNeg, intNot, intOr, intRem, intShl, intShr, intSub, intXor, type IntV } from "./ints.ts";
import { pointerDistance, Ptr } from "./memory.ts";

export type Binary = (a: unknown, b: unknown) => unknown;

/** The operation on two values already converted to `t` (an arithmetic type). */
export function arithmetic(op: string, t: IntType | FloatType, at: At): Binary {
  if (t.k === "float") {
    const fmt = t.fmt;
    switch (op) {
      case "+":
        return (a, b) => fAdd(a as Poly, b as Poly, fmt);
      case "-":
        return (a, b) => fSub(a as Poly, b as Poly, fmt);
      case "*":
        return (a, b) => fMul(a as Poly, b as Poly, fmt, at);
      case "/":
        return (a, b) => fDiv(a as Poly, b as Poly, fmt, at);
      default:
        return () => unproven(`operator ${op} on floating-point values`, at);
    }
  }
  const fast = fastInt(op, t, at);
  if (fast) return fast;
  switch (op) {
    case "+":
      return (a, b) => intAdd(a as IntV, b as IntV, t, at);
    case "-":
      return (a, b) => intSub(a as IntV, b as IntV, t, at);
    case "*":
      return (a, b) => intMul(a as IntV, b as IntV, t, at);
    case "/":
      return (a, b) => intDiv(a as IntV, b as IntV, t, at);
    case "%":
      return (a, b) => intRem(a as IntV, b as IntV, t, at);
    case "&":
      return (a, b) => intAnd(a as IntV, b as IntV, t);
    case "|":
      return (a, b) => intOr(a as IntV, b as IntV, t);
    case "^":
      return (a, b) => intXor(a as IntV, b as IntV, t);
    case "<<":
      return (a, b) => intShl(a as IntV, b as IntV, t, at);
    case ">>":
      return (a, b) => intShr(a as IntV, b as IntV, t, at);
    default:
      return () => unproven(`operator ${op}`, at);
  }
}

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

/** The common cases (32-bit int and unsigned, 64-bit within safe integers) without the generic path. */
function fastInt(op: string, t: IntType, at: At): Binary | undefined {
  if (t.isBool) return undefined;
  if (t.size === 4 && t.signed) {
    const overflow = (): never => unproven(`signed integer overflow in ${op} (${t.name}), which is undefined behaviour`, at);
    switch (op) {
      case "+":
        return (a, b) => {
          const r = (a as number) + (b as number);
          return r > INT_MAX || r < INT_MIN ? overflow() : r;
        };
      case "-":
        return (a, b) => {
          const r = (a as number) - (b as number);
          return r > INT_MAX || r < INT_MIN ? overflow() : r;
        };
      case "*":
        return (a, b) => {
          const r = (a as number) * (b as number);
          return r > INT_MAX || r < INT_MIN ? overflow() : r || 0;
        };
      default:
        return undefined;
    }
  }
  if (t.size === 4) {
    switch (op) {
      case "+":
        return (a, b) => ((a as number) + (b as number)) >>> 0;
      case "-":
        return (a, b) => ((a as number) - (b as number)) >>> 0;
      case "*":
        return (a, b) => Math.imul(a as number, b as number) >>> 0;
      default:
        return undefined;
    }
  }
  if (t.size === 8) {
    const signed = t.signed;
    switch (op) {
      case "+":
        return (a, b) => {
          if (typeof a === "number" && typeof b === "number") {
            const r = a + b;
            if (Number.isSafeInteger(r) && (signed || r >= 0)) return r;
          }
          return intAdd(a as IntV, b as IntV, t, at);
        };
      case "-":
        return (a, b) => {
          if (typeof a === "number" && typeof b === "number") {
            const r = a - b;
            if (Number.isSafeInteger(r) && (signed || r >= 0)) return r;
          }
          return intSub(a as IntV, b as IntV, t, at);
        };
      case "*":
        return (a, b) => {
          if (typeof a === "number" && typeof b === "number") {
            const r = a * b;
            if (Number.isSafeInteger(r) && (signed || r >= 0)) return r || 0;
          }
          return intMul(a as IntV, b as IntV, t, at);
        };
      default:
        return undefined;
    }
  }
  return undefined;
}

function withConv(ev: Ev, from: CType, to: CType, at: At, konst: boolean): Ev {
  const c = converter(from, to, at, konst);
  return c === null ? ev : (f) => c(ev(f));
}

function pointerPlus(ptrType: CType, at: At): Binary {
  const to = (ptrType as { to: CType }).to;
  if (to.k === "func") return () => unproven("arithmetic on a function pointer", at);
  const size = sizeOf(to);
  if (size === undefined) return () => unproven(`arithmetic on a pointer to the incomplete type ${typeToString(to)}`, at);
  return (p, i) => {
    const n = Number(i);
    const off = (p as Ptr).off + n * size;
    if (!Number.isSafeInteger(off) || Math.abs(off) > 2 ** 40) return unproven("pointer arithmetic far outside any object", at);
    if ((p as Ptr).obj === null && n !== 0) return unproven("arithmetic on a null pointer", at);
    return new Ptr((p as Ptr).obj, off, (p as Ptr).tags);
  };
}

function fails(type: CType, reason: string, at: At): { type: CType; fn: Binary } {
  return { type, fn: () => unproven(reason, at) };
}

function vectorValues(op: string, lt: CType, rt: CType, at: At): { type: CType; fn: Binary } {
  const vt = (lt.k === "vector" ? lt : rt) as VectorType;
  const el = vt.of;
  if ((lt.k === "vector" && rt.k === "vector" && (lt.lanes !== rt.lanes || lt.of.k !== rt.of.k || lt.of.size !== rt.of.size)) || (lt.k !== "vector" && !isArithmetic(lt)) || (rt.k !== "vector" && !isArithmetic(rt))) {
    return fails(vt, `operator ${op} between ${typeToString(lt)} and ${typeToString(rt)}`, at);
  }
  if (["<", ">", "<=", ">=", "==", "!=", "&&", "||"].includes(op)) return fails(vt, `vector comparison ${op}`, at);
  const fn = arithmetic(op, el, at);
  const lanes = vt.lanes;
  // A scalar operand is converted to the element type and used for every lane.
  const side = (t: CType): ((v: unknown) => unknown[]) => {
    if (t.k === "vector") return (v) => v as unknown[];
    const c = converter(t, el, at);
    return (v) => new Array(lanes).fill(c === null ? v : c(v));
  };
  const a = side(lt);
  const b = side(rt);
  return {
    type: vt,
    fn: (l, r) => {
      const x = a(l);
      const y = b(r);
      const out: unknown[] = new Array(lanes);
      for (let k = 0; k < lanes; k++) {
        if (x[k] === undefined || y[k] === undefined) return unproven("use of an uninitialised vector lane", at);
        out[k] = fn(x[k], y[k]);
      }
      return out;
    },
  };
}

/** The type and the operation of `l op r` on rvalues of the given (decayed) types. */
export function binaryValues(op: string, lt: CType, rt: CType, at: At): { type: CType; fn: Binary } {
  if (lt.k === "vector" || rt.k === "vector") return vectorValues(op, lt, rt, at);
  if (op === "+" || op === "-") {
    if (lt.k === "ptr" && isInteger(rt)) {
      const plus = pointerPlus(lt, at);
      return { type: lt, fn: op === "+" ? plus : (p, i) => plus(p, -Number(i)) };
    }
    if (op === "+" && isInteger(lt) && rt.k === "ptr") {
      const plus = pointerPlus(rt, at);
      return { type: rt, fn: (i, p) => plus(p, i) };
    }
    if (op === "-" && lt.k === "ptr" && rt.k === "ptr") {
      const size = sizeOf(lt.to) ?? 1;
      return {
        type: PTRDIFF_T,
        fn: (p, q) => {
          const d = pointerDistance(p as Ptr, q as Ptr, at);
          if (d % size !== 0) return unproven("subtraction of pointers that are not a whole number of elements apart", at);
          return d / size;
        },
      };
    }
  }
  if (!isArithmetic(lt) || !isArithmetic(rt)) return fails(T.int, `operator ${op} between ${typeToString(lt)} and ${typeToString(rt)}`, at);
  let t: IntType | FloatType;
  let tl: CType;
  let tr: CType;
  if (op === "<<" || op === ">>") {
    if (!isInteger(lt) || !isInteger(rt)) return fails(T.int, "shift of a floating-point value", at);
    t = promote(lt);
    tl = t;
    tr = promote(rt);
  } else {
    t = commonType(lt, rt);
    if (t.k === "float" && (op === "%" || op === "&" || op === "|" || op === "^" || op === "<<" || op === ">>")) return fails(t, `operator ${op} on floating-point values`, at);
    tl = t;
    tr = t;
  }
  const ca = converter(lt, tl, at);
  const cb = converter(rt, tr, at);
  const fn = arithmetic(op, t, at);
  if (ca === null && cb === null) return { type: t, fn };
  return { type: t, fn: (a, b) => fn(ca === null ? a : ca(a), cb === null ? b : cb(b)) };
}

export function binaryOp(op: string, l: CE, r: CE, at: At): CE {
  const { type, fn } = binaryValues(op, decay(l.type), decay(r.type), at);
  const a = l.ev;
  const b = r.ev;
  return { type, at, ev: (f) => fn(a(f), b(f)) };
}

export function compareOp(op: string, l: CE, r: CE, at: At, resultType: CType): CE {
  const lt = decay(l.type);
  const rt = decay(r.type);
  if (lt.k === "vector" || rt.k === "vector") {
    const v = vectorValues(op, lt, rt, at);
    return { type: v.type, at, ev: () => v.fn(undefined, undefined) };
  }
  const test = (c: number): boolean => (op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : op === ">=" ? c >= 0 : op === "==" ? c === 0 : c !== 0);
  if (lt.k === "ptr" || rt.k === "ptr") {
    const toPtr = (x: CE, t: CType): Ev => (t.k === "ptr" ? x.ev : withConv(x.ev, t, lt.k === "ptr" ? lt : rt, at, x.konst === 0 || x.konst === 0n));
    const a = toPtr(l, lt);
    const b = toPtr(r, rt);
    const equality = op === "==" || op === "!=";
    return {
      type: resultType,
      at,
      ev: (f) => {
        const p = a(f) as Ptr;
        const q = b(f) as Ptr;
        if (equality) {
          const same = p.obj === q.obj && p.off === q.off;
          return (op === "==") === same ? 1 : 0;
        }
        return test(pointerDistance(p, q, at)) ? 1 : 0;
      },
    };
  }
  if (!isArithmetic(lt) || !isArithmetic(rt)) return { type: resultType, at, ev: () => unproven(`comparison between ${typeToString(lt)} and ${typeToString(rt)}`, at) };
  const t = commonType(lt, rt);
  const a = withConv(l.ev, lt, t, at, false);
  const b = withConv(r.ev, rt, t, at, false);
  if (t.k === "float") return { type: resultType, at, ev: (f) => (test(fCompare(a(f) as Poly, b(f) as Poly, at)) ? 1 : 0) };
  switch (op) {
    case "<":
      return { type: resultType, at, ev: (f) => ((a(f) as IntV) < (b(f) as IntV) ? 1 : 0) };
    case ">":
      return { type: resultType, at, ev: (f) => ((a(f) as IntV) > (b(f) as IntV) ? 1 : 0) };
    case "<=":
      return { type: resultType, at, ev: (f) => ((a(f) as IntV) <= (b(f) as IntV) ? 1 : 0) };
    case ">=":
      return { type: resultType, at, ev: (f) => ((a(f) as IntV) >= (b(f) as IntV) ? 1 : 0) };
    case "==":
      return { type: resultType, at, ev: (f) => (a(f) === b(f) ? 1 : 0) };
    default:
      return { type: resultType, at, ev: (f) => (a(f) !== b(f) ? 1 : 0) };
  }
}

export function logicalOp(op: "&&" | "||", l: CE, r: CE, at: At, resultType: CType): CE {
  const a = truth(l.type, at);
  const b = truth(r.type, at);
  const le = l.ev;
  const re = r.ev;
  if (op === "&&") return { type: resultType, at, ev: (f) => (a(le(f)) && b(re(f)) ? 1 : 0) };
  return { type: resultType, at, ev: (f) => (a(le(f)) || b(re(f)) ? 1 : 0) };
}

export function unaryOp(op: "-" | "+" | "!" | "~", x: CE, at: At, boolType: CType): CE {
  const t = decay(x.type);
  if (op === "!") {
    const tr = truth(t, at);
    const ev = x.ev;
    return { type: boolType, at, ev: (f) => (tr(ev(f)) ? 0 : 1) };
  }
  if (t.k === "vector") {
    if (op === "+") return { ...x, type: t };
    const lanes = t.lanes;
    const el = t.of;
    const ev = x.ev;
    const neg = (v: unknown): unknown => (el.k === "float" ? fNeg(v as Poly) : op === "-" ? intNeg(v as IntV, el, at) : intNot(v as IntV, el));
    return {
      type: t,
      at,
      ev: (f) => {
        const v = ev(f) as unknown[];
        const out: unknown[] = new Array(lanes);
        for (let k = 0; k < lanes; k++) out[k] = neg(v[k]);
        return out;
      },
    };
  }
  if (!isArithmetic(t)) return { type: T.int, at, ev: () => unproven(`unary ${op} on ${typeToString(t)}`, at) };
  if (t.k === "float") {
    if (op === "~") return { type: t, at, ev: () => unproven("~ on a floating-point value", at) };
    const ev = x.ev;
    return op === "+" ? { type: t, at, ev } : { type: t, at, ev: (f) => fNeg(ev(f) as Poly) };
  }
  const p = promote(t);
  const ev = withConv(x.ev, t, p, at, false);
  const konst = x.konst !== undefined && op === "-" ? -BigInt(x.konst) : x.konst;
  if (op === "+") return { type: p, at, ev, ...(konst !== undefined ? { konst } : {}) };
  if (op === "-") return { type: p, at, ev: (f) => intNeg(ev(f) as IntV, p, at), ...(konst !== undefined ? { konst } : {}) };
  return { type: p, at, ev: (f) => intNot(ev(f) as IntV, p) };
}
