// The per-variant pipeline, written once against the Executor interface and split in two steps:
// buildVariant (compile, symbol policy, link: may overlap with other work) and measureVariant (the
// variant run, then the reference in a freshly staged directory, then interpretation: strictly one at a
// time on a device). Every failure becomes an EvalResult; an executor rejection, a failure of the trusted side
// (harness build, reference, compare program) and an exception after the variant ran become infra_error.

import { randomInt } from "node:crypto";
import { log } from "../core/log.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { generateCompare } from "../harness/c/compare.ts";
import { generateHarness } from "../harness/c/harness.ts";
import {
  decodeSamples,
  interpretVariantRun,
  interpretVerdict,
  parseJsonFile,
  tail,
  type HarnessReport,
  type MeasureContext,
  type Verdict,
} from "../harness/interpret.ts";
import { FILES, makeHarnessPlan, type HarnessPlan } from "../harness/plan.ts";
import { checkSymbols, parseNm } from "../harness/symbols.ts";
import { sha256 } from "../harness/variant.ts";
import { checkSpecOnDevice } from "../harness/device-fit.ts";
import { classifyBuildFailure, InfraFault, trustedStepFault, failed as unfinished } from "../harness/step-failure.ts";
import { buildCudaVariant } from "../harness/cuda/pipeline.ts";
import { interpretCudaVariantRun } from "../harness/cuda/interpret.ts";
import type { BuildInfo, EvalResult, ExecRequest, ExecResult, Executor, ResultCommon, Variant } from "./types.ts";

export interface BuiltVariant {
  variant: Variant;
  /** The variant's work directory on the executor (holds variant_bin; never any reference material). */
  dir: string;
  plan: HarnessPlan;
  build: BuildInfo;
  definedSymbols: string[];
  calledSymbols: string[];
  startedAt: string;
}

export type BuildOutcome = { kind: "built"; built: BuiltVariant } | { kind: "failed"; result: EvalResult };

export interface MeasureOptions {
  /** The run-time seed; drawn at random (31 bits) when absent. Tests fix it to reproduce a case. */
  seed?: number;
}

type Exited = Extract<ExecResult, { kind: "exited" }>;
/** One EvalResult variant without the fields every result shares (distributes over the union). */
type WithoutCommon<T> = T extends unknown ? Omit<T, keyof ResultCommon> : never;

async function run(executor: Executor, request: ExecRequest): Promise<Exited> {
  let result: ExecResult;
  try {
    result = await executor.exec(request);
  } catch (error) {
    throw new InfraFault(`${executor.name}: ${(error as Error).message}`, true);
  }
  if (result.kind === "infra") throw new InfraFault(result.cause, result.retryable);
  return result;
}

/** A file the variant never wrote is evidence (null); a read that failed for any other reason is the device's fault. */
async function readOptional(executor: Executor, path: string): Promise<Buffer | null> {
  try {
    return await executor.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === "ENOENT") return null;
    throw new InfraFault(`${executor.name}: cannot read ${path}: ${(error as Error)?.message ?? String(error)}`, true);
  }
}

function commonFields(variant: Variant, device: HardwareProfile, startedAt: string, seed: number, build?: BuildInfo): ResultCommon {
  return { variantHash: variant.hash, device: device.name, startedAt, finishedAt: new Date().toISOString(), seed, ...(build ? { build } : {}) };
}

function infraResult(common: ResultCommon, fault: unknown): EvalResult {
  if (fault instanceof InfraFault) return { ...common, status: "infra_error", cause: fault.cause, retryable: fault.retryable };
  throw fault;
}

/**
 * Once the variant has run, an exception (a bug, or configuration no earlier check caught) must not throw
 * its evidence away with the batch: it becomes a recorded, non-retryable infra_error and the campaign goes on.
 */
function internalErrorResult(common: ResultCommon, error: unknown): EvalResult {
  const message = error instanceof Error ? error.message : String(error);
  log.error({ variantHash: common.variantHash, device: common.device, err: error }, "internal error while measuring a variant");
  return { ...common, status: "infra_error", cause: `internal error: ${message}`, retryable: false };
}

