// What the orchestration costs per evaluation: campaign wall time minus the time spent inside the
// runner (builds and runs), divided by the evaluations. Runs a real campaign through the real graph,
// store and checkpointer on a kernel whose build and run are fast, and prints a markdown table.
//
//   npx tsx bench/orchestration-overhead.ts [--replay CACHE] [--budget N] [--out FILE]
//   npx tsx bench/orchestration-overhead.ts --local [--spec DIR] [--budget N] [--out FILE]
//
// Default: the replay runner over a recorded Kernel Tuner cache (data/spaces/pnpoly/RTX_3090.json.gz),
// so building and running cost ~0 and nearly all of the wall time is orchestration. The spec for it is
// generated from the cache (its parameters; the cache must hold their full cross product). --local runs
// the fast fixture kernel (test/fixtures/fast-kernel) with real gcc builds on this machine instead.
//
// Two views of "time inside builds and runs": the union of the intervals during which runner.run was
// executing (so the remainder is the graph, checkpoints, store, strategy and critic), and the union of
// the evaluations' own startedAt..finishedAt intervals (so the remainder also includes the runner's
// staging and process start-up).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { StrategyPlanner } from "../agents/offline-planner.ts";
import type { PlannerPolicy } from "../agents/types.ts";
import { startCampaign } from "../graphs/run-campaign.ts";
import { openStore } from "../results/store.ts";
import { createRunner } from "../runners/factory.ts";
import { loadReplayData } from "../spaces/load.ts";
import type { Runner } from "../runners/types.ts";

/** Total length of the union of [start, end] intervals (ms). */
export function unionMs(intervals: Array<[number, number]>): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let current: [number, number] | null = null;
  for (const [s, e] of sorted) {
    if (!current || s > current[1]) {
      if (current) total += current[1] - current[0];
      current = [s, e];
    } else current[1] = Math.max(current[1], e);
  }
  if (current) total += current[1] - current[0];
  return total;
}

/**
 * Records when runner.run was executing, without changing what it does. Time spent in the onResult
 * callback (committing the result to the store) is orchestration, so it is measured and subtracted.
 */
function timed(runner: Runner, intervals: Array<[number, number]>, callbacks: { ms: number }): Runner {
  return {
    device: runner.device,
    run: async (batch, options) => {
      const start = performance.timeOrigin + performance.now();
      const onResult = options?.onResult;
      const wrapped = onResult
        ? {
            ...options,
            onResult: async (result: Parameters<typeof onResult>[0]) => {
              const t = performance.now();
              try {
                await onResult(result);
              } finally {
                callbacks.ms += performance.now() - t;
              }
            },
          }
        : options;
      try {
        return await runner.run(batch, wrapped);
      } finally {
        intervals.push([start, performance.timeOrigin + performance.now()]);
      }
    },
    close: () => runner.close(),
  };
}

/** Times the search strategy's proposals, the part of the orchestration that is not plumbing. */
function timedPlanner(planner: PlannerPolicy, spent: { ms: number }): PlannerPolicy {
  return {
    name: planner.name,
    plan: async (input) => {
      const start = performance.now();
      try {
        return await planner.plan(input);
      } finally {
        spent.ms += performance.now() - start;
      }
    },
  };
}

/**
 * A spec whose search space is the cache's parameters, for the replay runner: the sources are never
 * compiled (the runner answers from the recorded data), so they only need to satisfy the spec loader.
 */
function specForReplay(cache: string, dir: string): string {
  const data = loadReplayData(cache);
  const product = data.parameters.reduce((n, p) => n * p.values.length, 1);
  if (data.space.validConfigs().length !== product) {
    throw new Error(`${cache}: expected the full cross product of its parameters (${product} configurations), received ${data.space.validConfigs().length}`);
  }
  const specDir = join(dir, "replay-spec");
  mkdirSync(specDir);
  const first = data.space.validConfigs()[0]!;
  writeFileSync(join(specDir, "kernel.c"), "void kernel(float *out, int n) { for (int i = 0; i < n; i++) out[i] = 0.0f; }\n");
  writeFileSync(join(specDir, "reference.c"), "void reference(float *out, int n) { for (int i = 0; i < n; i++) out[i] = 0.0f; }\n");
  const spec = {
    name: data.kernelName.replace(/[^A-Za-z0-9_]/g, "_"),
    description: `Search space of ${cache}, for replay only.`,
    language: "c",
    source: "kernel.c",
    kernel: "kernel",
    arguments: [
      { name: "out", kind: "buffer", dtype: "float32", length: "N", intent: "out" },
      { name: "n", kind: "scalar", dtype: "int32", value: "N" },
    ],
    problem: { tune: { N: 1024 } },
    parameters: Object.fromEntries(data.parameters.map((p) => [p.name, p.values])),
    baseline: first,
    reference: { source: "reference.c", function: "reference" },
    bytes: "4 * N",
    flops: "N",
  };
  writeFileSync(join(specDir, "kernel.json"), JSON.stringify(spec, null, 2));
  return specDir;
}

