// Launch geometry of a CUDA variant: the spec's grid, block and dynamic shared memory expressions,
// evaluated in TypeScript for one problem size and parameter set and baked into the generated harness as
// numbers, so nothing on the device side evaluates an expression.

import { compileExpr } from "../../core/expr.ts";
import { fail } from "../../core/errors.ts";
import type { GpuInfo } from "../../hardware-profiles/schema.ts";
import type { KernelSpec, Params, ProblemSize } from "../../specs/schema.ts";

export interface LaunchGeometry {
  grid: [number, number, number];
  block: [number, number, number];
  dynamicSharedBytes: number;
}

/** Hardware grid limits of every NVIDIA GPU since compute capability 3.0. */
const MAX_GRID: [number, number, number] = [2 ** 31 - 1, 65535, 65535];

function whole(value: number, where: string, min: number): number {
  if (!Number.isInteger(value) || value < min) fail("SPEC_INVALID", `${where}: expected a whole number >= ${min}, received ${value}`);
  return value;
}

export function evaluateLaunch(spec: KernelSpec, params: Params, size: ProblemSize): LaunchGeometry {
  if (!spec.launch) fail("SPEC_INVALID", `launch: expected grid and block expressions for a CUDA kernel, received nothing`);
  const env = { ...size, ...params };
  const known = Object.keys(env);
  const dim = (exprs: readonly string[], field: string) =>
    exprs.map((e, i) => whole(compileExpr(e, known, `launch.${field}[${i}]`).evaluateNumber(env), `launch.${field}[${i}] = ${JSON.stringify(e)} at ${JSON.stringify(env)}`, 1)) as [number, number, number];
  return {
    grid: dim(spec.launch.grid, "grid"),
    block: dim(spec.launch.block, "block"),
    dynamicSharedBytes: whole(
      compileExpr(spec.launch.dynamicSharedBytes, known, "launch.dynamicSharedBytes").evaluateNumber(env),
      `launch.dynamicSharedBytes at ${JSON.stringify(env)}`,
      0,
    ),
  };
}

export function threadsPerBlock(launch: LaunchGeometry): number {
  return launch.block[0] * launch.block[1] * launch.block[2];
}

/** Why this geometry cannot launch on the device, or undefined when it can (resource limits of the compiled kernel aside). */
export function launchProblem(launch: LaunchGeometry, gpu: GpuInfo): string | undefined {
  const threads = threadsPerBlock(launch);
  if (threads > gpu.maxThreadsPerBlock) return `${threads} threads per block exceed the device's ${gpu.maxThreadsPerBlock}`;
  if (launch.block[2] > 64) return `block z = ${launch.block[2]} exceeds 64`;
  for (let i = 0; i < 3; i++) if (launch.grid[i]! > MAX_GRID[i]!) return `grid dimension ${i} = ${launch.grid[i]} exceeds ${MAX_GRID[i]}`;
  if (launch.dynamicSharedBytes > gpu.maxSharedMemoryPerBlockOptinBytes) {
    return `${launch.dynamicSharedBytes} bytes of dynamic shared memory exceed the device's opt-in limit of ${gpu.maxSharedMemoryPerBlockOptinBytes}`;
  }
  return undefined;
}
