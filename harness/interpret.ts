// Pure interpretation: the evidence of one measurement (exit statuses, the harness report, the samples
// file, verdict.json) becomes exactly one EvalResult. No I/O here, so every executor (local, SSH,
// Slurm) that gathers the same evidence reaches the same verdict.

import { timingStats } from "../core/stats.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { KernelSpec, Params, ProblemSize } from "../specs/schema.ts";
import { devicePeaks, problemWork, roofline } from "./physics.ts";
import type { HarnessPlan } from "./plan.ts";
import type { EvalResult, ExecResult, ResultCommon, Verification, VerificationCase } from "./types.ts";

type Exited = Extract<ExecResult, { kind: "exited" }>;

export interface HarnessReport {
  complete: boolean;
  stop?: { reason: "threads_leaked" | "memory_error"; where: string; case: number; call: number; threadsBefore: number; threadsAfter: number };
  repetitions?: number;
  timingPhaseMs?: number;
  modifiedOnSecondCall?: { case: number; buffer: string } | null;
}

export interface VerdictFailure {
  case: number;
  /** The timed repetition (0-based), or -1 for a verification call. */
  repetition: number;
  /** A decimal string: a timed repetition's seed has 64 bits. */
  seed: string;
  distribution: string;
  buffer: string;
  call: "first" | "second" | "timed";
  missing: boolean;
  firstBadIndex: number;
  expected: number | null;
  received: number | null;
  maxAbsError: number | null;
  maxRelError: number | null;
}

export interface Verdict {
  cases: Array<{ case: number; seed: number; distribution: string; ok: boolean; maxAbsError: number | null; maxRelError: number | null; toleranceUsed?: number | null }>;
  failures: { wrong: VerdictFailure | null; inputsModified: VerdictFailure | null; nondeterministic: VerdictFailure | null };
}

export interface MeasureContext {
  common: ResultCommon;
  spec: KernelSpec;
  params: Params;
  device: HardwareProfile;
  plan: HarnessPlan;
  definedSymbols: string[];
  calledSymbols: string[];
}

const STDERR_TAIL_CHARS = 4000;

export function tail(text: string, chars = STDERR_TAIL_CHARS): string {
  return text.length > chars ? text.slice(text.length - chars) : text;
}

/** JSON from a file the variant could in principle have touched: parse failures are evidence, not crashes. */
export function parseJsonFile<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

export function decodeSamples(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 8 <= bytes.length; i += 8) out.push(bytes.readDoubleLE(i));
  return out;
}

const num = (v: number | null | undefined): number => (v === null || v === undefined ? Number.POSITIVE_INFINITY : v);

function sizeOfCase(plan: HarnessPlan, index: number): ProblemSize {
  return plan.cases[index]?.size ?? {};
}

/** Exit status, signal, timeout and the harness report of the variant run; null when it finished cleanly. */
export function interpretVariantRun(ctx: MeasureContext, run: Exited, report: HarnessReport | null, lastStep: string): EvalResult | null {
  const { common, plan } = ctx;
  if (run.timedOut) return { ...common, status: "timeout", limitMs: plan.limits.variantMs, phase: "variant" };
  const where = lastStep ? `\n[nightshift] last harness step: ${lastStep}` : "";
  if (run.signal !== null || run.exitCode !== 0) {
    return { ...common, status: "runtime_error", exitCode: run.exitCode, signal: run.signal, stderrTail: tail(run.stderr) + where, phase: "variant" };
  }
  if (report?.stop) {
    const s = report.stop;
    const at = `${s.where} call ${s.call} of case ${s.case} (size ${JSON.stringify(sizeOfCase(plan, s.case))})`;
    if (s.reason === "threads_leaked") {
      return { ...common, status: "rejected", reason: "threads_leaked", detail: `threads went from ${s.threadsBefore} to ${s.threadsAfter} across ${at}: work continued after the kernel returned` };
    }
    return { ...common, status: "rejected", reason: "memory_error", detail: `the kernel wrote past the end of a buffer during ${at}` };
  }
  if (!report?.complete) {
    return { ...common, status: "runtime_error", exitCode: run.exitCode, signal: null, stderrTail: `${tail(run.stderr)}\n[nightshift] the harness exited without finishing its report${where}`, phase: "variant" };
  }
  return null;
}

