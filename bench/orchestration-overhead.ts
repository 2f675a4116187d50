// What the orchestration costs per evaluation: campaign wall time minus the time spent inside the
// runner (builds and runs), divided by the evaluations. Runs a real campaign through the real graph,
// store and checkpointer on a kernel whose build and run are fast, and prints a markdown table.
//
//   npx tsx bench/orchestration-overhead.ts [--spec DIR] [--device D] [--budget N] [--out FILE]
//   (defaults: the fast fixture kernel test/fixtures/fast-kernel on the local device, budget 10)
//
// Two views of "time inside builds and runs": the union of the intervals during which runner.run was
// executing (so the remainder is the graph, checkpoints, store, strategy and critic), and the union of
// the evaluations' own startedAt..finishedAt intervals (so the remainder also includes the runner's
// staging and process start-up).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { StrategyPlanner } from "../agents/offline-planner.ts";
import type { PlannerPolicy } from "../agents/types.ts";
import { startCampaign } from "../graphs/run-campaign.ts";
import { openStore } from "../results/store.ts";
import { createRunner } from "../runners/factory.ts";
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

/** Records when runner.run was executing, without changing what it does. */
function timed(runner: Runner, intervals: Array<[number, number]>): Runner {
  return {
    device: runner.device,
    run: async (batch, options) => {
      const start = performance.timeOrigin + performance.now();
      try {
        return await runner.run(batch, options);
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

const { values } = parseArgs({
  options: {
    spec: { type: "string", default: "test/fixtures/fast-kernel" },
    device: { type: "string", default: "local" },
    budget: { type: "string", default: "10" },
    out: { type: "string" },
  },
});

const dir = mkdtempSync(join(tmpdir(), "nightshift-bench-"));
const runIntervals: Array<[number, number]> = [];
const strategyTime = { ms: 0 };
try {
  const dbPath = join(dir, "bench.db");
  const budget = Number(values.budget);
  const started = performance.now();
  let sessionStart = started;
  const outcome = await startCampaign(
    { specDir: values.spec!, devices: [values.device!], budget, seed: 1 },
    {
      dbPath,
      // From here on the campaign exists: spec loading and device detection are behind us.
      onStart: () => (sessionStart = performance.now()),
      runnerFor: async (profile) => timed(await createRunner(profile), runIntervals),
      plannerFor: (_profile, strategy) => timedPlanner(new StrategyPlanner(strategy), strategyTime),
    },
  );
  const ended = performance.now();
  const wallMs = ended - sessionStart;
  const store = openStore(dbPath, { mustExist: true });
  const evaluations = store.evaluations(outcome.campaignId);
  store.close();
  const evaluationIntervals = evaluations.map((e): [number, number] => [Date.parse(e.result.startedAt), Date.parse(e.result.finishedAt)]);
  const insideRunner = unionMs(runIntervals);
  const insideEvaluations = unionMs(evaluationIntervals);
  const counted = outcome.evaluations;
  const all = evaluations.length;
  const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
  const lines = [
    `| quantity | value |`,
    `|---|---|`,
    `| spec / device | ${values.spec} / ${values.device} |`,
    `| evaluations counted in the budget | ${counted} |`,
    `| runner evaluations (explore + confirm + infra retries) | ${all} |`,
    `| start-up (spec loading, device detection, store opening) | ${fmt(sessionStart - started)} |`,
    `| campaign wall time (from the campaign's creation to its outcome) | ${fmt(wallMs)} |`,
    `| time inside runner.run (union) | ${fmt(insideRunner)} |`,
    `| time inside evaluations (union of startedAt..finishedAt) | ${fmt(insideEvaluations)} |`,
    `| **orchestration overhead per evaluation** (wall - runner.run) / runner evaluations | **${fmt((wallMs - insideRunner) / all)}** |`,
    `| of which the search strategy's proposals, per evaluation | ${fmt(strategyTime.ms / all)} |`,
    `| of which the rest (graph, checkpoints, store, critic), per evaluation | ${fmt((wallMs - insideRunner - strategyTime.ms) / all)} |`,
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
