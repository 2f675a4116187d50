// What running through SSH costs. Starts a real sshd on 127.0.0.1 (this machine is the "remote"), then:
//  1. evaluates the same variants one at a time with the same pipeline through the LocalExecutor and
//     through the SshExecutor: the ratio of per-evaluation wall times is the SSH runner's overhead;
//  2. runs a batch through the SSH device lane (2 build slots, 1 timing slot) with the kernel sized so
//     that a variant's measurement takes about as long as its build, and reports how busy the timing slot was.
// Writes docs/bench-ssh-overhead.md. Usage: npx tsx bench/ssh-overhead.ts

import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { buildVariant, discardBuild, measureVariant } from "../harness/protocol.ts";
import type { Executor, Variant } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { DeviceLane } from "../runners/lane.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { SshExecutor } from "../runners/ssh-executor.ts";
import { sshProfile, tinySpec } from "../testbed/remote-device.ts";
import { startSshd } from "../testbed/sshd.ts";

const OUT = fileURLToPath(new URL("../docs/bench-ssh-overhead.md", import.meta.url));
const VARIANTS = 12;

interface Timed { buildMs: number; measureMs: number }

async function evaluateSerially(executor: Executor, variants: Variant[], device: HardwareProfile): Promise<Timed[]> {
  const out: Timed[] = [];
  for (const variant of variants) {
    const t0 = performance.now();
    const outcome = await buildVariant(executor, variant, device);
    const t1 = performance.now();
    if (outcome.kind === "failed") throw new Error(`${variant.hash}: ${outcome.result.status}`);
    const result = await measureVariant(executor, outcome.built, device);
    const t2 = performance.now();
    await discardBuild(executor, outcome.built);
    if (result.status !== "ok") throw new Error(`${variant.hash}: ${result.status}`);
    out.push({ buildMs: t1 - t0, measureMs: t2 - t1 });
  }
  return out;
}

const f = (x: number) => x.toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function perExecMs(executor: Executor, cwd: string, n = 20): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await executor.exec({ argv: ["true"], cwd, timeoutMs: 10_000 });
    times.push(performance.now() - t0);
  }
  return median(times);
}

