// Benchmark of search strategies on measured spaces: every (space, strategy, seed) is a campaign on a replay
// device through the campaign graph (replay-campaign.ts), scored against random search (strategies/score.ts).
// Runs spread over worker threads; results are identical whatever the number of workers because every run
// depends only on its own job.

import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { Worker } from "node:worker_threads";
import { priorFromData } from "../agents/priors.ts";
import { fail, NightshiftError, type ErrorCode } from "../core/errors.ts";
import { loadReplayData } from "../spaces/load.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import { specFromSpaceFile } from "../spaces/space-spec.ts";
import { loadT1 } from "../spaces/t1.ts";
import type { ReplayData, SearchSpace } from "../spaces/types.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { benchStrategy } from "../strategies/candidates.ts";
import type { BenchRun } from "../strategies/bench-summary.ts";
import { scoreBaseline, scoreRun, type ScoreBaseline } from "../strategies/score.ts";
import { runReplayCampaign } from "./replay-campaign.ts";

export type { BenchRun } from "../strategies/bench-summary.ts";

export interface BenchJob {
  space: string;
  /** The T1 file whose spec the campaign runs (kernel matched by name). */
  spec: string;
  strategy: string;
  seed: number;
  /** Give the strategy the other files of the same kernel as priors. */
  transfer: boolean;
  budget: "auto" | number;
  batch: number;
  /** Every measurement draws from the recorded samples (the replay runner's noisy mode). */
  noisy: boolean;
  /** Every space file of the benchmark (where transfer priors come from). */
  files: readonly string[];
}

const loaded = new Map<string, ReplayData>();
const specs = new Map<string, { spec: KernelSpec; space: SearchSpace; baselines: Map<string, ScoreBaseline> }>();

function load(file: string): ReplayData {
  let hit = loaded.get(file);
  if (!hit) {
    hit = loadReplayData(file);
    loaded.set(file, hit);
  }
  return hit;
}

/** The spec a campaign on `space` runs (as `nightshift run <t1> --device replay:<space>` makes it) and its score baselines. */
function specOf(job: Pick<BenchJob, "space" | "spec">): { spec: KernelSpec; space: SearchSpace; baselines: Map<string, ScoreBaseline> } {
  const id = `${job.spec}\n${job.space}`;
  let hit = specs.get(id);
  if (!hit) {
    const spec = specFromSpaceFile(job.spec, [load(job.space)]);
    hit = { spec, space: spaceFromSpec(spec), baselines: new Map() };
    specs.set(id, hit);
  }
  return hit;
}

/** R(b) over the configurations the campaign's space holds (the T1 restrictions may exclude some the file has). */
function baselineOf(job: BenchJob): ScoreBaseline {
  const { space, baselines } = specOf(job);
  const key = String(job.budget);
  let hit = baselines.get(key);
  if (!hit) {
    const data = load(job.space);
    const values = space.validConfigs().map((c) => data.entries.get(data.space.key(c))?.value ?? null);
    hit = scoreBaseline(values, job.budget === "auto" ? undefined : job.budget);
    baselines.set(key, hit);
  }
  return hit;
}

export async function runBenchJob(job: BenchJob): Promise<BenchRun> {
  const data = load(job.space);
  const { spec, space } = specOf(job);
  const baseline = baselineOf(job);
  const priors = job.transfer ? transferPartners(data, job.files.map(load)).map((d) => priorFromData(d, space)) : [];
  const { trace } = await runReplayCampaign({ data, spec, space, strategy: benchStrategy(job.strategy), seed: job.seed, budget: baseline.budget, batch: job.batch, noisy: job.noisy, priors });
  return {
    space: job.space,
    strategy: job.transfer ? `${job.strategy}+transfer` : job.strategy,
    seed: job.seed,
    budget: baseline.budget,
    trace,
    score: scoreRun(baseline, trace),
  };
}

/** Other devices' data for the same kernel and parameters (what transfer gives a campaign on `target`). */
export function transferPartners(target: ReplayData, others: readonly ReplayData[]): ReplayData[] {
  const names = target.parameters.map((p) => p.name).join(",");
  return others.filter((d) => d.file !== target.file && d.kernelName === target.kernelName && d.parameters.map((p) => p.name).join(",") === names);
}

/** Files whose kernel has data from other devices among `files` (the ones transfer can be measured on). */
export function filesWithPriors(files: readonly string[]): string[] {
  return files.filter((f) => transferPartners(load(f), files.map(load)).length > 0);
}

/** The T1 file among `specFiles` that describes the kernel of the data in `space` (matched by kernel name). */
export function specFileFor(space: string, specFiles: readonly string[]): string {
  const kernel = load(space).kernelName;
  const found = specFiles.find((f) => loadT1(f).kernelName === kernel);
  if (!found) fail("USAGE", `--specs: expected a T1 file for kernel ${kernel} (${space}), received ${specFiles.map((f) => basename(f)).join(", ") || "none"}`);
  return found;
}

/** The device a space file was measured on, for leave-one-device-out: the file's device name, else its name. */
export function deviceOf(space: string): string {
  return load(space).device || basename(space).replace(/\..*$/, "");
}

/** Runs every job, in worker threads when workers > 1, returning runs in job order. */
export async function runBench(jobs: readonly BenchJob[], workers: number, onRun?: (run: BenchRun) => void): Promise<BenchRun[]> {
  const results: BenchRun[] = new Array(jobs.length);
  const n = Math.max(1, Math.min(workers, jobs.length, availableParallelism()));
  if (n === 1) {
    for (let i = 0; i < jobs.length; i++) {
      results[i] = await runBenchJob(jobs[i]!);
      onRun?.(results[i]!);
    }
    return results;
  }
  let next = 0;
  // The worker is TypeScript like the rest of nightshift, so it registers the same loader bin/nightshift.js uses.
  const workerUrl = new URL("./strategy-bench-worker.ts", import.meta.url).href;
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
