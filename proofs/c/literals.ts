// Numeric literals: the value and the C type the standard gives each spelling.

import { parseFloatLiteral } from "../exact/float-format.ts";
import type { Q } from "../exact/rational.ts";
import { T, type FloatType, type IntType } from "./types.ts";

export type Literal =
  | { readonly t: "int"; readonly value: bigint; readonly type: IntType }
  | { readonly t: "float"; readonly value: Q; readonly type: FloatType; readonly overflow: boolean };

function fits(value: bigint, t: IntType): boolean {
  const bits = BigInt(t.size * 8);
  return t.signed ? value < 1n << (bits - 1n) : value < 1n << bits;
}

/** Parses a pp-number; undefined when it is not a valid C literal. */
export function parseNumber(text: string): Literal | undefined {
  const isHex = /^0[xX]/.test(text);
  if ((isHex && /[pP]/.test(text)) || (!isHex && /[.eE]/.test(text))) {
    const f = parseFloatLiteral(text);
    if (!f) return undefined;
    const type = f.type === "float" ? T.float : f.type === "double" ? T.double : T.ldouble;
    return { t: "float", value: f.value, type, overflow: f.overflow };
  }
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[1]!;
  const suffix = m[2]!.toLowerCase();
  if (!["", "u", "l", "ul", "lu", "ll", "ull", "llu"].includes(suffix)) return undefined;
  let value: bigint;
  if (/^0[bB]/.test(digits)) value = BigInt(`0b${digits.slice(2)}`);
  else if (/^0[xX]/.test(digits)) value = BigInt(digits);
  else if (digits.length > 1 && digits[0] === "0") value = BigInt(`0o${digits.slice(1)}`);
  else value = BigInt(digits);
  const decimal = /^[1-9]/.test(digits) || digits === "0";
  const unsigned = suffix.includes("u");
  const longs = suffix.replace("u", "").length;
  // C11 6.4.4.1: the first type of the list that can represent the value.
  const candidates: IntType[] = [];
  if (longs === 0) candidates.push(...(unsigned ? [T.uint] : decimal ? [T.int] : [T.int, T.uint]));
  if (longs <= 1) candidates.push(...(unsigned ? [T.ulong] : decimal ? [T.long] : [T.long, T.ulong]));
  candidates.push(...(unsigned ? [T.ullong] : decimal ? [T.llong] : [T.llong, T.ullong]));
  const type = candidates.find((c) => fits(value, c));
  if (!type) return undefined;
  return { t: "int", value, type };
}
