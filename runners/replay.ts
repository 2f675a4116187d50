// A runner that answers from recorded tuning data instead of a device (Kernel Tuner's simulation mode), so
// strategies and whole campaigns can be exercised on real, brute-forced GPU spaces without the GPU.
//
// Rules:
// - A variant's parameters become the data's key. The first visit of a key costs one evaluation and moves a
//   simulated clock on by the recorded compile + verification + benchmark time (what the run cost when it
//   was recorded); a revisit (a confirmation run) moves it on by the verification + benchmark time, as
//   re-running a built kernel costs on the device. (Kernel Tuner's simulation charges nothing for a revisit:
//   it never re-measures, where the critic confirms every new best.)
// - A configuration the spec allows but the data lacks is bad data, never a kernel verdict: REPLAY_MISS.
// - Recorded failures become kernel faults:
//     CompilationFailedConfig, CompilationFailed (KTT), compile (T4)  -> compile_error
//     InvalidConfig, DeviceLimitsExceeded (KTT), constraints (T4)     -> compile_error (the configuration cannot
//                                                                        be built or launched; nothing ran)
//     RuntimeFailedConfig, ComputationFailed (KTT), NoDuration,
//     runtime (T4)                                                    -> runtime_error (phase variant)
//     ValidationFailed (KTT), correctness (T4)                        -> runtime_error (phase reference): the
//                                                                        recorded output was wrong, but the mismatch
//                                                                        details a wrong_result carries were never recorded
//   Any other failure name is unknown data and fails loudly (SPACE_INVALID).
// - Ok results carry the recorded samples (or the mean alone when none were recorded) and a verification
//   marked `replayed`: nightshift checked nothing, so its other fields are neutral (no cases, no symbols),
//   and reports and dispatch files treat the result as unverified.
// - Noisy mode: each visit is a fresh bootstrap resample of the recorded samples (seeded by the runner seed,
//   the variant hash and the visit), so a re-measurement differs the way a real one would and a "win" smaller
//   than the recorded noise does not survive confirmation. A single drawn sample would do the same for the
//   median but would carry a zero-width confidence interval, which tells the critic there is no noise at all.

import { dirname, isAbsolute, resolve } from "node:path";
import { describeValue, fail } from "../core/errors.ts";
import { makeRng } from "../core/rng.ts";
import { timingStats } from "../core/stats.ts";
import type { HardwareProfile, ReplayReach } from "../hardware-profiles/schema.ts";
import type { BuildInfo, EvalResult, ResultCommon, Variant } from "../harness/types.ts";
import { sha256 } from "../harness/variant.ts";
import { loadReplayData } from "../spaces/load.ts";
import type { ReplayData, ReplayEntry } from "../spaces/types.ts";
import type { Params } from "../specs/schema.ts";
import type { Runner, RunOptions } from "./types.ts";

type FailureKind = { status: "compile_error" } | { status: "runtime_error"; phase: "variant" | "reference" };

const FAILURES: Record<string, FailureKind> = {
  CompilationFailedConfig: { status: "compile_error" },
  CompilationFailed: { status: "compile_error" },
  InvalidConfig: { status: "compile_error" },
  DeviceLimitsExceeded: { status: "compile_error" },
  RuntimeFailedConfig: { status: "runtime_error", phase: "variant" },
  ComputationFailed: { status: "runtime_error", phase: "variant" },
  NoDuration: { status: "runtime_error", phase: "variant" },
  ValidationFailed: { status: "runtime_error", phase: "reference" },
  compile: { status: "compile_error" },
  constraints: { status: "compile_error" },
  runtime: { status: "runtime_error", phase: "variant" },
  correctness: { status: "runtime_error", phase: "reference" },
};

export interface ReplayRunnerOptions {
  /** Already loaded data (several runners over one file share it); default: read the profile's file. */
  data?: ReplayData;
  /** Seeds noisy draws; a campaign passes its own seed so a rerun draws the same samples. */
  seed?: number;
}