const { values } = parseArgs({
  options: {
    local: { type: "boolean", default: false },
    replay: { type: "string", default: "data/spaces/pnpoly/RTX_3090.json.gz" },
    spec: { type: "string", default: "test/fixtures/fast-kernel" },
    budget: { type: "string" },
    out: { type: "string" },
  },
});

const dir = mkdtempSync(join(tmpdir(), "nightshift-bench-"));
const runIntervals: Array<[number, number]> = [];
const strategyTime = { ms: 0 };
const commitTime = { ms: 0 };
try {
  const dbPath = join(dir, "bench.db");
  const budget = Number(values.budget ?? (values.local ? 10 : 200));
  const specDir = values.local ? values.spec! : specForReplay(values.replay!, dir);
  const device = values.local ? "local" : `replay:${values.replay}`;
  const started = performance.now();
  let sessionStart = started;
  const outcome = await startCampaign(
    { specDir, devices: [device], budget, seed: 1 },
    {
      dbPath,
      // From here on the campaign exists: spec loading and device detection are behind us.
      onStart: () => (sessionStart = performance.now()),
      runnerFor: async (profile) => timed(await createRunner(profile), runIntervals, commitTime),
      plannerFor: (_profile, strategy) => timedPlanner(new StrategyPlanner(strategy), strategyTime),
    },
  );
  const ended = performance.now();
  const wallMs = ended - sessionStart;
  const store = openStore(dbPath, { mustExist: true });
  const evaluations = store.evaluations(outcome.campaignId);
  store.close();
  const evaluationIntervals = evaluations.map((e): [number, number] => [Date.parse(e.result.startedAt), Date.parse(e.result.finishedAt)]);
  const insideRunner = unionMs(runIntervals) - commitTime.ms;
  const insideEvaluations = unionMs(evaluationIntervals);
  const counted = outcome.evaluations;
  const all = evaluations.length;
  const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
  const lines = [
    `| quantity | value |`,
    `|---|---|`,
    `| spec / device | ${values.local ? values.spec : `generated from ${values.replay}`} / ${device} |`,
    `| evaluations counted in the budget | ${counted} |`,
    `| runner evaluations (explore + confirm + infra retries) | ${all} |`,
    `| start-up (spec loading, device detection, store opening) | ${fmt(sessionStart - started)} |`,
    `| campaign wall time (from the campaign's creation to its outcome) | ${fmt(wallMs)} |`,
    `| time inside runner.run (union, minus its onResult commits) | ${fmt(insideRunner)} |`,
    `| time inside evaluations (union of startedAt..finishedAt) | ${fmt(insideEvaluations)} |`,
    `| **orchestration overhead per evaluation** (wall - runner.run) / runner evaluations | **${fmt((wallMs - insideRunner) / all)}** |`,
    `| of which the search strategy's proposals, per evaluation | ${fmt(strategyTime.ms / all)} |`,
    `| of which committing results to the store (onResult), per evaluation | ${fmt(commitTime.ms / all)} |`,
    `| of which the rest (graph, checkpoints, store reads, critic), per evaluation | ${fmt((wallMs - insideRunner - strategyTime.ms - commitTime.ms) / all)} |`,
    `| same overhead per counted evaluation | ${fmt((wallMs - insideRunner) / counted)} |`,
    `| overhead incl. runner staging per evaluation (wall - evaluations) / runner evaluations | ${fmt((wallMs - insideEvaluations) / all)} |`,
    `| stop reason | ${outcome.stopReason} |`,
  ];
  const text = lines.join("\n");
  process.stdout.write(`${text}\n`);
  if (values.out) writeFileSync(values.out, `${text}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
