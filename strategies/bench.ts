// Benchmark of search strategies on measured spaces: every (space, strategy, seed) is a replay campaign,
// scored against random search (score.ts). Runs spread over worker threads; results are identical
// whatever the number of workers because every run depends only on its own job.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { NightshiftError, type ErrorCode } from "../core/errors.ts";
import { loadReplayData } from "../spaces/load.ts";
import type { ReplayData } from "../spaces/types.ts";
import { getStrategy } from "./registry.ts";
import { priorsFor, runReplayCampaign } from "./replay-campaign.ts";
import { median, scoreBaseline, scoreRun, type ScoreBaseline } from "./score.ts";

export interface BenchJob {
  space: string;
  strategy: string;
  seed: number;
  /** Give the strategy the other files of the same kernel as priors. */
  transfer: boolean;
  budget: "auto" | number;
  batch: number;
  /** The strategy sees one recorded sample per evaluation instead of the mean. */
  noisy?: boolean;
  /** Every space file of the benchmark (where transfer priors come from). */
  files: readonly string[];
}

export interface BenchRun {
  space: string;
  /** The strategy name, with "+transfer" when it was given other devices' data. */
  strategy: string;
  seed: number;
  budget: number;
  trace: (number | null)[];
  score: number;
}

const loaded = new Map<string, { data: ReplayData; baseline: Map<string, ScoreBaseline> }>();

function load(file: string): { data: ReplayData; baseline: Map<string, ScoreBaseline> } {
  let hit = loaded.get(file);
  if (!hit) {
    hit = { data: loadReplayData(file), baseline: new Map() };
    loaded.set(file, hit);
  }
  return hit;
}

export function runBenchJob(job: BenchJob): BenchRun {
  const { data, baseline: baselines } = load(job.space);
  const budgetKey = String(job.budget);
  let baseline = baselines.get(budgetKey);
  if (!baseline) {
    const values = data.space.validConfigs().map((c) => data.entries.get(data.space.key(c))?.value ?? null);
    baseline = scoreBaseline(values, job.budget === "auto" ? undefined : job.budget);
    baselines.set(budgetKey, baseline);
  }
  const priors = job.transfer ? priorsFor(data, job.files.map((f) => load(f).data)) : [];
  const trace = runReplayCampaign(getStrategy(job.strategy), data, {
    seed: job.seed,
    budget: baseline.budget,
    batch: job.batch,
    noisy: job.noisy ?? false,
    ...(priors.length > 0 ? { priors } : {}),
  });
  return {
    space: job.space,
    strategy: job.transfer ? `${job.strategy}+transfer` : job.strategy,
    seed: job.seed,
    budget: baseline.budget,
    trace,
    score: scoreRun(baseline, trace),
  };
}

/** Files whose kernel has data from other devices among `files` (the ones transfer can be measured on). */
export function filesWithPriors(files: readonly string[]): string[] {
  return files.filter((f) => priorsFor(load(f).data, files.map((g) => load(g).data)).length > 0);
}

/** Runs every job, in worker threads when workers > 1, returning runs in job order. */
export async function runBench(jobs: readonly BenchJob[], workers: number, onRun?: (run: BenchRun) => void): Promise<BenchRun[]> {
  const results: BenchRun[] = new Array(jobs.length);
  const n = Math.max(1, Math.min(workers, jobs.length, availableParallelism()));
  if (n === 1) {
    jobs.forEach((job, i) => {
      results[i] = runBenchJob(job);
      onRun?.(results[i]!);
    });
    return results;
  }
  let next = 0;
  // The worker is TypeScript like the rest of nightshift, so it registers the same loader bin/nightshift.js uses.
  const workerUrl = new URL("./bench-worker.ts", import.meta.url).href;
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(workerUrl)});`;
  const pool = Array.from({ length: n }, () => new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`)));
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = (): void => {
              if (next >= jobs.length) return resolve();
              const i = next++;
              worker.once("message", (m: { run?: BenchRun; error?: string; code?: ErrorCode }) => {
                if (m.error !== undefined) return reject(new NightshiftError(m.code ?? "INTERNAL", m.error));
                results[i] = m.run!;
                onRun?.(m.run!);
                send();
              });
              worker.postMessage(jobs[i]);
            };
            worker.once("error", reject);
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}

export interface BenchSummary {
  /** Per space: budget and, per strategy, the median score over seeds and every seed's score. */
  spaces: Record<string, { budget: number; strategies: Record<string, { median: number; scores: number[] }> }>;
  /** Per strategy: the mean over the spaces it ran on of the median scores. */
  overall: Record<string, { mean: number; spaces: number }>;
}

export function summarise(runs: readonly BenchRun[]): BenchSummary {
  const spaces: BenchSummary["spaces"] = {};
  for (const r of runs) {
    const s = (spaces[r.space] ??= { budget: r.budget, strategies: {} });
    (s.strategies[r.strategy] ??= { median: 0, scores: [] }).scores.push(r.score);
  }
  const totals: Record<string, number[]> = {};
  for (const s of Object.values(spaces)) {
    for (const [name, st] of Object.entries(s.strategies)) {
      st.median = median(st.scores.slice().sort((a, b) => a - b));
      (totals[name] ??= []).push(st.median);
    }
  }
  const overall: BenchSummary["overall"] = {};
  for (const [name, medians] of Object.entries(totals)) overall[name] = { mean: medians.reduce((a, b) => a + b, 0) / medians.length, spaces: medians.length };
  return { spaces, overall };
}