export class ReplayRunner implements Runner {
  readonly device: HardwareProfile;
  readonly data: ReplayData;
  private readonly reach: ReplayReach;
  private readonly seed: number;
  private readonly visits = new Map<string, number>();
  private clockMs = 0;

  constructor(device: HardwareProfile, options: ReplayRunnerOptions = {}) {
    if (device.reach.via !== "replay") {
      fail("INTERNAL", `ReplayRunner: expected a profile reached via "replay", received ${describeValue(device.reach.via)} (${device.name})`);
    }
    this.device = device;
    this.reach = device.reach;
    this.seed = options.seed ?? 0;
    this.data = options.data ?? loadReplayData(this.dataPath(this.reach.file), this.reach.t1File ? this.dataPath(this.reach.t1File) : undefined);
    if (this.reach.noisy && ![...this.data.entries.values()].some((e) => e.samples && e.samples.length > 0)) {
      fail("PROFILE_INVALID", `${device.name}: reach.noisy expected a data file with recorded samples ("times"), received ${this.data.file}, which has none`);
    }
  }

  /** Seconds the recorded runs took, counting each configuration once, as a time budget would see them. */
  get simulatedSeconds(): number {
    return this.clockMs / 1000;
  }

  /** Distinct configurations visited so far (the evaluations a tuner pays for). */
  get evaluations(): number {
    return this.visits.size;
  }

  async run(batch: readonly Variant[], options: RunOptions = {}): Promise<EvalResult[]> {
    const results: EvalResult[] = [];
    for (const variant of batch) {
      const result = options.signal?.aborted ? this.aborted(variant) : this.replay(variant);
      results.push(result);
      await options.onResult?.(result);
    }
    return results;
  }

  async close(): Promise<void> {}

  recordedCostMs(configurations: readonly Params[]): number {
    let total = 0;
    const seen = new Set<string>();
    for (const params of configurations) {
      const key = this.data.space.key(params);
      const entry = this.data.entries.get(key);
      if (entry) total += seen.has(key) ? rerunCostMs(entry) : recordedCostMs(entry);
      seen.add(key);
    }
    return total;
  }

  private dataPath(file: string): string {
    return isAbsolute(file) || !this.device.file ? resolve(file) : resolve(dirname(this.device.file), file);
  }

  private replay(variant: Variant): EvalResult {
    if (variant.origin !== "template") {
      fail(
        "USAGE",
        `${this.device.name}: a replay device answers for parameter settings of the template only, received a variant with ${variant.origin === "model" ? "model-rewritten" : "user-supplied"} source (${variant.hash}); run rewrites on a real device`,
      );
    }
    const key = this.keyOf(variant);
    const entry = this.data.entries.get(key);
    if (entry === undefined) {
      const why = this.data.space.isValid(variant.params)
        ? "valid under the data's restrictions"
        : `allowed by spec ${variant.spec.name} but outside the data's space${this.data.restrictions.length > 0 ? " (its restrictions forbid it: the spec should carry the same restrictions)" : ""}`;
      fail("REPLAY_MISS", `${this.data.file}: expected a measurement for configuration ${key} (${why}), received none`);
    }
    const visit = (this.visits.get(key) ?? 0) + 1;
    this.visits.set(key, visit);
    this.clockMs += visit === 1 ? recordedCostMs(entry) : rerunCostMs(entry);
    const at = new Date().toISOString();
    const common: ResultCommon = { variantHash: variant.hash, device: this.device.name, startedAt: at, finishedAt: at, seed: this.seed };
    const build = this.buildInfo(variant, entry);
    if (build) common.build = build;
    if (entry.value === null) return this.failure(common, entry, key);
    const samplesMs = this.samplesFor(variant, entry, visit);
    return {
      ...common,
      status: "ok",
      samplesMs,
      stats: timingStats(samplesMs),
      verification: { cases: [], inputsUnchanged: true, deterministic: true, definedSymbols: [], calledSymbols: [], replayed: true },
    };
  }

