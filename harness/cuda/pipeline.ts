// The build step of the shared pipeline (runners/pipeline.ts) for CUDA variants: nvcc for the variant with
// the profile's -arch and -Xptxas -v (its report becomes the build's CompileStats and theoretical occupancy),
// the CUDA symbol policy on the host object, then the two generated harness halves and the link. The
// measuring step is the shared one; only the interpretation of the variant run differs (interpret.ts).

import type { HardwareProfile } from "../../hardware-profiles/schema.ts";
import type { BuildOutcome, BuiltVariant } from "../../runners/pipeline.ts";
import type { BuildInfo, CompileStats, EvalResult, ExecRequest, ExecResult, Executor, ResultCommon, Variant } from "../../runners/types.ts";
import { tail } from "../interpret.ts";
import { theoreticalOccupancy, toOccupancy } from "../occupancy.ts";
import { compileStatsFromEntry, findEntry, parsePtxas } from "../ptxas.ts";
import { parseNm } from "../symbols.ts";
import { classifyBuildFailure, failed as unfinished, InfraFault as Infra, trustedStepFault } from "../step-failure.ts";
import { sha256 } from "../variant.ts";
import { CUDA_FILES } from "./build.ts";
import { generateCudaHarness } from "./harness.ts";
import { threadsPerBlock } from "./launch.ts";
import { makeCudaPlan, type CudaHarnessPlan } from "./plan.ts";
import { checkCudaSymbols } from "./symbols.ts";

type Exited = Extract<ExecResult, { kind: "exited" }>;
type WithoutCommon<T> = T extends unknown ? Omit<T, keyof ResultCommon> : never;

async function exec(executor: Executor, request: ExecRequest): Promise<Exited> {
  let result: ExecResult;
  try {
    result = await executor.exec(request);
  } catch (error) {
    throw new Infra(`${executor.name}: ${(error as Error).message}`, true);
  }
  if (result.kind === "infra") throw new Infra(result.cause, result.retryable);
  return result;
}

/** Compile stats and theoretical occupancy at the tuning size from the variant's ptxas report. */
export function statsFromPtxas(plan: CudaHarnessPlan, log: string): Pick<BuildInfo, "stats" | "occupancy"> {
  const entry = findEntry(parsePtxas(log), plan.kernel, plan.gpu.arch);
  if (!entry) return { stats: {} };
  const stats: CompileStats = compileStatsFromEntry(entry);
  if (entry.registers === undefined) return { stats };
  const tune = plan.launches[plan.cases.findIndex((c) => c.role === "timing_a")]!;
  const detail = theoreticalOccupancy(plan.gpu, {
    registersPerThread: entry.registers,
    staticSharedBytes: entry.sharedMemoryBytes ?? 0,
    dynamicSharedBytes: tune.dynamicSharedBytes,
    threadsPerBlock: threadsPerBlock(tune),
    barriers: entry.barriers ?? 0,
  });
  return { stats, occupancy: toOccupancy(detail) };
}

export async function buildCudaVariant(executor: Executor, variant: Variant, device: HardwareProfile): Promise<BuildOutcome> {
  const startedAt = new Date().toISOString();
  const plan = makeCudaPlan(variant.spec, variant.params, device);
  const t0 = performance.now();
  let measured: Pick<BuildInfo, "stats" | "occupancy"> = { stats: {} };
  const info = (): BuildInfo => ({ compiledSourceHash: sha256(variant.source), command: plan.cuda.compileVariant, buildMs: performance.now() - t0, ...measured });
  const common = (): ResultCommon => ({ variantHash: variant.hash, device: device.name, startedAt, finishedAt: new Date().toISOString(), seed: 0, build: info() });
  const failed = (result: WithoutCommon<EvalResult>): BuildOutcome => ({ kind: "failed", result: { ...common(), ...result } as EvalResult });
  let dir: string | null = null;
  try {
    try {
      dir = await executor.stage(`variant-${variant.hash}`, { [CUDA_FILES.variantSource]: variant.source, ...generateCudaHarness(plan) });
    } catch (error) {
      throw new Infra(`${executor.name}: cannot stage the variant: ${(error as Error).message}`, true);
    }
    const step = (argv: string[]) => exec(executor, { argv, cwd: dir!, timeoutMs: plan.limits.buildMs });

    const compiled = await step(plan.cuda.compileVariant);
    if (compiled.timedOut) return failed({ status: "timeout", limitMs: plan.limits.buildMs, phase: "build" });
    if (unfinished(compiled)) {
      const why = classifyBuildFailure("nvcc", compiled);
      if (why.kind === "infra") throw why.fault;
      return failed({ status: "compile_error", log: why.log });
    }
    measured = statsFromPtxas(plan, compiled.stdout + compiled.stderr);

    const nm = await step(plan.cuda.listSymbols);
    if (nm.exitCode !== 0) throw new Infra(`nm failed on ${CUDA_FILES.variantObject}: ${tail(nm.stderr, 500)}`, false);
    const symbols = checkCudaSymbols(parseNm(nm.stdout), plan.kernel, variant.spec.allowedSymbols);
    if (!symbols.ok) {
      if (symbols.kind === "kernel_missing") return failed({ status: "compile_error", log: symbols.detail });
      return failed({ status: "rejected", reason: "forbidden_symbol", detail: symbols.detail });
    }

    for (const [argv, what] of [
      [plan.commands.compileHarness, "the generated host harness"],
      [plan.cuda.compileLayer, "the generated CUDA layer"],
    ] as const) {
      const r = await step(argv);
      if (unfinished(r)) throw trustedStepFault(`compiling ${what} (a nightshift bug or a broken toolkit)`, r, plan.limits.buildMs);
    }
    const linked = await step(plan.cuda.link);
    if (linked.timedOut) return failed({ status: "timeout", limitMs: plan.limits.buildMs, phase: "build" });
    if (unfinished(linked)) {
      const why = classifyBuildFailure("the nvcc link", linked);
      if (why.kind === "infra") throw why.fault;
      return failed({ status: "compile_error", log: why.log });
    }

    const object = await executor.readFile(`${dir}/${CUDA_FILES.variantObject}`).catch(() => null);
    if (object) measured = { ...measured, stats: { ...measured.stats, objectBytes: object.length } };
    const built: BuiltVariant = { variant, dir, plan, build: info(), definedSymbols: symbols.defined, calledSymbols: symbols.called, startedAt };
    dir = null; // handed to the caller, who discards it after measuring
    return { kind: "built", built };
  } catch (fault) {
    if (fault instanceof Infra) return { kind: "failed", result: { ...common(), status: "infra_error", cause: fault.cause, retryable: fault.retryable } };
    throw fault;
  } finally {
    if (dir) await executor.remove(dir).catch(() => undefined);
  }
}