/** Compiles the variant, applies the symbol policy and links it with the generated harness. */
export async function buildVariant(executor: Executor, variant: Variant, device: HardwareProfile): Promise<BuildOutcome> {
  checkSpecOnDevice(variant.spec, device);
  // CUDA: nvcc + ptxas stats + CUDA symbol policy + the two-part CUDA harness (harness/cuda/pipeline.ts).
  if (variant.spec.language === "cuda") return buildCudaVariant(executor, variant, device);
  const startedAt = new Date().toISOString();
  const plan = makeHarnessPlan(variant.spec, variant.params, device);
  const t0 = performance.now();
  const info = (): BuildInfo => ({
    compiledSourceHash: sha256(variant.source),
    command: plan.commands.compileVariant,
    buildMs: performance.now() - t0,
    stats: {},
  });
  const failed = (result: WithoutCommon<EvalResult>): BuildOutcome => ({
    kind: "failed",
    result: { ...commonFields(variant, device, startedAt, 0, info()), ...result } as EvalResult,
  });
  let dir: string | null = null;
  try {
    try {
      dir = await executor.stage(`variant-${variant.hash}`, { [FILES.variantSource]: variant.source, [FILES.harnessSource]: generateHarness(plan) });
    } catch (error) {
      throw new InfraFault(`${executor.name}: cannot stage the variant: ${(error as Error).message}`, true);
    }
    const step = (argv: string[]) => run(executor, { argv, cwd: dir!, timeoutMs: plan.limits.buildMs });

    const compiled = await step(plan.commands.compileVariant);
    if (compiled.timedOut) return failed({ status: "timeout", limitMs: plan.limits.buildMs, phase: "build" });
    if (unfinished(compiled)) {
      const why = classifyBuildFailure("the compiler", compiled);
      if (why.kind === "infra") throw why.fault;
      return failed({ status: "compile_error", log: why.log });
    }

    const nm = await step(plan.commands.listSymbols);
    if (nm.exitCode !== 0) throw new InfraFault(`nm failed on variant.o: ${tail(nm.stderr, 500)}`, false);
    const symbols = checkSymbols(parseNm(nm.stdout), { kernel: plan.kernel, allowed: variant.spec.allowedSymbols, openmp: plan.allowsPersistentThreadPool });
    if (!symbols.ok) {
      if (symbols.kind === "kernel_missing") return failed({ status: "compile_error", log: symbols.detail });
      return failed({ status: "rejected", reason: "forbidden_symbol", detail: symbols.detail });
    }

    const harness = await step(plan.commands.compileHarness);
    if (unfinished(harness)) throw trustedStepFault("compiling the generated harness", harness, plan.limits.buildMs);
    const linked = await step(plan.commands.link);
    if (linked.timedOut) return failed({ status: "timeout", limitMs: plan.limits.buildMs, phase: "build" });
    if (unfinished(linked)) {
      const why = classifyBuildFailure("the linker", linked);
      if (why.kind === "infra") throw why.fault;
      return failed({ status: "compile_error", log: why.log });
    }

    const object = await readOptional(executor, `${dir}/${FILES.variantObject}`);
    const build: BuildInfo = { ...info(), stats: object ? { objectBytes: object.length } : {} };
    const built: BuiltVariant = { variant, dir, plan, build, definedSymbols: symbols.defined, calledSymbols: symbols.called, startedAt };
    dir = null; // handed over to the caller, who discards it after measuring
    return { kind: "built", built };
  } catch (fault) {
    return { kind: "failed", result: infraResult(commonFields(variant, device, startedAt, 0, info()), fault) };
  } finally {
    if (dir) await executor.remove(dir).catch(() => undefined);
  }
}

