// Floating-point values as exact polynomials over the inputs. + - * and fma are exact over the reals, and
// so is division by a non-zero constant; rounding is the harness's tolerance check, not ours. A value may
// decide control flow or become an integer only when it is a constant the float computation reproduces
// exactly (every step representable), because then the compiled program takes the same branch.

import { isRepresentable, type FloatFormat } from "../exact/float-format.ts";
import { Poly, polyAdd, polyMul, polyNeg, polyScale, polySub } from "../exact/poly.ts";
import { qCmp, qDiv, qFrac, qIsZero, qToString, qTrunc, type Q } from "../exact/rational.ts";
import type { IntType } from "../c/types.ts";
import { unproven, type At } from "./findings.ts";
import { big, inRange, norm, type IntV } from "./ints.ts";

/** Products of large sums grow fast (a variant that squares its accumulator, say); past this, stop. */
export const MAX_TERMS = 200_000;

function guardSize(a: Poly, b: Poly, at: At): void {
  if (a.termCount * b.termCount > MAX_TERMS) unproven(`a symbolic product of ${a.termCount} x ${b.termCount} terms, beyond the proof's limit of ${MAX_TERMS}`, at);
}

function settle(r: Poly, a: Poly, b: Poly, fmt: FloatFormat): Poly {
  if (!r.isConstant) return r;
  const exact = a.exact && b.exact && a.isConstant && b.isConstant && isRepresentable(r.constantValue, fmt);
  return r.exact === exact ? r : Poly.constant(r.constantValue, exact);
}

function bounded(r: Poly): Poly {
  if (r.termCount > MAX_TERMS) unproven(`a symbolic value of more than ${MAX_TERMS} terms, beyond the proof's limit`);
  return r;
}

export function fAdd(a: Poly, b: Poly, fmt: FloatFormat): Poly {
  return settle(bounded(polyAdd(a, b)), a, b, fmt);
}

export function fSub(a: Poly, b: Poly, fmt: FloatFormat): Poly {
  return settle(bounded(polySub(a, b)), a, b, fmt);
}

export function fMul(a: Poly, b: Poly, fmt: FloatFormat, at: At): Poly {
  if (a.termCount > 1 && b.termCount > 1) guardSize(a, b, at);
  return settle(polyMul(a, b), a, b, fmt);
}

export function fDiv(a: Poly, b: Poly, fmt: FloatFormat, at: At): Poly {
  if (!b.isConstant) return unproven("division by a value that depends on the input data", at);
  const d = b.constantValue;
  if (qIsZero(d)) return unproven("floating-point division by zero", at);
  return settle(polyScale(a, qDiv(1, d)), a, b, fmt);
}

export function fNeg(a: Poly): Poly {
  const r = polyNeg(a);
  return a.isConstant ? Poly.constant(r.constantValue, a.exact) : r;
}

export function fFma(a: Poly, b: Poly, c: Poly, fmt: FloatFormat, at: At): Poly {
  // A zero factor is common (operands padded with 0.0f past a matrix edge): the result is c itself.
  if ((a.isZero && a.exact) || (b.isZero && b.exact)) return c;
  if (a.termCount > 1 && b.termCount > 1) guardSize(a, b, at);
  const r = polyAdd(polyMul(a, b), c);
  if (!r.isConstant) return r;
  const exact = a.exact && b.exact && c.exact && a.isConstant && b.isConstant && c.isConstant && isRepresentable(r.constantValue, fmt);
  return Poly.constant(r.constantValue, exact);
}

/** Conversion between floating types: exact over the reals, exact in C only if representable. */
export function fConvert(a: Poly, fmt: FloatFormat): Poly {
  if (!a.isConstant || !a.exact) return a;
  return isRepresentable(a.constantValue, fmt) ? a : Poly.constant(a.constantValue, false);
}

export function fFromInt(v: IntV, fmt: FloatFormat): Poly {
  const q: Q = typeof v === "number" ? v : qFrac(v, 1n);
  return Poly.constant(q, isRepresentable(q, fmt));
}

/** A constant the compiled program computes exactly, or the reason the proof must stop. */
function decidable(a: Poly, what: string, at: At): Q {
  if (!a.isConstant) return unproven(`${what} depends on the input data (data-dependent control flow or conversion)`, at);
  if (!a.exact) return unproven(`${what} uses the floating-point constant ${qToString(a.constantValue)}, which the compiled program would round`, at);
  return a.constantValue;
}

export function fToInt(a: Poly, t: IntType, at: At): IntV {
  const q = decidable(a, "a conversion of a floating-point value to an integer", at);
  const v = norm(qTrunc(q));
  if (!inRange(v, t)) return unproven(`conversion of ${qToString(q)} to ${t.name}, which is out of range (undefined behaviour)`, at);
  return t.isBool ? (big(v) !== 0n ? 1 : 0) : v;
}

export function fTruth(a: Poly, at: At): boolean {
  return !qIsZero(decidable(a, "a test of a floating-point value", at));
}

export function fToBool(a: Poly, at: At): boolean {
  return !qIsZero(decidable(a, "a conversion of a floating-point value to bool", at));
}

export function fCompare(a: Poly, b: Poly, at: At): number {
  const x = decidable(a, "a comparison of floating-point values", at);
  const y = decidable(b, "a comparison of floating-point values", at);
  return qCmp(x, y);
}

/** fabs, fmin, fmax: exact functions, but of a constant only (of data they are a branch). */
export function fAbs(a: Poly, at: At): Poly {
  const q = decidable(a, "fabs", at);
  return qCmp(q, 0) < 0 ? fNeg(a) : a;
}

export function fMinMax(a: Poly, b: Poly, max: boolean, at: At): Poly {
  const c = fCompare(a, b, at);
  return (max ? c >= 0 : c <= 0) ? a : b;
}
