// Integer constant expressions evaluated while parsing: array bounds, enum values, case labels, attribute
// arguments. Arithmetic follows C's types (promotions, unsigned wrap-around); anything that is not a
// constant, or whose value C leaves undefined, gives undefined and the caller decides what that means.

import type { Expr } from "./ast.ts";
import { commonType, isInteger, promote, sizeOf, alignOf, T, type CType, type IntType } from "./types.ts";

export interface ConstValue {
  readonly v: bigint;
  readonly type: IntType;
}

export interface ConstContext {
  /** An enumeration constant's value, if `name` is one. */
  enumValue(name: string): ConstValue | undefined;
  /** The type of an expression operand of sizeof, when the parser knows it. */
  typeOf(e: Expr): CType | undefined;
}

/** Wraps or range-checks a mathematical value into a type; undefined on signed overflow. */
export function fitInt(v: bigint, t: IntType, wrapSigned: boolean): bigint | undefined {
  const bits = BigInt(t.size * 8);
  if (t.isBool) return v !== 0n ? 1n : 0n;
  if (!t.signed) return BigInt.asUintN(Number(bits), v);
  const wrapped = BigInt.asIntN(Number(bits), v);
  if (wrapped !== v && !wrapSigned) return undefined;
  return wrapped;
}

export function evalConst(e: Expr, ctx: ConstContext): ConstValue | undefined {
  switch (e.t) {
    case "int":
      return { v: e.value, type: e.type };
    case "id":
      return ctx.enumValue(e.name);
    case "sizeof": {
      const t = e.type ?? (e.operand ? ctx.typeOf(e.operand) : undefined);
      const s = t === undefined ? undefined : sizeOf(t);
      return s === undefined ? undefined : { v: BigInt(s), type: T.ulong };
    }
    case "alignof":
      return { v: BigInt(alignOf(e.type)), type: T.ulong };
    case "cast": {
      if (!isInteger(e.type)) return undefined;
      const x = evalConst(e.operand, ctx);
      if (!x) return undefined;
      const v = fitInt(x.v, e.type, true);
      return v === undefined ? undefined : { v, type: e.type };
    }
    case "cond": {
      const c = evalConst(e.test, ctx);
      if (!c) return undefined;
      const a = evalConst(e.then, ctx);
      const b = evalConst(e.else, ctx);
      if (!a || !b) return undefined;
      const t = commonType(a.type, b.type) as IntType;
      const picked = c.v !== 0n ? a : b;
      const v = fitInt(picked.v, t, true);
      return v === undefined ? undefined : { v, type: t };
    }
    case "unary": {
      const x = evalConst(e.operand, ctx);
      if (!x) return undefined;
      if (e.op === "!") return { v: x.v === 0n ? 1n : 0n, type: T.int };
      const t = promote(x.type);
      if (e.op === "+") return { v: x.v, type: t };
      if (e.op === "-") {
        const v = fitInt(-x.v, t, false);
        return v === undefined ? undefined : { v, type: t };
      }
      if (e.op === "~") return { v: fitInt(~x.v, t, true)!, type: t };
      return undefined;
    }
    case "binary": {
      if (e.op === "&&" || e.op === "||") {
        const a = evalConst(e.left, ctx);
        if (!a) return undefined;
        if (e.op === "&&" && a.v === 0n) return { v: 0n, type: T.int };
        if (e.op === "||" && a.v !== 0n) return { v: 1n, type: T.int };
        const b = evalConst(e.right, ctx);
        return b ? { v: b.v !== 0n ? 1n : 0n, type: T.int } : undefined;
      }
      const a = evalConst(e.left, ctx);
      const b = evalConst(e.right, ctx);
      if (!a || !b) return undefined;
      if (e.op === "<<" || e.op === ">>") {
        const t = promote(a.type);
        if (b.v < 0n || b.v >= BigInt(t.size * 8)) return undefined;
        if (e.op === ">>") return { v: a.v >> b.v, type: t };
        if (t.signed && a.v < 0n) return undefined;
        const v = fitInt(a.v << b.v, t, false);
        return v === undefined ? undefined : { v, type: t };
      }
      const t = commonType(a.type, b.type) as IntType;
      const x = fitInt(a.v, t, true)!;
      const y = fitInt(b.v, t, true)!;
      let r: bigint;
      switch (e.op) {
        case "+":
          r = x + y;
          break;
        case "-":
          r = x - y;
          break;
        case "*":
          r = x * y;
          break;
        case "/":
          if (y === 0n) return undefined;
          r = x / y;
          break;
        case "%":
          if (y === 0n) return undefined;
          r = x % y;
          break;
        case "&":
          r = x & y;
          break;
        case "|":
          r = x | y;
          break;
        case "^":
          r = x ^ y;
          break;
        case "<":
          return { v: x < y ? 1n : 0n, type: T.int };
        case ">":
          return { v: x > y ? 1n : 0n, type: T.int };
        case "<=":
          return { v: x <= y ? 1n : 0n, type: T.int };
        case ">=":
          return { v: x >= y ? 1n : 0n, type: T.int };
        case "==":
          return { v: x === y ? 1n : 0n, type: T.int };
        case "!=":
          return { v: x !== y ? 1n : 0n, type: T.int };
        default:
          return undefined;
      }
      const v = fitInt(r, t, false);
      return v === undefined ? undefined : { v, type: t };
    }
    default:
      return undefined;
  }
}
