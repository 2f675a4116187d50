// Loads and stores of lvalues by type: registers (locals whose address is never taken), memory cells,
// whole vectors and aggregates, and lanes of a register vector.

import { alignOf, Q_ATOMIC, Q_VOLATILE, sizeOf, typeCode, typeToString, type CType, type VectorType } from "../c/types.ts";
import type { CE, Ev, Frame, Lvalue } from "./context.ts";
import { unproven, type At } from "./findings.ts";
import { checkAlignment, loadBlock, loadScalar, MemObject, Ptr, storeBlock, storeScalar } from "./memory.ts";

function vectorLanes(t: VectorType): { tc: ReturnType<typeof typeCode>; step: number } {
  return { tc: typeCode(t.of), step: t.of.size };
}

/** Reads the value at an address as the given type (the rvalue: arrays decay to the address itself). */
export function loadAt(type: CType, at: At): (p: Ptr) => unknown {
  switch (type.k) {
    case "int":
    case "float":
    case "ptr": {
      const tc = typeCode(type);
      return (p) => loadScalar(p, tc, at);
    }
    case "array":
      return (p) => p;
    case "vector": {
      const { tc, step } = vectorLanes(type);
      const align = alignOf(type);
      const lanes = type.lanes;
      return (p) => {
        checkAlignment(p, align, "vector", at);
        const out: unknown[] = new Array(lanes);
        for (let k = 0; k < lanes; k++) out[k] = loadScalar(p.plus(k * step), tc, at);
        return out;
      };
    }
    case "struct": {
      if (type.unsupported) return () => unproven(`struct ${type.tag} contains ${type.unsupported}`, at);
      const size = sizeOf(type);
      if (size === undefined) return () => unproven(`read of the incomplete type ${typeToString(type)}`, at);
      const align = alignOf(type);
      return (p) => loadBlock(p, size, align, type.tag, at);
    }
    default:
      return () => unproven(`read of a value of type ${typeToString(type)}`, at);
  }
}

export function storeAt(type: CType, at: At): (p: Ptr, v: unknown) => void {
  switch (type.k) {
    case "int":
    case "float":
    case "ptr": {
      const tc = typeCode(type);
      return (p, v) => storeScalar(p, tc, v, at);
    }
    case "vector": {
      const { tc, step } = vectorLanes(type);
      const align = alignOf(type);
      return (p, v) => {
        checkAlignment(p, align, "vector", at);
        const lanes = v as unknown[];
        for (let k = 0; k < lanes.length; k++) storeScalar(p.plus(k * step), tc, lanes[k], at);
      };
    }
    case "struct": {
      if (type.unsupported) return () => unproven(`struct ${type.tag} contains ${type.unsupported}`, at);
      const align = alignOf(type);
      return (p, v) => storeBlock(p, v as MemObject, align, at);
    }
    default:
      return () => unproven(`assignment to a value of type ${typeToString(type)}`, at);
  }
}

/** A store through an lvalue in memory, as (frame, value) with the location evaluated first. */
export function memStore(lv: Extract<Lvalue, { k: "mem" }>, type: CType, at: At): (f: Frame, value: (f: Frame) => unknown) => unknown {
  if (lv.base && lv.delta && (type.k === "int" || type.k === "float" || type.k === "ptr")) {
    const tc = typeCode(type);
    const base = lv.base;
    const delta = lv.delta;
    return (f, value) => {
      const p = base(f);
      const d = delta(f);
      const v = value(f);
      storeScalar(p, tc, v, at, d);
      return v;
    };
  }
  const store = storeAt(type, at);
  const addr = lv.addr;
  return (f, value) => {
    const p = addr(f);
    const v = value(f);
    store(p, v);
    return v;
  };
}

export function regRead(slot: number, name: string, at: At): Ev {
  return (f) => {
    const v = f.s[slot];
    if (v === undefined) return unproven(`read of uninitialised variable ${name}`, at);
    return v;
  };
}

/** Volatile and atomic objects have semantics (side effects, concurrency) the interpreter does not model. */
export function qualifierProblem(type: CType): string | undefined {
  const q = type.q ?? 0;
  if (q & Q_VOLATILE) return "access to a volatile object";
  if (q & Q_ATOMIC) return "access to an _Atomic object";
  return undefined;
}

/** The rvalue of an lvalue. */
export function loadLvalue(lv: Lvalue, type: CType, at: At): Ev {
  const problem = qualifierProblem(type);
  if (problem) return () => unproven(`unsupported construct: ${problem}`, at);
  if (lv.k === "reg") return regRead(lv.slot, lv.name, at);
  if (lv.k === "mem") {
    if (lv.base && lv.delta && (type.k === "int" || type.k === "float" || type.k === "ptr")) {
      const tc = typeCode(type);
      const base = lv.base;
      const delta = lv.delta;
      return (f) => loadScalar(base(f), tc, at, delta(f));
    }
    const load = loadAt(type, at);
    const addr = lv.addr;
    return (f) => load(addr(f));
  }
  const vec = lv.vector.ev;
  const index = lv.index;
  const lanes = (lv.vector.type as VectorType).lanes;
  return (f) => {
    const v = vec(f) as unknown[];
    const i = Number(index(f));
    if (!(i >= 0 && i < lanes)) return unproven(`vector lane ${i} out of range (${lanes} lanes)`, at);
    const x = v[i];
    if (x === undefined) return unproven("read of an uninitialised vector lane", at);
    return x;
  };
}

/** A store that evaluates the lvalue's location first, then writes: returns (frame) => writer. */
export function locate(lv: Lvalue, type: CType, at: At, guard: string | null): (f: Frame) => (v: unknown) => void {
  if (guard !== null) return () => unproven(guard, at);
  if (lv.k === "reg") {
    const slot = lv.slot;
    return (f) => (v) => {
      f.s[slot] = v;
    };
  }
  if (lv.k === "mem") {
    const store = storeAt(type, at);
    const addr = lv.addr;
    return (f) => {
      const p = addr(f);
      return (v) => store(p, v);
    };
  }
  // Lanes of vectors in memory are memory lvalues themselves; only register vectors get here.
  const inner = lv.vector;
  if (!inner.lv || inner.lv.k !== "reg") return () => unproven("assignment to a lane of a vector that is not a variable", at);
  const slot = inner.lv.slot;
  const index = lv.index;
  const lanes = (inner.type as VectorType).lanes;
  return (f) => {
    const i = Number(index(f));
    if (!(i >= 0 && i < lanes)) return unproven(`vector lane ${i} out of range (${lanes} lanes)`, at);
    return (v) => {
      const old = f.s[slot] as unknown[] | undefined;
      const current = old === undefined ? new Array(lanes) : old.slice();
      current[i] = v;
      f.s[slot] = current;
    };
  };
}

export type { CE };
