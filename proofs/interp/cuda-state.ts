// What a CUDA thread sees of its launch: the built-in index variables and the block's shared memory.

import { alignOf, sizeOf, T, typeToString, type CType } from "../c/types.ts";
import type { CE } from "./context.ts";
import { unproven, type At } from "./findings.ts";
import { newObject, Ptr } from "./memory.ts";
import { rt } from "./runtime.ts";
import { elementSize } from "./compile-expr.ts";

/** The key of the block's dynamic shared memory (`extern __shared__`) in the per-block map. */
export const DYNAMIC_SHARED = Symbol("dynamic shared memory");

const AXES: Record<string, number> = { x: 0, y: 1, z: 2 };

export function cudaMember(variable: string, member: string, at: At): CE {
  const axis = AXES[member];
  if (axis === undefined) return { type: T.uint, at, ev: () => unproven(`${variable}.${member}`, at) };
  const field = variable === "threadIdx" ? "tid" : variable === "blockIdx" ? "bid" : variable === "blockDim" ? "bdim" : "gdim";
  return {
    type: T.uint,
    at,
    ev: () => {
      const t = rt.thread;
      if (t === null) return unproven(`${variable} outside a kernel launch`, at);
      return t[field][axis];
    },
  };
}

export function sharedPointer(key: object, type: CType, name: string, dynamic: boolean, at: At): Ptr {
  const block = rt.block;
  if (block === null) return unproven(`__shared__ ${name} outside a kernel launch`, at);
  if (dynamic) {
    const p = block.get(DYNAMIC_SHARED) as Ptr | undefined;
    if (p === undefined) return unproven("extern __shared__ memory with no dynamic shared size in the launch", at);
    return p;
  }
  let p = block.get(key) as Ptr | undefined;
  if (p === undefined) {
    const size = sizeOf(type);
    if (size === undefined) return unproven(`__shared__ ${name} of type ${typeToString(type)}`, at);
    p = new Ptr(newObject(name, size, Math.max(alignOf(type), 16), "shared", false, elementSize(type)), 0, null);
    block.set(key, p);
  }
  return p;
}
