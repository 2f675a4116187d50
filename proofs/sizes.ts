// The problem sizes a proof covers. Every combination of the size variables from 1 to a per-dimension
// bound (so tails and partial tiles are all exercised), kept only where the harness could run it: buffer
// lengths positive integers, scalars valid for their dtype, every restriction that can be evaluated true,
// and for CUDA a launch the hardware accepts. The spec's verify sizes are added when their work is small.
//
// The rule for the per-dimension bound b (default `bound` = 16):
//   one size variable:   2.5 b (40): one-dimensional kernels are cheap to interpret, and 40 crosses tiles of
//                        16 and 32 with every remainder;
//   two size variables:  b (16), so 256 sizes;
//   three or more:       the largest value v <= b with v^d <= 64 (4 for three variables, 2 for four), because
//                        interpreting a variant costs up to ~0.2 s per size (a 128 x 128 SGEMM tile with 256
//                        threads) and the proof should stay under 30 s per variant.

import type { KernelSpec, Params, ProblemSize } from "../specs/schema.ts";
import { layoutAt, specExpr } from "./run/layout.ts";

export const DEFAULT_BOUND = 16;
const MAX_COMBINATIONS_MULTI = 64;
/** Verify sizes are proved too when they need at most this many flops and bytes. */
export const VERIFY_FLOPS_LIMIT = 250_000;
export const VERIFY_BYTES_LIMIT = 1_000_000;

export function perDimensionBound(dimensions: number, bound: number): number {
  if (dimensions <= 1) return Math.ceil(2.5 * bound);
  if (dimensions === 2) return bound;
  let b = bound;
  while (b > 1 && b ** dimensions > MAX_COMBINATIONS_MULTI) b--;
  return b;
}

function number(expr: string, env: Record<string, number | string>, where: string): number | undefined {
  try {
    const v = specExpr(expr, where).evaluateNumber(env);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface LaunchDims {
  readonly grid: [number, number, number];
  readonly block: [number, number, number];
  readonly dynamicSharedBytes: number;
}

/** The CUDA launch at a size, or why it is not a valid launch. */
export function launchAt(spec: KernelSpec, params: Params, size: ProblemSize): LaunchDims | string {
  if (!spec.launch) return "the spec has no launch geometry";
  const env = { ...params, ...size };
  const grid = spec.launch.grid.map((e, k) => number(e, env, `launch.grid[${k}]`));
  const block = spec.launch.block.map((e, k) => number(e, env, `launch.block[${k}]`));
  const shared = number(spec.launch.dynamicSharedBytes ?? "0", env, "launch.dynamicSharedBytes");
  if (grid.some((g) => g === undefined || !Number.isInteger(g) || g < 1)) return `grid ${JSON.stringify(grid)} is not valid`;
  if (block.some((b) => b === undefined || !Number.isInteger(b) || b < 1)) return `block ${JSON.stringify(block)} is not valid`;
  const [bx, by, bz] = block as number[];
  const [, gy, gz] = grid as number[];
  if (bx! > 1024 || by! > 1024 || bz! > 64 || bx! * by! * bz! > 1024) return `block ${JSON.stringify(block)} exceeds CUDA's limits`;
  if (gy! > 65535 || gz! > 65535) return `grid ${JSON.stringify(grid)} exceeds CUDA's limits`;
  if (shared === undefined || !Number.isInteger(shared) || shared < 0 || shared > 227 * 1024) return `dynamic shared memory of ${shared} bytes`;
  return { grid: grid as [number, number, number], block: block as [number, number, number], dynamicSharedBytes: shared };
}

/** Whether the harness would run the variant at this size. */
export function validSize(spec: KernelSpec, params: Params, size: ProblemSize): boolean {
  if (typeof layoutAt(spec, params, size) === "string") return false;
  const env = { ...params, ...size };
  for (const [k, r] of spec.restrictions.entries()) {
    let ok: boolean;
    try {
      ok = specExpr(r, `restrictions[${k}]`).evaluateBool(env);
    } catch {
      // A restriction that cannot be evaluated here (it names something else) does not exclude the size.
      continue;
    }
    if (!ok) return false;
  }
  if (spec.language === "cuda" && typeof launchAt(spec, params, size) === "string") return false;
  return true;
}

function sizeVariables(spec: KernelSpec): string[] {
  return Object.keys(spec.problem.tune);
}

export function sizeKey(size: ProblemSize): string {
  return Object.keys(size)
    .sort()
    .map((k) => `${k}=${size[k]}`)
    .join(",");
}

export function smallEnough(spec: KernelSpec, params: Params, size: ProblemSize): boolean {
  const env = { ...params, ...size };
  const flops = number(spec.flops, env, "flops");
  const bytes = number(spec.bytes, env, "bytes");
  return flops !== undefined && bytes !== undefined && flops <= VERIFY_FLOPS_LIMIT && bytes <= VERIFY_BYTES_LIMIT;
}

export function boundedSizes(spec: KernelSpec, params: Params, bound: number = DEFAULT_BOUND): ProblemSize[] {
  const vars = sizeVariables(spec);
  const b = perDimensionBound(vars.length, bound);
  const out: ProblemSize[] = [];
  const seen = new Set<string>();
  const add = (s: ProblemSize): void => {
    const key = sizeKey(s);
    if (seen.has(key) || !validSize(spec, params, s)) return;
    seen.add(key);
    out.push(s);
  };
  const current: number[] = vars.map(() => 1);
  for (;;) {
    add(Object.fromEntries(vars.map((v, k) => [v, current[k]!])));
    let k = vars.length - 1;
    while (k >= 0 && current[k] === b) current[k--] = 1;
    if (k < 0) break;
    current[k]!++;
  }
  for (const s of spec.problem.verify) if (smallEnough(spec, params, s)) add(s);
  return out;
}
