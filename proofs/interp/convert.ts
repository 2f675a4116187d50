// Conversions between C types as closures chosen at compile time, and truth values for conditions.

import { Poly } from "../exact/poly.ts";
import { decay, isArithmetic, sameType, typeToString, type CType } from "../c/types.ts";
import { unproven, type At } from "./findings.ts";
import { fConvert, fFromInt, fToBool, fToInt, fTruth } from "./floats.ts";
import { inRange, wrap, type IntV } from "./ints.ts";
import { NULL_PTR, Ptr } from "./memory.ts";

export type Conv = ((v: unknown) => unknown) | null;

/** The conversion from an rvalue of type `from` to `to`; null when the value needs no change. */
export function converter(fromType: CType, to: CType, at: At, isNullConstant = false): Conv {
  const from = decay(fromType);
  if (to.k === "void") return () => undefined;
  if (to.k === "int") {
    if (to.isBool) {
      if (from.k === "int") return (v) => (v === 0 || v === 0n ? 0 : 1);
      if (from.k === "float") return (v) => (fToBool(v as Poly, at) ? 1 : 0);
      if (from.k === "ptr") return (v) => ((v as Ptr).obj === null ? 0 : 1);
    }
    if (from.k === "int") {
      if (from.isBool || (from.signed === to.signed && from.size <= to.size) || (!from.signed && from.size < to.size)) return null;
      return (v) => (inRange(v as IntV, to) ? v : wrap(v as IntV, to));
    }
    if (from.k === "float") return (v) => fToInt(v as Poly, to, at);
    if (from.k === "ptr") return () => unproven(`conversion of a pointer to the integer type ${to.name} (addresses are not modelled)`, at);
  }
  if (to.k === "float") {
    if (from.k === "int") return (v) => fFromInt(v as IntV, to.fmt);
    if (from.k === "float") return from.size <= to.size ? null : (v) => fConvert(v as Poly, to.fmt);
  }
  if (to.k === "ptr") {
    if (from.k === "ptr") return null;
    if (from.k === "int") {
      if (isNullConstant) return () => NULL_PTR;
      return (v) => (v === 0 || v === 0n ? NULL_PTR : unproven(`conversion of the integer ${v} to a pointer`, at));
    }
  }
  if (to.k === "vector" && from.k === "vector" && sameType(to, from)) return null;
  if (to.k === "struct" && from.k === "struct" && sameType(to, from)) return null;
  return () => unproven(`conversion from ${typeToString(from)} to ${typeToString(to)} is not supported`, at);
}

/** Whether a conversion is allowed implicitly (assignment, argument passing, return). */
export function implicitlyConvertible(fromType: CType, to: CType, isNullConstant: boolean): boolean {
  const from = decay(fromType);
  if (isArithmetic(from) && isArithmetic(to)) return true;
  if (to.k === "ptr" && from.k === "ptr") return true;
  if (to.k === "ptr" && from.k === "int" && isNullConstant) return true;
  if (to.k === "int" && to.isBool && from.k === "ptr") return true;
  if (to.k === "vector" && from.k === "vector") return sameType(to, from);
  if (to.k === "struct" && from.k === "struct") return sameType(to, from);
  return false;
}

/** A condition's truth value. */
export function truth(type: CType, at: At): (v: unknown) => boolean {
  const t = decay(type);
  if (t.k === "int") return (v) => v !== 0 && v !== 0n;
  if (t.k === "float") return (v) => fTruth(v as Poly, at);
  if (t.k === "ptr") return (v) => (v as Ptr).obj !== null;
  return () => unproven(`a condition of type ${typeToString(t)}`, at);
}

export function zeroValue(t: CType): unknown {
  if (t.k === "int") return 0;
  if (t.k === "float") return Poly.ZERO;
  if (t.k === "ptr") return NULL_PTR;
  return undefined;
}
