// Binary floating-point formats as exact rationals: the value a compiler gives a float literal (rounded
// once, to nearest even, from the exact decimal), whether a value is representable, and what a bit pattern
// means. Everything is done on BigInt so no double rounding through JS numbers can creep in.

import { qFrac, qNumerator, qDenominator, qEq, type Q } from "./rational.ts";

export interface FloatFormat {
  readonly name: string;
  /** Significand bits, the leading one included. */
  readonly p: number;
  readonly emin: number;
  readonly emax: number;
  /** Storage bits (the x87 format stores its explicit integer bit). */
  readonly bits: number;
}

export const BINARY16: FloatFormat = { name: "binary16", p: 11, emin: -14, emax: 15, bits: 16 };
export const BFLOAT16: FloatFormat = { name: "bfloat16", p: 8, emin: -126, emax: 127, bits: 16 };
export const BINARY32: FloatFormat = { name: "binary32", p: 24, emin: -126, emax: 127, bits: 32 };
export const BINARY64: FloatFormat = { name: "binary64", p: 53, emin: -1022, emax: 1023, bits: 64 };
export const X87_EXTENDED: FloatFormat = { name: "x87 extended", p: 64, emin: -16382, emax: 16383, bits: 80 };

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

export interface Rounded {
  readonly value: Q;
  /** The magnitude is beyond the largest finite value: the compiler would produce an infinity. */
  readonly overflow: boolean;
}

/** Round-to-nearest-even of an exact rational into the format. */
export function roundToFormat(q: Q, fmt: FloatFormat): Rounded {
  let n = qNumerator(q);
  const d = qDenominator(q);
  if (n === 0n) return { value: 0, overflow: false };
  const negative = n < 0n;
  if (negative) n = -n;
  // 2^e <= n/d < 2^(e+1)
  let e = bitLength(n) - bitLength(d);
  const below = e >= 0 ? n < d << BigInt(e) : n << BigInt(-e) < d;
  if (below) e--;
  const exponent = Math.max(e, fmt.emin);
  const shift = fmt.p - 1 - exponent;
  let m: bigint;
  let rem: bigint;
  let div: bigint;
  if (shift >= 0) {
    const scaled = n << BigInt(shift);
    m = scaled / d;
    rem = scaled % d;
    div = d;
  } else {
    div = d << BigInt(-shift);
    m = n / div;
    rem = n % div;
  }
  const twice = rem * 2n;
  if (twice > div || (twice === div && (m & 1n) === 1n)) m += 1n;
  let finalShift = shift;
  if (m === 1n << BigInt(fmt.p)) {
    m >>= 1n;
    finalShift -= 1;
  }
  const finalExponent = fmt.p - 1 - finalShift;
  const overflow = finalExponent > fmt.emax;
  const signed = negative ? -m : m;
  const value = finalShift >= 0 ? qFrac(signed, 1n << BigInt(finalShift)) : qFrac(signed << BigInt(-finalShift), 1n);
  return { value, overflow };
}

export function isRepresentable(q: Q, fmt: FloatFormat): boolean {
  // Small integers are the common case and are exact in every format.
  if (typeof q === "number" && Math.abs(q) <= 2 ** fmt.p) return true;
  const r = roundToFormat(q, fmt);
  return !r.overflow && qEq(r.value, q);
}

export type LiteralType = "float" | "double" | "long double";

export interface FloatLiteral {
  readonly type: LiteralType;
  readonly value: Q;
  readonly overflow: boolean;
}

const DECIMAL = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/;

/** The exact value a C compiler gives a floating literal, or undefined if the text is not one. */
export function parseFloatLiteral(text: string, longDouble: FloatFormat = X87_EXTENDED): FloatLiteral | undefined {
  let body = text;
  let type: LiteralType = "double";
  const last = body[body.length - 1];
  const isHex = /^0[xX]/.test(body);
  if (last === "f" || last === "F") {
    if (!isHex || /[pP][+-]?\d+[fF]$/.test(body)) {
      type = "float";
      body = body.slice(0, -1);
    }
  } else if (last === "l" || last === "L") {
    type = "long double";
    body = body.slice(0, -1);
  }
  let exact: Q;
  const hex = HEX.exec(body);
  if (hex) {
    const intPart = hex[1] ?? "";
    const frac = hex[2] ?? "";
    if (intPart.length + frac.length === 0) return undefined;
    const mant = BigInt(`0x${intPart}${frac}`);
    const exp = Number(hex[3]) - 4 * frac.length;
    exact = exp >= 0 ? qFrac(mant << BigInt(exp), 1n) : qFrac(mant, 1n << BigInt(-exp));
  } else {
    const dec = DECIMAL.exec(body);
    if (!dec || isHex) return undefined;
    const intPart = dec[1] ?? "";
    const frac = dec[2] ?? "";
    if (intPart.length + frac.length === 0) return undefined;
    if (dec[2] === undefined && dec[3] === undefined) return undefined;
    const digits = BigInt(`${intPart}${frac}` || "0");
    const exp = Number(dec[3] ?? "0") - frac.length;
    if (Math.abs(exp) > 100000) return undefined;
    exact = exp >= 0 ? qFrac(digits * 10n ** BigInt(exp), 1n) : qFrac(digits, 10n ** BigInt(-exp));
  }
  const fmt = type === "float" ? BINARY32 : type === "double" ? BINARY64 : longDouble;
  const r = roundToFormat(exact, fmt);
  return { type, value: r.value, overflow: r.overflow };
}

/** The value of an IEEE bit pattern (little-endian bytes), or undefined for an infinity or NaN. */
export function decodeFloatBytes(bytes: readonly number[], fmt: FloatFormat): Q | undefined {
  let bits = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) bits = (bits << 8n) | BigInt(bytes[i]! & 0xff);
  if (fmt.bits === 80) return undefined;
  const expBits = fmt.bits - fmt.p;
  const mantBits = BigInt(fmt.p - 1);
  const sign = (bits >> BigInt(fmt.bits - 1)) & 1n;
  const expField = Number((bits >> mantBits) & ((1n << BigInt(expBits)) - 1n));
  let mant = bits & ((1n << mantBits) - 1n);
  if (expField === (1 << expBits) - 1) return undefined;
  let e: number;
  if (expField === 0) e = fmt.emin - (fmt.p - 1);
  else {
    mant |= 1n << mantBits;
    e = expField - (fmt.emax + fmt.p - 1);
  }
  const signed = sign ? -mant : mant;
  return e >= 0 ? qFrac(signed << BigInt(e), 1n) : qFrac(signed, 1n << BigInt(-e));
}
