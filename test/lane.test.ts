import { describe, expect, it } from "vitest";
import { failureMessage } from "../harness/failure-message.ts";
import { FILES } from "../harness/plan.ts";
import type { ExecRequest, Executor } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { DeviceLane, type TimingPolicy } from "../runners/lane.ts";
import { SshExecutor } from "../runners/ssh-executor.ts";
import { SshRunner } from "../runners/ssh.ts";
import { freePort } from "../testbed/procs.ts";
import { sshProfile, tinySpec } from "../testbed/remote-device.ts";
import { haveSshd, sshdSkipReason } from "../testbed/sshd.ts";
import { sshdPerTest } from "./support/sshd-per-test.ts";

const { sshd } = sshdPerTest();

interface Span { kind: "build" | "timing"; start: number; end: number }

/** Records when compiler and timed commands ran, passing everything through to the real executor. */
function recording(inner: SshExecutor, spans: Span[]): Executor & { probe(): Promise<void> } {
  return {
    name: inner.name,
    stage: (l, f) => inner.stage(l, f),
    readFile: (p) => inner.readFile(p),
    remove: (p) => inner.remove(p),
    close: () => inner.close(),
    probe: () => inner.probe(),
    async exec(request: ExecRequest) {
      const start = performance.now();
      const result = await inner.exec(request);
      // The timed run is the monitor's (its sanitizer run is not timed); an untrusted build runs gcc in the sandbox.
      const monitor = request.argv.some((a) => a.endsWith(`/${FILES.monitorBinary}`));
      const kind = monitor && !request.argv.includes("--sanitize") ? "timing" : !monitor && request.argv.includes("gcc") ? "build" : null;
      if (kind) spans.push({ kind, start, end: performance.now() });
      return result;
    },
  };
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

describe.skipIf(!haveSshd)(`device lanes on real sshd hosts${sshdSkipReason ? ` (skipped: ${sshdSkipReason})` : ""}`, () => {
  async function schedule(timing: TimingPolicy): Promise<{ timing: Span[]; builds: Span[] }> {
    const host = await sshd();
    const profile = sshProfile(host, timing);
    const spans: Span[] = [];
    const lane = new DeviceLane(profile, recording(new SshExecutor(profile.reach as never), spans), { builds: 2, runs: 1, timing });
    // A generous limit: this checks the schedule, and a loaded machine must not turn it into a timeout.
    const spec = tinySpec({ parameters: { UNROLL: [1, 2, 4, 8] }, baseline: { UNROLL: 1 }, n: 1 << 20, repetitions: 30, timeLimitSeconds: 120 });
    const results = await lane.run([1, 2, 4, 8].map((u) => makeVariant(spec, { UNROLL: u })));
    await lane.close();
    expect(results.map((r) => r.status)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(lane.status()).toMatchObject({ state: "up", evaluations: 4, infraFaults: 0 });
    const timed = spans.filter((s) => s.kind === "timing");
    expect(timed).toHaveLength(4);
    for (const a of timed) for (const b of timed) if (a !== b) expect(overlaps(a, b)).toBe(false);
    return { timing: timed, builds: spans.filter((s) => s.kind === "build") };
  }

  it("under the overlap policy builds the next variants while the current one is timed, and never times two at once", async () => {
    const { timing, builds } = await schedule("overlap");
    expect(builds.some((b) => timing.some((t) => overlaps(b, t)))).toBe(true);
  });

  it("under the exclusive policy runs no build while a variant is timed, and never times two at once", async () => {
    const { timing, builds } = await schedule("exclusive");
    for (const b of builds) for (const t of timing) expect(overlaps(b, t)).toBe(false);
  });

  it("marks a device down after repeated infrastructure faults, probes it, and runs the waiting variants once it is back", async () => {
    const host = await sshd();
    const runner = new SshRunner(sshProfile(host, "flaky"), {
      lane: { builds: 1, failuresBeforeDown: 1, probeIntervalMs: 200, maxDownWaitMs: 30_000 },
      connections: { connectAttempts: 1 },
    });
    const spec = tinySpec({ parameters: { UNROLL: [1, 2, 4] }, baseline: { UNROLL: 1 } });
    await host.kill();
    const states = new Set<string>();
    const watch = setInterval(() => states.add(runner.status().state), 50);
    const restarted = new Promise((r) => setTimeout(r, 2_000)).then(() => host.start());
    const results = await runner.run([1, 2, 4].map((u) => makeVariant(spec, { UNROLL: u })));
    await restarted;
    clearInterval(watch);
    await runner.close();
    expect(states.has("down")).toBe(true);
    expect(runner.status().state).toBe("up");
    expect(results).toHaveLength(3);
    const infra = results.filter((r) => r.status === "infra_error");
    expect(infra.length).toBeGreaterThanOrEqual(1);
    for (const r of infra) expect(r).toMatchObject({ retryable: true });
    // The variants that waited in the queue while the device was down ran after the probe brought it back.
    expect(results.filter((r) => r.status === "ok").length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.status === "ok" || r.status === "infra_error")).toBe(true);
  });

  it("runs each device's batch in its own lane; a dead device returns infra errors without holding up the other", async () => {
    const host = await sshd();
    const deadPort = await freePort();
    const fast = { lane: { probeIntervalMs: 200, maxDownWaitMs: 500, failuresBeforeDown: 1 }, connections: { connectAttempts: 1 } };
    const alive = new SshRunner(sshProfile(host, "alive"), fast);
    const dead = new SshRunner(sshProfile(host, "dead", { port: deadPort }), fast);
    const spec = tinySpec({ parameters: { UNROLL: [1, 2] }, baseline: { UNROLL: 1 } });
    const batch = [makeVariant(spec, {}), makeVariant(spec, { UNROLL: 2 })];
    const [fromAlive, fromDead] = await Promise.all([alive.run(batch), dead.run(batch)]);
    await Promise.all([alive.close(), dead.close()]);
    expect(fromAlive.map((r) => [r.status, r.device]), fromAlive.map(failureMessage).join("; ")).toEqual([["ok", "alive"], ["ok", "alive"]]);
    expect(fromDead.map((r) => [r.status, r.device])).toEqual([["infra_error", "dead"], ["infra_error", "dead"]]);
    expect(alive.status()).toMatchObject({ state: "up", evaluations: 2 });
    expect(dead.status()).toMatchObject({ state: "down", evaluations: 0 });
    expect(dead.status().lastFault).toMatch(/ECONNREFUSED/);
  });
});
