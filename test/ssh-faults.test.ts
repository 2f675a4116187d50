// Infrastructure faults during real campaigns on a real sshd: every campaign must end with exactly the
// budgeted number of kernel evaluations, infrastructure faults recorded as infra_error (and retried),
// never as kernel failures, and nothing left running on either side.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { isKernelFault } from "../harness/types.ts";
import { SshRunner } from "../runners/ssh.ts";
import { processesMatching, waitFor } from "../testbed/procs.ts";
import { sshProfile, tinySpec } from "../testbed/remote-device.ts";
import { haveSshd, sshdSkipReason, type SshdFixture } from "../testbed/sshd.ts";
import { runCampaign, type CampaignRun } from "./support/campaign.ts";
import { sshdPerTest } from "./support/sshd-per-test.ts";
import { startProxy, type TcpProxy } from "./support/tcp-proxy.ts";

const FAST = { lane: { probeIntervalMs: 200, maxDownWaitMs: 4_000 }, connections: { connectAttempts: 2, backoffInitialMs: 100 } };
const runnerFor = (profile: HardwareProfile) => new SshRunner(profile, FAST);

function expectExactBudget(run: CampaignRun, device: string, budget: number): void {
  const counted = run.counted(device);
  expect(counted).toHaveLength(budget);
  // None lost or duplicated: every counted evaluation is a different variant.
  expect(new Set(counted.map((r) => r.variantHash)).size).toBe(budget);
  expect(run.outcome.devices.find((d) => d.device === device)?.evaluations).toBe(budget);
}

function expectNoInfraAsKernelFault(run: CampaignRun): void {
  for (const record of run.records) {
    if (!isKernelFault(record.result)) continue;
    expect(JSON.stringify(record.result)).not.toMatch(/connection|HOST_KEY|handshake|ECONNRESET|lost/i);
  }
}

async function expectNothingLeftRunning(sshd: SshdFixture): Promise<void> {
  // Every remote command runs inside the fixture's work dir, so its path marks our processes.
  await waitFor(() => processesMatching(sshd.workDir).length === 0, 15_000, `no process under ${sshd.workDir}`);
}

const { sshd, stopAfterTest } = sshdPerTest();