function wrongResult(ctx: MeasureContext, f: VerdictFailure): EvalResult {
  const call = f.call === "first" ? "" : f.call === "second" ? " (second call on fresh copies)" : ` (timed repetition ${f.repetition + 1})`;
  return {
    ...ctx.common,
    status: "wrong_result",
    output: `${f.buffer}${call}${f.missing ? " (output file missing)" : ""}`,
    size: sizeOfCase(ctx.plan, f.case),
    // A verification case's seed fits a number exactly; a timed repetition's stays a string.
    inputSeed: f.call === "timed" ? f.seed : Number(f.seed),
    ...(f.call === "timed" ? { repetition: f.repetition + 1 } : {}),
    distribution: f.distribution,
    maxAbsError: num(f.maxAbsError),
    maxRelError: num(f.maxRelError),
    firstBadIndex: f.firstBadIndex,
    expected: f.expected ?? Number.NaN,
    received: f.received ?? Number.NaN,
  };
}

/** Ranks the compare program's findings: a wrong first answer beats everything, timing evidence comes last. */
export function interpretVerdict(ctx: MeasureContext, verdict: Verdict, report: HarnessReport, samplesMs: number[], processWallMs: number): EvalResult {
  const { common, plan } = ctx;
  const { wrong, inputsModified, nondeterministic } = verdict.failures;
  if (wrong && wrong.call === "first") return wrongResult(ctx, wrong);
  if (inputsModified) {
    return { ...common, status: "rejected", reason: "inputs_modified", detail: `input ${inputsModified.buffer} changed at index ${inputsModified.firstBadIndex} in case ${inputsModified.case} (size ${JSON.stringify(sizeOfCase(plan, inputsModified.case))}): expected ${inputsModified.expected}, found ${inputsModified.received}` };
  }
  if (report.modifiedOnSecondCall) {
    const m = report.modifiedOnSecondCall;
    return { ...common, status: "rejected", reason: "inputs_modified", detail: `input ${m.buffer} changed during the second call of case ${m.case}` };
  }
  if (wrong) return wrongResult(ctx, wrong);
  if (nondeterministic) {
    return { ...common, status: "rejected", reason: "nondeterministic", detail: `output ${nondeterministic.buffer} differs between two calls on the same inputs at index ${nondeterministic.firstBadIndex} of case ${nondeterministic.case}: ${nondeterministic.expected} then ${nondeterministic.received}` };
  }

  if (samplesMs.length !== plan.repetitions || samplesMs.some((s) => !Number.isFinite(s) || s < 0)) {
    return { ...common, status: "rejected", reason: "timing_inconsistent", detail: `expected ${plan.repetitions} finite non-negative samples, received ${JSON.stringify(samplesMs.slice(0, 20))}` };
  }
  const sum = samplesMs.reduce((s, v) => s + v, 0);
  const phaseMs = report.timingPhaseMs ?? Number.POSITIVE_INFINITY;
  if (sum > processWallMs || sum > phaseMs) {
    return { ...common, status: "rejected", reason: "timing_inconsistent", detail: `the samples add up to ${sum.toFixed(3)} ms, more than the timing phase (${phaseMs.toFixed(3)} ms) or the whole process (${processWallMs.toFixed(3)} ms) took` };
  }

  const stats = timingStats(samplesMs);
  const peaks = devicePeaks(ctx.device, ctx.spec);
  const line = roofline(problemWork(ctx.spec, ctx.params), peaks, stats.medianMs);
  if (stats.medianMs < line.floorMs) {
    return { ...common, status: "rejected", reason: "impossible_time", detail: `median ${stats.medianMs.toPrecision(4)} ms is below the physics floor ${line.floorMs.toPrecision(4)} ms of ${ctx.device.name}` };
  }
  const cases: VerificationCase[] = verdict.cases.map((c) => ({
    size: sizeOfCase(plan, c.case),
    seed: c.seed,
    distribution: c.distribution,
    ok: c.ok,
    maxAbsError: num(c.maxAbsError),
    maxRelError: num(c.maxRelError),
    toleranceUsed: num(c.toleranceUsed),
  }));
  const verification: Verification = {
    cases,
    inputsUnchanged: true,
    deterministic: true,
    definedSymbols: ctx.definedSymbols,
    calledSymbols: ctx.calledSymbols,
  };
  return { ...common, status: "ok", samplesMs, stats, verification, roofline: line };
}
