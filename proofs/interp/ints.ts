// Integer arithmetic with C's semantics for each type: unsigned types wrap, signed overflow, division by
// zero and out-of-range shifts are undefined behaviour and end the proof. Values are JS numbers while they
// are safe integers and BigInts beyond, so the common case stays fast and every case stays exact.

import type { IntType } from "../c/types.ts";
import { unproven, type At } from "./findings.ts";

export type IntV = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function big(v: IntV): bigint {
  return typeof v === "bigint" ? v : BigInt(v);
}

/** The canonical representation: a number whenever the value is a safe integer. */
export function norm(v: bigint): IntV {
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
}

function bounds(t: IntType): [bigint, bigint] {
  const bits = BigInt(t.size * 8);
  return t.signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

export function inRange(v: IntV, t: IntType): boolean {
  if (typeof v === "number") {
    if (t.size === 4) return t.signed ? v >= -2147483648 && v <= 2147483647 : v >= 0 && v <= 4294967295;
    if (t.size === 8) return t.signed || v >= 0;
    if (t.size === 2) return t.signed ? v >= -32768 && v <= 32767 : v >= 0 && v <= 65535;
    if (t.size === 1) return t.isBool ? v === 0 || v === 1 : t.signed ? v >= -128 && v <= 127 : v >= 0 && v <= 255;
  }
  const [lo, hi] = bounds(t);
  const b = big(v);
  return b >= lo && b <= hi;
}

/** Conversion to an integer type (C11 6.3.1.3; GCC wraps signed targets modulo 2^N). */
export function wrap(v: IntV, t: IntType): IntV {
  if (t.isBool) return v === 0 || v === 0n ? 0 : 1;
  if (inRange(v, t)) return v;
  const bits = t.size * 8;
  return norm(t.signed ? BigInt.asIntN(bits, big(v)) : BigInt.asUintN(bits, big(v)));
}

/** The result of an operation in type t: wrapped if unsigned, undefined behaviour if signed and out of range. */
function result(v: IntV, t: IntType, op: string, at: At): IntV {
  if (inRange(v, t)) return v;
  if (!t.signed) return wrap(v, t);
  return unproven(`signed integer overflow in ${op} (${t.name}), which is undefined behaviour`, at);
}

export function intAdd(a: IntV, b: IntV, t: IntType, at: At): IntV {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (Number.isSafeInteger(r)) return result(r, t, "+", at);
  }
  return result(norm(big(a) + big(b)), t, "+", at);
}

export function intSub(a: IntV, b: IntV, t: IntType, at: At): IntV {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (Number.isSafeInteger(r)) return result(r, t, "-", at);
  }
  return result(norm(big(a) - big(b)), t, "-", at);
}

export function intMul(a: IntV, b: IntV, t: IntType, at: At): IntV {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (Number.isSafeInteger(r)) return result(r || 0, t, "*", at);
  }
  return result(norm(big(a) * big(b)), t, "*", at);
}

export function intDiv(a: IntV, b: IntV, t: IntType, at: At): IntV {
  if (b === 0 || b === 0n) return unproven("integer division by zero, which is undefined behaviour", at);
  if (typeof a === "number" && typeof b === "number" && Math.abs(a) < 2 ** 31 && Math.abs(b) < 2 ** 31) return result(Math.trunc(a / b) || 0, t, "/", at);
  return result(norm(big(a) / big(b)), t, "/", at);
}

export function intRem(a: IntV, b: IntV, t: IntType, at: At): IntV {
  if (b === 0 || b === 0n) return unproven("integer remainder by zero, which is undefined behaviour", at);
  // INT_MIN % -1 overflows in the quotient, which C makes undefined for % too.
  if (t.signed && (b === -1 || b === -1n) && !inRange(-big(a), t)) return unproven("INT_MIN % -1, which is undefined behaviour", at);
  if (typeof a === "number" && typeof b === "number") return a % b || 0;
  return norm(big(a) % big(b));
}

export function intNeg(a: IntV, t: IntType, at: At): IntV {
  return typeof a === "number" ? result(-a || 0, t, "unary -", at) : result(norm(-a), t, "unary -", at);
}

export function intNot(a: IntV, t: IntType): IntV {
  return wrap(norm(~big(a)), t);
}

function shiftCount(b: IntV, t: IntType, at: At): number {
  const n = Number(b);
  if (n < 0 || n >= t.size * 8) return unproven(`shift by ${n} in a ${t.size * 8}-bit type, which is undefined behaviour`, at);
  return n;
}

export function intShl(a: IntV, b: IntV, t: IntType, at: At): IntV {
  const n = shiftCount(b, t, at);
  if (t.signed && (typeof a === "number" ? a < 0 : a < 0n)) return unproven("left shift of a negative value, which is undefined behaviour", at);
  return result(norm(big(a) << BigInt(n)), t, "<<", at);
}

export function intShr(a: IntV, b: IntV, t: IntType, at: At): IntV {
  const n = shiftCount(b, t, at);
  // GCC shifts signed values arithmetically.
  return norm(big(a) >> BigInt(n));
}

export function intAnd(a: IntV, b: IntV, t: IntType): IntV {
  if (typeof a === "number" && typeof b === "number" && a >= 0 && b >= 0 && a <= 0x7fffffff && b <= 0x7fffffff) return a & b;
  return wrap(norm(big(a) & big(b)), t);
}

export function intOr(a: IntV, b: IntV, t: IntType): IntV {
  if (typeof a === "number" && typeof b === "number" && a >= 0 && b >= 0 && a <= 0x7fffffff && b <= 0x7fffffff) return a | b;
  return wrap(norm(big(a) | big(b)), t);
}

export function intXor(a: IntV, b: IntV, t: IntType): IntV {
  if (typeof a === "number" && typeof b === "number" && a >= 0 && b >= 0 && a <= 0x7fffffff && b <= 0x7fffffff) return a ^ b;
  return wrap(norm(big(a) ^ big(b)), t);
}

export function intLess(a: IntV, b: IntV): boolean {
  return a < b;
}