describe.skipIf(!haveSshd)(`campaigns through faults on a real sshd${sshdSkipReason ? ` (skipped: ${sshdSkipReason})` : ""}`, () => {
  it("finishes the budget exactly when sshd is killed in the middle of a batch and restarted", async () => {
    const host = await sshd();
    const profile = sshProfile(host, "killed-sshd");
    let killed = false;
    const run = await runCampaign({
      spec: tinySpec({ parameters: { UNROLL: [1, 2, 4, 8], BIAS: [0, 1, 2] }, baseline: { UNROLL: 1, BIAS: 0 } }),
      profiles: [profile],
      runnerFor,
      budget: 4,
      onEvent: (event) => {
        if (event.type === "evaluation" && !killed) {
          killed = true;
          void (async () => {
            await host.kill();
            await new Promise((r) => setTimeout(r, 800));
            await host.start();
          })();
        }
      },
    });
    expect(killed).toBe(true);
    expectExactBudget(run, "killed-sshd", 4);
    const infra = run.infra("killed-sshd");
    expect(infra.length).toBeGreaterThan(0);
    for (const r of infra) expect(r.result).toMatchObject({ status: "infra_error", retryable: true });
    expectNoInfraAsKernelFault(run);
    await expectNothingLeftRunning(host);
  });

  it("finishes the budget exactly when the connection is cut in the middle of an SFTP upload", async () => {
    const host = await sshd();
    const proxy: TcpProxy = await startProxy(host.port);
    stopAfterTest(() => proxy.close());
    // The kernel source is ~600 KB, so the cut after 200 KB from the client lands inside its upload.
    proxy.cutAfterUpstreamBytes(200_000);
    const profile = sshProfile(host, "cut-upload", { port: proxy.port });
    const run = await runCampaign({
      spec: tinySpec({ parameters: { UNROLL: [1, 2, 4, 8], BIAS: [0, 1, 2] }, baseline: { UNROLL: 1, BIAS: 0 }, padBytes: 600_000 }),
      profiles: [profile],
      runnerFor,
      budget: 3,
    });
    expect(proxy.cuts).toBe(1);
    expectExactBudget(run, "cut-upload", 3);
    const infra = run.infra("cut-upload");
    expect(infra.length).toBeGreaterThan(0);
    expect(infra.some((r) => r.result.status === "infra_error" && /stage|upload|connection/i.test(r.result.cause))).toBe(true);
    expectNoInfraAsKernelFault(run);
    // The object store holds only complete objects: a cut transfer never becomes an object.
    const objects = `${host.workDir}/objects`;
    for (const name of readdirSync(objects).filter((n) => !n.startsWith(".tmp-"))) {
      expect(createHash("sha256").update(readFileSync(`${objects}/${name}`)).digest("hex")).toBe(name);
    }
    await expectNothingLeftRunning(host);
  });

  it("records a hanging remote kernel as a timeout and kills its remote process group", async () => {
    const host = await sshd();
    const profile = sshProfile(host, "hang");
    const run = await runCampaign({
      spec: tinySpec({ parameters: { UNROLL: [1, 8] }, baseline: { UNROLL: 1 }, unrollHangs: 8, timeLimitSeconds: 2 }),
      profiles: [profile],
      runnerFor,
      budget: 2,
    });
    expectExactBudget(run, "hang", 2);
    const hung = run.counted("hang").find((r) => r.params.UNROLL === 8)!;
    expect(hung.result).toMatchObject({ status: "timeout", phase: "variant", limitMs: 2_000 });
    expect(run.infra("hang")).toHaveLength(0);
    await expectNothingLeftRunning(host);
  });

  it("refuses a device whose host key changed, records no kernel fault for it, and finishes the budget on the other", async () => {
    const good = await sshd();
    const changed = await sshd();
    const goodProfile = sshProfile(good, "good-host");
    const changedProfile = sshProfile(changed, "changed-key");
    changed.rotateHostKey();
    await changed.kill();
    await changed.start();
    const runners: SshRunner[] = [];
    const run = await runCampaign({
      spec: tinySpec({ parameters: { UNROLL: [1, 2, 4, 8], BIAS: [0, 1, 2] }, baseline: { UNROLL: 1, BIAS: 0 } }),
      profiles: [goodProfile, changedProfile],
      runnerFor: (p) => {
        const r = new SshRunner(p, FAST);
        runners.push(r);
        return r;
      },
      budget: 3,
    });
    expectExactBudget(run, "good-host", 3);
    expect(run.counted("changed-key")).toHaveLength(0);
    const refused = run.records.filter((r) => r.device === "changed-key");
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.result).toMatchObject({ status: "infra_error", retryable: false });
      expect(r.result.status === "infra_error" && r.result.cause).toMatch(/HOST_KEY_MISMATCH: host key of 127\.0\.0\.1:\d+: expected SHA256:\S+, received SHA256:\S+/);
    }
    expect(runners.find((r) => r.device.name === "changed-key")!.status().state).toBe("refused");
    await expectNothingLeftRunning(good);
  });

  it("marks a host that accepts connections but never speaks as down and finishes the budget on the other device", async () => {
    const good = await sshd();
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    stopAfterTest(async () => { for (const s of sockets) s.destroy(); await new Promise((r) => silent.close(r)); });
    const port = (silent.address() as { port: number }).port;
    const runners: SshRunner[] = [];
    const run = await runCampaign({
      spec: tinySpec({ parameters: { UNROLL: [1, 2, 4, 8], BIAS: [0, 1, 2] }, baseline: { UNROLL: 1, BIAS: 0 } }),
      profiles: [sshProfile(good, "good-host"), sshProfile(good, "silent-host", { port, connectTimeoutMs: 600 })],
      runnerFor: (p) => {
        const r = new SshRunner(p, { ...FAST, lane: { ...FAST.lane, maxDownWaitMs: 1_000 } });
        runners.push(r);
        return r;
      },
      budget: 3,
    });
    expectExactBudget(run, "good-host", 3);
    expect(run.counted("silent-host")).toHaveLength(0);
    const infra = run.infra("silent-host");
    expect(infra.length).toBeGreaterThan(0);
    expect(infra.every((r) => r.result.status === "infra_error" && r.result.retryable)).toBe(true);
    expect(infra.some((r) => r.result.status === "infra_error" && /expected an SSH handshake within 600 ms|is down/.test(r.result.cause))).toBe(true);
    const silentStatus = runners.find((r) => r.device.name === "silent-host")!.status();
    expect(silentStatus.infraFaults).toBeGreaterThan(0);
    expect(silentStatus.evaluations).toBe(0);
    await expectNothingLeftRunning(good);
  });
});
