// How the harness calls a kernel at one problem size, in symbolic form: every input element of a floating
// buffer is its own variable, every output element starts as its own "poison" variable, and scalars take
// the values of the spec's expressions. The numbering depends only on the spec and the size, so the
// reference's outputs can be cached and compared with any variant's.

import { compileExpr as compileSpecExpr } from "../../core/expr.ts";
import type { Dtype, KernelSpec, Params, ProblemSize } from "../../specs/schema.ts";

export interface BufferLayout {
  readonly name: string;
  readonly dtype: Dtype;
  readonly length: number;
  readonly intent: "in" | "out" | "inout";
  /** The variable of element 0 (in and inout buffers hold inputs; out buffers hold poison). */
  readonly first: number;
}

export type ScalarValue = { readonly kind: "int"; readonly value: number } | { readonly kind: "float"; readonly value: number };

export interface Layout {
  /** Per spec argument, in call order. */
  readonly args: readonly ({ readonly kind: "buffer"; readonly buffer: BufferLayout } | { readonly kind: "scalar"; readonly name: string; readonly dtype: Dtype; readonly value: ScalarValue })[];
  readonly buffers: readonly BufferLayout[];
  /** Input variables are [0, inputs); poison variables [inputs, firstFree). */
  readonly inputs: number;
  readonly firstFree: number;
}

const INT_RANGES: Partial<Record<Dtype, [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [-(2 ** 53), 2 ** 53],
  uint8: [0, 255],
  uint32: [0, 2 ** 32 - 1],
};

export function isFloatDtype(d: Dtype): boolean {
  return d === "float32" || d === "float64";
}

const compiled = new Map<string, ReturnType<typeof compileSpecExpr>>();

/** Compiles a spec expression once (specs are evaluated at hundreds of sizes). */
export function specExpr(expr: string, where: string): ReturnType<typeof compileSpecExpr> {
  let c = compiled.get(expr);
  if (!c) {
    c = compileSpecExpr(expr, null, where);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(expr, c);
  }
  return c;
}

export function evaluate(expr: string, env: Record<string, number | string | boolean>, where: string): number {
  return specExpr(expr, where).evaluateNumber(env);
}

/** The layout at one size, or why the harness could not call the kernel there. */
export function layoutAt(spec: KernelSpec, params: Params, size: ProblemSize): Layout | string {
  const env = { ...params, ...size };
  const pending: { name: string; dtype: Dtype; length: number; intent: "in" | "out" | "inout" }[] = [];
  const args: Layout["args"][number][] = [];
  for (const a of spec.arguments) {
    if (a.kind === "buffer") {
      let length: number;
      try {
        length = evaluate(a.length, env, `${a.name}.length`);
      } catch (e) {
        return `the length of ${a.name} cannot be evaluated: ${(e as Error).message}`;
      }
      if (!Number.isInteger(length) || length <= 0) return `${a.name} would have ${length} elements`;
      if (!isFloatDtype(a.dtype)) return `the buffer ${a.name} holds ${a.dtype}: integer buffers are not supported by the proof`;
      pending.push({ name: a.name, dtype: a.dtype, length, intent: a.intent });
      args.push({ kind: "buffer", buffer: undefined as unknown as BufferLayout });
    } else {
      let v: number;
      try {
        v = evaluate(a.value, env, `${a.name}.value`);
      } catch (e) {
        return `the value of ${a.name} cannot be evaluated: ${(e as Error).message}`;
      }
      if (isFloatDtype(a.dtype)) {
        if (!Number.isFinite(v)) return `${a.name} would be ${v}`;
        args.push({ kind: "scalar", name: a.name, dtype: a.dtype, value: { kind: "float", value: v } });
      } else {
        const range = INT_RANGES[a.dtype]!;
        if (!Number.isInteger(v) || v < range[0] || v > range[1]) return `${a.name} would be ${v}, not a valid ${a.dtype}`;
        args.push({ kind: "scalar", name: a.name, dtype: a.dtype, value: { kind: "int", value: v } });
      }
    }
  }
  let next = 0;
  const buffers: BufferLayout[] = [];
  const byName = new Map<string, BufferLayout>();
  // Inputs first, then poison, so a variable's role is known from its number alone.
  for (const b of pending) {
    if (b.intent === "out") continue;
    const layout = { ...b, first: next };
    next += b.length;
    byName.set(b.name, layout);
  }
  const inputs = next;
  for (const b of pending) {
    if (b.intent !== "out") continue;
    const layout = { ...b, first: next };
    next += b.length;
    byName.set(b.name, layout);
  }
  for (const b of pending) buffers.push(byName.get(b.name)!);
  let k = 0;
  const finalArgs = args.map((a) => (a.kind === "buffer" ? { kind: "buffer" as const, buffer: buffers[k++]! } : a));
  return { args: finalArgs, buffers, inputs, firstFree: next };
}

/** A readable name for a variable: A[3], poison(C[2]), or out-of-bounds(...). */
export function variableName(layout: Layout, id: number, oob: ReadonlyMap<number, string> = new Map()): string {
  for (const b of layout.buffers) {
    if (id >= b.first && id < b.first + b.length) return b.intent === "out" ? `poison(${b.name}[${id - b.first}])` : `${b.name}[${id - b.first}]`;
  }
  return oob.get(id) ?? `v${id}`;
}
