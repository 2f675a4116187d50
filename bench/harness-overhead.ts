// How much does the trusted harness add to the time it reports? Measures one kernel side by side,
// interleaved over a few rounds: the median the full harness reports (build, verify, flushed timed runs)
// against a minimal hand-written C timing loop of the same kernel built with the same flags, once with
// the same cache flush between repetitions and once with a hot cache.
//
//   npx tsx bench/harness-overhead.ts [--size N] [--rounds R] [--out docs/bench-harness-overhead.md]

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { median } from "../core/stats.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { flushBytesFor } from "../harness/plan.ts";
import { evaluateVariant } from "../harness/protocol.ts";
import { compilerFlags, defineFlags, makeVariant } from "../harness/variant.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { loadSpec } from "../specs/load.ts";

const { values } = parseArgs({
  options: { size: { type: "string", default: "8000000" }, rounds: { type: "string", default: "7" }, out: { type: "string" } },
});
const N = Number(values.size);
const ROUNDS = Number(values.rounds);
const PARAMS = { UNROLL: 4 };
const SPEC_DIR = join(import.meta.dirname, "..", "test", "fixtures", "saxpy");

const base = loadSpec(SPEC_DIR);
const spec = { ...base, problem: { tune: { N }, verify: [{ N: 1000 }] }, timing: { ...base.timing, warmup: 2, repetitions: 15 } };
const device: HardwareProfile = {
  name: "bench-local",
  description: "",
  kind: "cpu",
  reach: { via: "local", builds: 1, timing: "exclusive" },
  sources: [],
  cpu: {
    model: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    threads: cpus().length,
    cacheBytes: { l1d: 32 * 1024, l2: 1 << 20, l3: 32 << 20 },
    peakBandwidthGBs: 100_000,
    peakGflops: { float32: 1e6, float64: 1e6 },
    peakSource: "bench: floor disabled",
  },
};
const flushBytes = flushBytesFor(device);

const HAND_LOOP = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
void saxpy(int n, float a, const float* x, const float* y, float* out);
static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec * 1e-6; }
int main(int argc, char** argv) {
  int n = atoi(argv[1]), reps = atoi(argv[2]), flush = atoi(argv[3]);
  size_t flush_bytes = strtoull(argv[4], 0, 10);
  float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
  unsigned char* junk = malloc(flush_bytes);
  volatile unsigned sink = 0;
  for (int i = 0; i < n; i++) { x[i] = (float)(i % 1000) / 1000.0f; y[i] = 1.0f - x[i]; }
  for (int w = 0; w < 2; w++) saxpy(n, 1.5f, x, y, out);
  for (int r = 0; r < reps; r++) {
    if (flush) { memset(junk, r, flush_bytes); for (size_t i = 0; i < flush_bytes; i += 4096) sink += junk[i]; }
    double t0 = now_ms();
    saxpy(n, 1.5f, x, y, out);
    double t1 = now_ms();
    printf("%.9f\\n", t1 - t0);
  }
  return out[n / 2] == 12345.0f;
}
`;

function buildHandLoop(dir: string): string {
  writeFileSync(join(dir, "kernel.c"), spec.templateSource);
  writeFileSync(join(dir, "loop.c"), HAND_LOOP);
  const flags = [...defineFlags(PARAMS), ...compilerFlags(spec, PARAMS)];
  execFileSync("gcc", [...flags, "-c", "kernel.c", "-o", "kernel.o"], { cwd: dir });
  execFileSync("gcc", ["-O2", "loop.c", "kernel.o", "-o", "loop"], { cwd: dir });
  return join(dir, "loop");
}

interface Timing {
  median: number;
  min: number;
}

function handLoop(binary: string, flush: boolean): Timing {
  const text = execFileSync(binary, [String(N), "15", flush ? "1" : "0", String(flushBytes)], { encoding: "utf8" });
  const samples = text.trim().split("\n").map(Number);
  return { median: median(samples), min: Math.min(...samples) };
}

const dir = mkdtempSync(join(tmpdir(), "nightshift-bench-"));
const executor = new LocalExecutor();
const rows: Array<{ round: number; harness: Timing; flushed: Timing; hot: Timing }> = [];
try {
  const loop = buildHandLoop(dir);
  const variant = makeVariant(spec, PARAMS);
  for (let round = 1; round <= ROUNDS; round++) {
    const result = await evaluateVariant(executor, variant, device);
    if (result.status !== "ok") throw new Error(`the harness did not accept the kernel: ${JSON.stringify(result).slice(0, 500)}`);
    const harness = { median: result.stats.medianMs, min: result.stats.minMs };
    rows.push({ round, harness, flushed: handLoop(loop, true), hot: handLoop(loop, false) });
  }
} finally {
  await executor.close();
  rmSync(dir, { recursive: true, force: true });
}

type Column = "harness" | "flushed" | "hot";
const medianOf = (key: Column) => median(rows.map((r) => r[key].median));
// Other work on a shared machine only ever adds time, so the fastest repetition is the steadiest comparison.
const minOf = (key: Column) => Math.min(...rows.map((r) => r[key].min));
const load = loadavg()[0]!.toFixed(1);
const f = (v: number) => v.toFixed(4);
const cell = (t: Timing) => `${f(t.median)} / ${f(t.min)}`;
const report = `# Harness overhead benchmark

Does the trusted harness add time to what it reports? One kernel (the saxpy test fixture,
\`out = a*x + y\`, float32, N = ${N}, UNROLL=4, flags \`${compilerFlags(spec, PARAMS).join(" ")}\`), 15 timed
repetitions per measurement, ${ROUNDS} interleaved rounds, times in milliseconds.

- **harness**: \`evaluateVariant\` end to end (build, symbol check, verification cases, timed calls with
  the last-level cache flushed between repetitions, reference comparison); the median and fastest sample it reports.
- **hand loop, flushed**: a minimal C \`main\` calling the same object code between \`clock_gettime\` calls,
  writing the same ${flushBytes / (1 << 20)} MiB flush buffer between repetitions.
- **hand loop, hot**: the same loop without flushing (inputs stay in cache where they fit).

| round | harness (ms) | hand loop, flushed (ms) | hand loop, hot (ms) |
|---|---|---|---|
${rows.map((r) => `| ${r.round} | ${cell(r.harness)} | ${cell(r.flushed)} | ${cell(r.hot)} |`).join("\n")}
| **median of medians / fastest sample** | **${f(medianOf("harness"))} / ${f(minOf("harness"))}** | **${f(medianOf("flushed"))} / ${f(minOf("flushed"))}** | **${f(medianOf("hot"))} / ${f(minOf("hot"))}** |

Each cell is median / fastest of that measurement's 15 repetitions.

Ratio harness / hand loop (flushed): **${(minOf("harness") / minOf("flushed")).toFixed(3)}** on the fastest samples,
${(medianOf("harness") / medianOf("flushed")).toFixed(3)} on the medians; harness / hand loop (hot): ${(minOf("harness") / minOf("hot")).toFixed(3)} on the fastest samples.

Machine: ${cpus()[0]?.model ?? "unknown"}, ${cpus().length} logical CPUs; one-minute load average ${load} when the run ended
(the machine was shared with other work, so round-to-round differences are mostly noise). Date: ${new Date().toISOString().slice(0, 10)}.

Reproduce:

\`\`\`
npx tsx bench/harness-overhead.ts --size ${N} --rounds ${ROUNDS} --out docs/bench-harness-overhead.md
\`\`\`
`;
process.stdout.write(report);
if (values.out) writeFileSync(values.out, report);