const started = Date.now();
const sshd = await startSshd();
try {
  const profile = sshProfile(sshd, "bench-ssh", { builds: 2, runs: 1 });
  const grid = [1, 2, 4, 8].flatMap((u) => [0, 1, 2].map((b) => ({ UNROLL: u, BIAS: b })));

  // 1. Same pipeline, same commands: here directly, then over SSH.
  const small = tinySpec({ parameters: { UNROLL: [1, 2, 4, 8], BIAS: [0, 1, 2] }, baseline: { UNROLL: 1, BIAS: 0 } });
  const serialVariants = grid.slice(0, VARIANTS).map((p) => makeVariant(small, p));
  const local = new LocalExecutor();
  const ssh = new SshExecutor(profile.reach as never);
  await evaluateSerially(ssh, serialVariants.slice(0, 1), profile); // connect and fill the object store once
  await evaluateSerially(local, serialVariants.slice(0, 1), profile);
  // Alternating A B B A, so a change in the shared machine's load hits both sides alike.
  const localTimes: Timed[] = [];
  const sshTimes: Timed[] = [];
  for (const [i, variant] of serialVariants.entries()) {
    const order: Array<[Executor, Timed[]]> = i % 2 === 0 ? [[local, localTimes], [ssh, sshTimes]] : [[ssh, sshTimes], [local, localTimes]];
    for (const [executor, into] of order) into.push(...(await evaluateSerially(executor, [variant], profile)));
  }
  const localDir = await local.stage("exec", { x: "" });
  const sshDir = await ssh.stage("exec", { x: "" });
  const localExec = await perExecMs(local, localDir);
  const sshExec = await perExecMs(ssh, sshDir);
  await local.close();
  await ssh.close();
  const localEval = median(localTimes.map((t) => t.buildMs + t.measureMs));
  const sshEval = median(sshTimes.map((t) => t.buildMs + t.measureMs));

  // 2. Size the kernel so one measurement takes about one build, then run a batch through the lane.
  const buildMs = median(sshTimes.map((t) => t.buildMs));
  const baseMeasureMs = median(sshTimes.map((t) => t.measureMs));
  let balanced = small;
  let sizing = `the small kernel as it is (its measurement already takes ${f(baseMeasureMs)} ms against a ${f(buildMs)} ms build)`;
  if (baseMeasureMs < 0.9 * buildMs) {
    // The timed part grows linearly with the repetitions; the rest of the measure step is fixed.
    const probeSpec = tinySpec({ parameters: { UNROLL: [1, 2, 4, 8], BIAS: [0, 1, 2] }, baseline: { UNROLL: 1, BIAS: 0 }, repetitions: 200 });
    const probeSsh = new SshExecutor(profile.reach as never);
    const [probe] = await evaluateSerially(probeSsh, [makeVariant(probeSpec, grid[0]!)], profile);
    await probeSsh.close();
    const perRepMs = Math.max(0.01, (probe!.measureMs - baseMeasureMs) / 195);
    const repetitions = Math.max(5, Math.min(20_000, Math.round(5 + (buildMs - baseMeasureMs) / perRepMs)));
    balanced = tinySpec({ parameters: { UNROLL: [1, 2, 4, 8], BIAS: [0, 1, 2] }, baseline: { UNROLL: 1, BIAS: 0 }, repetitions });
    sizing = `${repetitions} timed repetitions of the kernel`;
  }
  const lane = new DeviceLane(profile, new SshExecutor(profile.reach as never), { builds: 2, runs: 1 });
  const laneStart = performance.now();
  const results = await lane.run(grid.slice(0, 8).map((p) => makeVariant(balanced, p)));
  const laneMs = performance.now() - laneStart;
  const status = lane.status();
  await lane.close();
  const failed = results.filter((r) => r.status !== "ok");
  if (failed.length > 0) throw new Error(`lane batch: ${failed.map((r) => r.status).join(", ")}`);
  const busy = status.timingBusyMs / status.timingSpanMs;
  const measureInLane = status.timingBusyMs / results.length;

  const report = `# SSH runner overhead

Measured by \`npx tsx bench/ssh-overhead.ts\` on ${new Date().toISOString().slice(0, 10)}: ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} hardware threads,
load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} at the end (the machine is shared, so absolute times vary from run to run).
The "remote" is this same machine through a real OpenSSH server on 127.0.0.1, so the numbers isolate
what SSH itself adds (connection reuse, channel per command, the process-group wrapper, SFTP reads),
not network latency. Total bench time ${((Date.now() - started) / 1000).toFixed(0)} s.

## 1. Per-evaluation overhead (same pipeline, same commands, one variant at a time)

Medians over ${VARIANTS} variants, the two sides alternating (A B B A) so that load changes hit both alike.

| | build (ms) | measure (ms) | evaluation (ms) |
|---|---:|---:|---:|
| directly on the host (LocalExecutor) | ${f(median(localTimes.map((t) => t.buildMs)))} | ${f(median(localTimes.map((t) => t.measureMs)))} | ${f(localEval)} |
| through SSH (SshExecutor) | ${f(median(sshTimes.map((t) => t.buildMs)))} | ${f(median(sshTimes.map((t) => t.measureMs)))} | ${f(sshEval)} |

- Ratio SSH / direct per evaluation: **${(sshEval / localEval).toFixed(2)}x** (${f(sshEval - localEval)} ms per evaluation).
  The commands run on persistent remote shells (runners/ssh/shell.ts): without them every command paid the
  login shell's start-up (this host's ~/.bashrc runs \`pyenv init\`); an earlier run of this bench without them, under heavier load, measured 4.4x.
- One command (\`true\`): ${f(localExec)} ms directly, ${f(sshExec)} ms over SSH (median of 20). An evaluation runs 7 commands,
  stages 2 directories (one round trip each when the content-addressed store already holds the files) and reads 3-5 files back.

## 2. Timing-slot utilisation with builds overlapping runs

A batch of ${results.length} variants through the SSH device lane (2 build slots, 1 exclusive timing slot), using ${sizing},
so that a measurement takes about as long as a build: median build ${f(buildMs)} ms (serial), mean measurement in the lane
${f(measureInLane)} ms (builds running beside it share this machine's ${availableParallelism()} cores, which stretches both).

- Timing slot busy **${(busy * 100).toFixed(1)}%** of the time from the first measurement to the last
  (${f(status.timingBusyMs)} ms busy over ${f(status.timingSpanMs)} ms; target above 90%).
- Whole batch: ${f(laneMs)} ms, of which the timing slot was busy ${((status.timingBusyMs / laneMs) * 100).toFixed(1)}% (the first build has
  nothing to overlap with). On this 2-core machine builds and measurements compete for the same cores, so the
  overlap keeps the timing slot fed but saves little wall time; on a device with spare cores it saves the builds.
`;
  writeFileSync(OUT, report);
  process.stdout.write(report);
} finally {
  await sshd.stop();
}