  private keyOf(variant: Variant): string {
    const wanted = this.data.parameters.map((p) => p.name);
    // A parameter the spec fixes at one value (a T1 constant such as GEMMK) may be absent from the data.
    const fixed = (name: string): boolean => (variant.spec.parameters[name]?.length ?? 0) === 1;
    const extra = Object.keys(variant.params).filter((name) => !wanted.includes(name) && !fixed(name));
    const missing = wanted.filter((name) => !(name in variant.params));
    if (extra.length > 0 || missing.length > 0) {
      fail(
        "PARAMS_INVALID",
        `${this.device.name}: expected a spec with exactly the replay data's parameters {${wanted.join(", ")}}, received spec ${variant.spec.name} with {${Object.keys(variant.params).join(", ")}}`,
      );
    }
    return this.data.space.key(variant.params);
  }

  private samplesFor(variant: Variant, entry: ReplayEntry, visit: number): number[] {
    const recorded = entry.samples && entry.samples.length > 0 ? entry.samples : [entry.value!];
    if (!this.reach.noisy) return [...recorded];
    const rng = makeRng(this.seed, ...hashWords(variant.hash), visit);
    return recorded.map(() => recorded[rng.int(recorded.length)]!);
  }

  private failure(common: ResultCommon, entry: ReplayEntry, key: string): EvalResult {
    const name = entry.failure ?? "unknown";
    const kind = FAILURES[name];
    if (kind === undefined) {
      fail("SPACE_INVALID", `${this.data.file}: configuration ${key}: expected a known failure (${Object.keys(FAILURES).join(", ")}), received ${describeValue(name)}`);
    }
    const message = `replayed ${name} recorded in ${this.data.file}`;
    if (kind.status === "compile_error") return { ...common, status: "compile_error", log: message };
    return { ...common, status: "runtime_error", exitCode: null, signal: null, stderrTail: message, phase: kind.phase };
  }

  private buildInfo(variant: Variant, entry: ReplayEntry): BuildInfo | undefined {
    if (entry.compileMs === undefined && entry.registers === undefined && entry.localMemoryBytes === undefined) return undefined;
    return {
      compiledSourceHash: sha256(variant.source),
      command: ["replay", this.data.file],
      buildMs: entry.compileMs ?? 0,
      // OpenCL's local memory (KTT's LocalMemorySize) is what CUDA calls shared memory.
      stats: { ...(entry.registers !== undefined ? { registersPerThread: entry.registers } : {}), ...(entry.localMemoryBytes !== undefined ? { sharedMemoryBytes: entry.localMemoryBytes } : {}) },
    };
  }

  private aborted(variant: Variant): EvalResult {
    const at = new Date().toISOString();
    return { variantHash: variant.hash, device: this.device.name, startedAt: at, finishedAt: at, seed: this.seed, status: "infra_error", cause: "aborted before replay", retryable: true };
  }
}

/**
 * What one recorded evaluation cost: compile + verification + benchmark time (the framework's own overhead
 * is excluded, as in Kernel Tuner's simulation). KTT records no such split; its kernel duration stands in.
 */
export function recordedCostMs(entry: ReplayEntry): number {
  const split = (entry.compileMs ?? 0) + (entry.verificationMs ?? 0) + (entry.benchmarkMs ?? 0);
  if (entry.compileMs !== undefined || entry.benchmarkMs !== undefined) return split;
  return entry.value ?? 0;
}

/** What running an already built configuration again costs: its verification and benchmark time. */
export function rerunCostMs(entry: ReplayEntry): number {
  if (entry.compileMs !== undefined || entry.benchmarkMs !== undefined) return (entry.verificationMs ?? 0) + (entry.benchmarkMs ?? 0);
  return entry.value ?? 0;
}

/** The first 16 hex digits of a hash as two 32-bit words, to seed per-variant draws. */
function hashWords(hash: string): [number, number] {
  return [Number.parseInt(hash.slice(0, 8), 16) || 0, Number.parseInt(hash.slice(8, 16), 16) || 0];
}