/** Runs the variant, then the reference from a directory staged only now, and interprets both. */
export async function measureVariant(executor: Executor, built: BuiltVariant, device: HardwareProfile, options: MeasureOptions = {}): Promise<EvalResult> {
  const { variant, dir, plan } = built;
  const seed = options.seed ?? randomInt(1, 2 ** 31);
  const common = () => commonFields(variant, device, built.startedAt, seed, built.build);
  const ctx = (): MeasureContext => ({
    common: common(),
    spec: variant.spec,
    params: variant.params,
    device,
    plan,
    definedSymbols: built.definedSymbols,
    calledSymbols: built.calledSymbols,
  });
  let refDir: string | null = null;
  try {
    const variantRun = await run(executor, {
      argv: [`${dir}/${FILES.variantBinary}`, String(seed)],
      cwd: dir,
      timeoutMs: plan.limits.variantMs,
      memoryLimitMb: plan.limits.memoryMb,
    });
    const reportText = await readOptional(executor, `${dir}/${FILES.harnessReport}`);
    const report = parseJsonFile<HarnessReport>(reportText ? reportText.toString("utf8") : null);
    const progress = (await readOptional(executor, `${dir}/${FILES.progress}`))?.toString("utf8").trim().split("\n").pop() ?? "";
    // CUDA adds "no CUDA device" (infra_error), kernel faults and two stop reasons (harness/cuda/interpret.ts).
    const early = variant.spec.language === "cuda" ? interpretCudaVariantRun(ctx(), variantRun, report, progress) : interpretVariantRun(ctx(), variantRun, report, progress);
    if (early) return early;
    const samples = decodeSamples((await readOptional(executor, `${dir}/${FILES.samples}`)) ?? Buffer.alloc(0));

    // Staged only now: while the variant ran there was nothing of the reference on disk to read.
    try {
      refDir = await executor.stage(`reference-${variant.hash}`, {
        [FILES.referenceSource]: variant.spec.referenceSource,
        [FILES.compareSource]: generateCompare(plan),
      });
    } catch (error) {
      throw new InfraFault(`${executor.name}: cannot stage the reference: ${(error as Error).message}`, true);
    }
    const refBuild = await run(executor, { argv: plan.commands.buildReference, cwd: refDir, timeoutMs: plan.limits.buildMs });
    if (unfinished(refBuild)) throw trustedStepFault("building the spec's reference with the compare program", refBuild, plan.limits.buildMs);
    // The reference and the compare program are trusted: their failure says nothing about the variant.
    const refRun = await run(executor, { argv: [`${refDir}/${FILES.compareBinary}`, String(seed), dir], cwd: refDir, timeoutMs: plan.limits.referenceMs });
    if (unfinished(refRun)) throw trustedStepFault("the compare program (the spec's reference)", refRun, plan.limits.referenceMs);
    const verdictText = await readOptional(executor, `${refDir}/${FILES.verdict}`);
    const verdict = parseJsonFile<Verdict>(verdictText ? verdictText.toString("utf8") : null);
    if (!verdict) throw new InfraFault("the compare program finished without a readable verdict.json", false);
    return interpretVerdict(ctx(), verdict, report!, samples, variantRun.wallMs);
  } catch (fault) {
    return fault instanceof InfraFault ? infraResult(common(), fault) : internalErrorResult(common(), fault);
  } finally {
    if (refDir) await executor.remove(refDir).catch(() => undefined);
  }
}

/** Removes a built variant's work directory. */
export async function discardBuild(executor: Executor, built: BuiltVariant): Promise<void> {
  await executor.remove(built.dir).catch(() => undefined);
}

/** Build, measure and clean up one variant: the whole protocol for callers that need no overlap. */
export async function evaluateVariant(executor: Executor, variant: Variant, device: HardwareProfile, options: MeasureOptions = {}): Promise<EvalResult> {
  const outcome = await buildVariant(executor, variant, device);
  if (outcome.kind === "failed") return outcome.result;
  try {
    return await measureVariant(executor, outcome.built, device, options);
  } finally {
    await discardBuild(executor, outcome.built);
  }
}
