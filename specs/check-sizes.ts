// The spec's numbers at every size it names, checked when it is loaded: each buffer length must be a
// whole number of elements the generated C can hold and the memory limit allows, each scalar must be
// finite and fit its dtype, and the baseline must satisfy the restrictions and have a launch at the
// tuning size and at every verify size. Otherwise the problem would surface hours later as a harness
// that does not compile (an infrastructure error) or a verify case the kernel was never meant to run
// (blamed on the variant), when it is the spec's.

import { describeValue, fail, isNightshiftError } from "../core/errors.ts";
import { compileExpr } from "../core/expr.ts";
import type { Dtype, KernelSpecFile, Params, ProblemSize } from "./schema.ts";

export const DTYPE_BYTES: Record<Dtype, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1, uint32: 4 };

/** Values a scalar of each dtype can hold exactly (int64 within what a double represents exactly). */
const DTYPE_RANGE: Record<Dtype, { min: number; max: number; whole: boolean }> = {
  float32: { min: -3.4028234663852886e38, max: 3.4028234663852886e38, whole: false },
  float64: { min: -Number.MAX_VALUE, max: Number.MAX_VALUE, whole: false },
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1, whole: true },
  int64: { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, whole: true },
  uint8: { min: 0, max: 255, whole: true },
  uint32: { min: 0, max: 2 ** 32 - 1, whole: true },
};

/** Each size with the name a message gives it. */
export function namedSizes(spec: Pick<KernelSpecFile, "problem">): Array<{ field: string; size: ProblemSize }> {
  return [{ field: "problem.tune", size: spec.problem.tune }, ...spec.problem.verify.map((size, i) => ({ field: `problem.verify[${i}]`, size }))];
}

/** An expression's number at one environment; an evaluation error is the spec's, named by `field`. */
function evaluate(expr: string, env: Record<string, number | string>, field: string): number {
  try {
    return compileExpr(expr, null, field).evaluateNumber(env);
  } catch (error) {
    if (!isNightshiftError(error)) throw error;
    return fail("SPEC_INVALID", `${field}: expected a number at ${describeValue(env)}, received an expression that cannot be evaluated there (${error.message})`);
  }
}

function checkArguments(spec: KernelSpecFile, field: string, size: ProblemSize): void {
  const memoryBytes = spec.timing.memoryLimitMb * 1024 * 1024;
  spec.arguments.forEach((arg, i) => {
    if (arg.kind === "buffer") {
      const length = evaluate(arg.length, size, `arguments[${i}].length`);
      const most = Math.floor(memoryBytes / DTYPE_BYTES[arg.dtype]);
      if (!Number.isInteger(length) || length < 1 || length > most) {
        fail(
          "SPEC_INVALID",
          `arguments[${i}].length: expected a whole number of ${arg.dtype} elements from 1 to ${most} (timing.memoryLimitMb is ${spec.timing.memoryLimitMb}) at ${field} ${describeValue(size)}, received ${length} from ${describeValue(arg.length)}`,
        );
      }
      return;
    }
    const value = evaluate(arg.value, size, `arguments[${i}].value`);
    const range = DTYPE_RANGE[arg.dtype];
    if (!Number.isFinite(value) || value < range.min || value > range.max || (range.whole && !Number.isInteger(value))) {
      fail(
        "SPEC_INVALID",
        `arguments[${i}].value: expected a ${range.whole ? "whole number" : "finite number"} that fits ${arg.dtype} (${range.min} to ${range.max}) at ${field} ${describeValue(size)}, received ${value} from ${describeValue(arg.value)}`,
      );
    }
  });
}

/** Restrictions that read a size variable: the kernel's constraints, which hold at every size it is run at. */
export function sizeRestrictions(spec: Pick<KernelSpecFile, "restrictions" | "problem">): Array<{ index: number; expr: string }> {
  const sizeVars = Object.keys(spec.problem.tune);
  return spec.restrictions
    .map((expr, index) => ({ index, expr }))
    .filter(({ expr, index }) => compileExpr(expr, null, `restrictions[${index}]`).variables.some((v) => sizeVars.includes(v)));
}

/**
 * The first verify size at which `params` (valid at the tuning size) breaks one of the kernel's
 * restrictions, as a message blaming the spec; null when there is none.
 */
export function verifySizeConflict(spec: Pick<KernelSpecFile, "restrictions" | "problem">, params: Params): string | null {
  const checks = sizeRestrictions(spec);
  for (const [i, size] of spec.problem.verify.entries()) {
    for (const { index, expr } of checks) {
      if (compileExpr(expr, null, `restrictions[${index}]`).evaluateBool({ ...size, ...params })) continue;
      return (
        `problem.verify[${i}]: expected a size at which the configuration ${describeValue(params)} satisfies restrictions[${index}] ${describeValue(expr)} as it does at the tuning size, ` +
        `received ${describeValue(size)} (verify sizes must be sizes the kernel supports; a restriction meant only for the tuning size belongs in tuneRestrictions)`
      );
    }
  }
  return null;
}

function checkBaseline(spec: KernelSpecFile): void {
  const env = { ...spec.problem.tune, ...spec.baseline };
  for (const [list, exprs] of [["restrictions", spec.restrictions], ["tuneRestrictions", spec.tuneRestrictions]] as const) {
    exprs.forEach((expr, i) => {
      if (!compileExpr(expr, null, `${list}[${i}]`).evaluateBool(env)) {
        fail("SPEC_INVALID", `baseline: expected parameters satisfying ${list}[${i}] ${describeValue(expr)} at the tuning size, received ${describeValue(spec.baseline)}`);
      }
    });
  }
  const conflict = verifySizeConflict(spec, spec.baseline);
  if (conflict !== null) fail("SPEC_INVALID", conflict);
  for (const field of ["bytes", "flops"] as const) {
    const value = evaluate(spec[field], env, field);
    if (!Number.isFinite(value) || value < 0) fail("SPEC_INVALID", `${field}: expected a finite number >= 0 for the baseline at the tuning size, received ${value} from ${describeValue(spec[field])}`);
  }
  if (!spec.launch) return;
  const launch = spec.launch;
  for (const { field, size } of namedSizes(spec)) {
    const at = { ...size, ...spec.baseline };
    const dims = [...launch.grid.map((e, k) => [`launch.grid[${k}]`, e, 1] as const), ...launch.block.map((e, k) => [`launch.block[${k}]`, e, 1] as const), ["launch.dynamicSharedBytes", launch.dynamicSharedBytes, 0] as const];
    for (const [name, expr, least] of dims) {
      const value = evaluate(expr, at, name);
      if (!Number.isInteger(value) || value < least || value > 2 ** 31 - 1) {
        fail("SPEC_INVALID", `${name}: expected a whole number from ${least} to ${2 ** 31 - 1} for the baseline at ${field} ${describeValue(size)}, received ${value} from ${describeValue(expr)}`);
      }
    }
  }
}

/** Every check above; a spec made from a tuning-space file has no kernel to run and skips them. */
export function checkSpecAtEverySize(spec: KernelSpecFile): void {
  for (const { field, size } of namedSizes(spec)) checkArguments(spec, field, size);
  checkBaseline(spec);
}
