// A test double of the Runner contract for the critic's logic: real-shaped EvalResults whose samples (or
// failures) the test chooses per variant and visit, so verdicts never depend on the machine's load. The
// real harness behind the Runner contract is covered by its own tests and by the real-gcc campaigns.

import { timingStats } from "../../core/stats.ts";
import type { HardwareProfile } from "../../hardware-profiles/schema.ts";
import type { EvalResult, Variant } from "../../harness/types.ts";
import type { Runner, RunOptions } from "../../runners/types.ts";

/** What one run of a variant yields: its samples in ms, or a failure of the given kind. */
export type Scripted = number[] | { status: "wrong_result" | "timeout" | "compile_error" } | { status: "infra_error"; retryable?: boolean };

/** `script(variant, visit)`: visit counts this variant's runs on this runner from 1. */
export type Script = (variant: Variant, visit: number) => Scripted;

export interface ScriptedRunner extends Runner {
  /** Every run call's variant hashes, in order. */
  readonly calls: string[];
  visits(hash: string): number;
}

export function okResult(variant: Variant, device: string, samplesMs: number[]): EvalResult {
  const now = new Date().toISOString();
  return {
    variantHash: variant.hash,
    device,
    startedAt: now,
    finishedAt: now,
    seed: 1,
    status: "ok",
    samplesMs,
    stats: timingStats(samplesMs),
    verification: { cases: [], inputsUnchanged: true, deterministic: true, definedSymbols: ["scale"], calledSymbols: [] },
  };
}

function resultOf(variant: Variant, device: string, scripted: Scripted): EvalResult {
  if (Array.isArray(scripted)) return okResult(variant, device, scripted);
  const common = { variantHash: variant.hash, device, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), seed: 1 };
  switch (scripted.status) {
    case "wrong_result":
      return { ...common, status: "wrong_result", output: "y", size: { N: 1000 }, inputSeed: 1, distribution: "uniform", maxAbsError: 1, maxRelError: 1, firstBadIndex: 3, expected: 1, received: 0 };
    case "timeout":
      return { ...common, status: "timeout", limitMs: 10_000, phase: "variant" };
    case "compile_error":
      return { ...common, status: "compile_error", log: "scale.c:1: error: scripted" };
    case "infra_error":
      return { ...common, status: "infra_error", cause: "connection reset by peer (scripted)", retryable: scripted.retryable ?? true };
  }
}

/** Samples around `ms` with a small fixed spread (15 of them, like the fixture's repetitions). */
export function around(ms: number, spread = 0.002): number[] {
  return Array.from({ length: 15 }, (_, i) => ms * (1 + spread * ((i % 5) - 2)));
}

export function scriptedRunner(profile: HardwareProfile, script: Script, hooks: { beforeRun?: (variant: Variant, visit: number, options: RunOptions) => void | Promise<void> } = {}): ScriptedRunner {
  const calls: string[] = [];
  const seen = new Map<string, number>();
  return {
    device: profile,
    calls,
    visits: (hash) => seen.get(hash) ?? 0,
    async run(batch, options = {}) {
      const out: EvalResult[] = [];
      for (const variant of batch) {
        const visit = (seen.get(variant.hash) ?? 0) + 1;
        seen.set(variant.hash, visit);
        calls.push(variant.hash);
        await hooks.beforeRun?.(variant, visit, options);
        const result = options.signal?.aborted
          ? resultOf(variant, profile.name, { status: "infra_error" })
          : resultOf(variant, profile.name, script(variant, visit));
        await options.onResult?.(result);
        out.push(result);
      }
      return out;
    },
    close: async () => {},
  };
}
