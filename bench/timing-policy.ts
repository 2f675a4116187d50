// Which timing policy should a device lane use by default? Runs the same batch of matmul variants through a
// local lane twice per round, once letting builds continue while a variant is timed ("overlap") and once
// pausing them ("exclusive"), interleaved over several rounds so both see the same machine. Each batch holds
// more variants than build slots, so under "overlap" the compiler really runs beside the timed kernel. Prints
// per policy: the median relative IQR of the variants' samples (noise within one measurement), the median
// over variants of |median - the variant's best median across all runs| / best (drift between measurements),
// and the wall time of the batch (what pausing builds costs); the first two decide the default.
//
//   npx tsx bench/timing-policy.ts [--rounds R] [--variants V] [--out docs/bench-timing-policy.md]

import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { median } from "../core/stats.ts";
import { loadProfile } from "../hardware-profiles/load.ts";
import type { EvalResult } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import type { TimingPolicy } from "../runners/lane.ts";
import { LocalRunner } from "../runners/local.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import { loadSpec } from "../specs/load.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "4" }, variants: { type: "string", default: "8" }, out: { type: "string" } } });
const ROUNDS = Number(values.rounds);
const VARIANTS = Number(values.variants);
const POLICIES: TimingPolicy[] = ["overlap", "exclusive"];

const base = loadSpec(join(import.meta.dirname, "..", "examples", "matmul"));
// A smaller tuning size keeps a timed run comparable to a build (about a second), which is where overlap matters.
const spec = { ...base, problem: { tune: { N: 256 }, verify: [{ N: 37 }] }, timing: { ...base.timing, warmup: 1, repetitions: 15 } };
const configs = spaceFromSpec(spec).validConfigs().filter((_, i) => i % 97 === 0).slice(0, VARIANTS);
const device = await loadProfile("local");

interface PolicyRun {
  wallMs: number;
  results: EvalResult[];
}

async function batch(policy: TimingPolicy, round: number): Promise<PolicyRun> {
  // A fresh source comment per round and policy: every build compiles for real instead of hitting a cache.
  const variants = configs.map((params) => makeVariant(spec, params, { source: `${spec.templateSource}\n/* round ${round} ${policy} */\n` }));
  const runner = new LocalRunner(device, { lane: { builds: 2, timing: policy } });
  const t0 = performance.now();
  try {
    return { results: await runner.run(variants), wallMs: performance.now() - t0 };
  } finally {
    await runner.close();
  }
}

const runs: Record<TimingPolicy, PolicyRun[]> = { overlap: [], exclusive: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const policy of round % 2 === 0 ? POLICIES : [...POLICIES].reverse()) {
    runs[policy].push(await batch(policy, round));
    process.stderr.write(`round ${round + 1}/${ROUNDS} ${policy} done\n`);
  }
}

const okMedian = (r: EvalResult): number | null => (r.status === "ok" ? r.stats.medianMs : null);
// Each variant's best median over every run of both policies: the least disturbed measurement of it.
const best = configs.map((_, v) => Math.min(...POLICIES.flatMap((p) => runs[p].map((run) => okMedian(run.results[v]!) ?? Number.POSITIVE_INFINITY))));

function summary(policy: TimingPolicy): { iqr: number; drift: number; wallMs: number; failed: number } {
  const all = runs[policy].flatMap((run) => run.results);
  const ok = all.filter((r): r is Extract<EvalResult, { status: "ok" }> => r.status === "ok");
  const drift = runs[policy].flatMap((run) => run.results.map((r, v) => (r.status === "ok" ? Math.abs(r.stats.medianMs - best[v]!) / best[v]! : null)).filter((d): d is number => d !== null));
  return {
    iqr: median(ok.map((r) => r.stats.relativeIqr)),
    drift: median(drift),
    wallMs: median(runs[policy].map((run) => run.wallMs)),
    failed: all.length - ok.length,
  };
}

const s = { overlap: summary("overlap"), exclusive: summary("exclusive") };
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const winner: TimingPolicy = s.exclusive.iqr + s.exclusive.drift <= s.overlap.iqr + s.overlap.drift ? "exclusive" : "overlap";
const text = `# Timing policy: builds beside the timed kernel, or not

\`npx tsx bench/timing-policy.ts --rounds ${ROUNDS} --variants ${VARIANTS}\` on ${cpus().length} cores of ${cpus()[0]?.model ?? "unknown"}
(load average at the end ${loadavg().map((l) => l.toFixed(2)).join(" ")}). ${configs.length} matmul variants (N=256, 15 timed
repetitions each) per batch through one local lane with 2 build slots; the two policies alternate over ${ROUNDS} rounds.

| policy | median relative IQR of a measurement | median drift from the variant's best median | batch wall time (median) | failed |
|---|---:|---:|---:|---:|
| overlap (builds continue while timing) | ${pct(s.overlap.iqr)} | ${pct(s.overlap.drift)} | ${(s.overlap.wallMs / 1000).toFixed(1)} s | ${s.overlap.failed} |
| exclusive (builds pause while timing) | ${pct(s.exclusive.iqr)} | ${pct(s.exclusive.drift)} | ${(s.exclusive.wallMs / 1000).toFixed(1)} s | ${s.exclusive.failed} |

Noise ratio overlap / exclusive: IQR ${(s.overlap.iqr / s.exclusive.iqr).toFixed(2)}x, drift ${(s.overlap.drift / Math.max(s.exclusive.drift, 1e-9)).toFixed(2)}x;
time ratio exclusive / overlap ${(s.exclusive.wallMs / s.overlap.wallMs).toFixed(2)}x.
Less noise in this run: **${winner}**. The default of every reach is \`exclusive\` (hardware-profiles/schema.ts);
a load average above the core count means other work shared the cores, and the ratios then say little. A device
whose builds run on other cores or nodes than its timed runs can set \`reach.timing: "overlap"\`.
`;
process.stdout.write(text);
if (values.out) writeFileSync(values.out, text);
