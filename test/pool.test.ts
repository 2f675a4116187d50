import { describe, expect, it } from "vitest";
import { DeviceLane, DevicePool } from "../runners/pool.ts";
import { SshExecutor } from "../runners/ssh-executor.ts";
import { SshRunner } from "../runners/ssh.ts";
import { makeVariant } from "../harness/variant.ts";
import { isNightshiftError } from "../core/errors.ts";
import type { ExecRequest, Executor } from "../runners/types.ts";
import { haveSshd, sshdSkipReason } from "./support/sshd.ts";
import { sshdPerTest } from "./support/sshd-per-test.ts";
import { sshProfile, tinySpec } from "./support/remote-device.ts";
import { freePort } from "./support/procs.ts";

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
      const kind = request.argv[0] === "gcc" ? "build" : request.argv[0]!.endsWith("/variant_bin") ? "timing" : null;
      if (kind) spans.push({ kind, start, end: performance.now() });
      return result;
    },
  };
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

describe.skipIf(!haveSshd)(`device pool on real sshd hosts${sshdSkipReason ? ` (skipped: ${sshdSkipReason})` : ""}`, () => {
  it("builds the next variants while the current one is timed, and never times two at once", async () => {
    const host = await sshd();
    const profile = sshProfile(host, "overlap");
    const spans: Span[] = [];
    const lane = new DeviceLane(profile, recording(new SshExecutor(profile.reach as never), spans), { builds: 2, runs: 1 });
    const spec = tinySpec({ parameters: { UNROLL: [1, 2, 4, 8] }, baseline: { UNROLL: 1 }, n: 1 << 20, repetitions: 30 });
    const results = await lane.run([1, 2, 4, 8].map((u) => makeVariant(spec, { UNROLL: u })));
    await lane.close();
    expect(results.map((r) => r.status)).toEqual(["ok", "ok", "ok", "ok"]);
    const timing = spans.filter((s) => s.kind === "timing");
    const builds = spans.filter((s) => s.kind === "build");
    expect(timing).toHaveLength(4);
    for (const a of timing) for (const b of timing) if (a !== b) expect(overlaps(a, b)).toBe(false);
    expect(builds.some((b) => timing.some((t) => overlaps(b, t)))).toBe(true);
    expect(lane.status()).toMatchObject({ state: "up", evaluations: 4, infraFaults: 0 });
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

  it("runs each device's batch on its own device; a dead device returns infra errors without holding up the other", async () => {
    const host = await sshd();
    const deadPort = await freePort();
    const fast = { lane: { probeIntervalMs: 200, maxDownWaitMs: 500, failuresBeforeDown: 1 }, connections: { connectAttempts: 1 } };
    const pool = new DevicePool([new SshRunner(sshProfile(host, "alive"), fast), new SshRunner(sshProfile(host, "dead", { port: deadPort }), fast)]);
    expect(pool.devices).toEqual(["alive", "dead"]);
    let unknown: unknown;
    try {
      pool.runner("missing");
    } catch (error) {
      unknown = error;
    }
    expect(isNightshiftError(unknown) && unknown.code === "USAGE" && unknown.message.includes('received "missing"')).toBe(true);
    const spec = tinySpec({ parameters: { UNROLL: [1, 2] }, baseline: { UNROLL: 1 } });
    const batch = [makeVariant(spec, {}), makeVariant(spec, { UNROLL: 2 })];
    const results = await pool.runAll({ alive: batch, dead: batch });
    await pool.close();
    expect(results.alive!.map((r) => [r.status, r.device])).toEqual([["ok", "alive"], ["ok", "alive"]]);
    expect(results.dead!.map((r) => [r.status, r.device])).toEqual([["infra_error", "dead"], ["infra_error", "dead"]]);
    const status = Object.fromEntries(pool.status().map((s) => [s.device, s]));
    expect(status.alive).toMatchObject({ state: "up", evaluations: 2 });
    expect(status.dead).toMatchObject({ state: "down", evaluations: 0 });
    expect(status.dead!.lastFault).toMatch(/ECONNREFUSED/);
  });
});
