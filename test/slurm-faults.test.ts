// A Slurm job cancelled from outside during a real campaign: the evaluation it belonged to is recorded as
// a retryable infra_error, retried, and the campaign still ends with exactly its budget of evaluations.

import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKernelFault } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { SlurmRunner } from "../runners/slurm.ts";
import { processesMatching, timedRunsUnder, waitFor } from "../testbed/procs.ts";
import { slurmProfile, tinySpec } from "../testbed/remote-device.ts";
import { haveSlurm, slurmSkipReason, startSlurm, type SlurmFixture } from "../testbed/slurm.ts";
import { runCampaign } from "./support/campaign.ts";

describe.skipIf(!haveSlurm)(`campaigns on a real single-node Slurm${slurmSkipReason ? ` (skipped: ${slurmSkipReason})` : ""}`, () => {
  let slurm: SlurmFixture;
  const env = () => ({ ...process.env, ...slurm.env });
  const squeue = () => execFileSync("squeue", ["-h", "-o", "%i %T"], { env: env(), encoding: "utf8" }).trim();

  beforeAll(async () => {
    slurm = await startSlurm();
  });
  afterAll(async () => {
    await slurm?.stop();
  });

  it("retries an evaluation whose job was cancelled from outside and finishes the budget exactly", async () => {
    let cancelled: string | null = null;
    const watcher = setInterval(() => {
      if (cancelled) return;
      const running = squeue().split("\n").find((l) => l.endsWith(" RUNNING"));
      if (!running) return;
      cancelled = running.split(" ")[0]!;
      execFileSync("scancel", [cancelled], { env: env() });
    }, 100);
    const runners: SlurmRunner[] = [];
    try {
      const run = await runCampaign({
        spec: tinySpec({ parameters: { UNROLL: [1, 2, 4, 8] }, baseline: { UNROLL: 1 } }),
        profiles: [slurmProfile(slurm.workDir, slurm.partition, "slurm-node")],
        runnerFor: (p) => {
          const r = new SlurmRunner(p, { clientEnv: slurm.env, lane: { probeIntervalMs: 200 } });
          runners.push(r);
          return r;
        },
        budget: 2,
      });
      expect(cancelled).not.toBeNull();
      const counted = run.counted("slurm-node");
      expect(counted).toHaveLength(2);
      expect(new Set(counted.map((r) => r.variantHash)).size).toBe(2);
      const infra = run.infra("slurm-node");
      expect(infra.length).toBeGreaterThan(0);
      expect(infra.some((r) => r.result.status === "infra_error" && r.result.retryable && r.result.cause.includes(`job ${cancelled} ended as CANCELLED`))).toBe(true);
      // The retried variant got a real verdict afterwards.
      const retried = infra[0]!.variantHash;
      expect(run.records.some((r) => r.variantHash === retried && r.status !== "infra_error")).toBe(true);
      for (const r of run.records) if (isKernelFault(r.result)) expect(JSON.stringify(r.result)).not.toContain("CANCELLED");
    } finally {
      clearInterval(watcher);
    }
    expect(squeue()).toBe("");
    await waitFor(() => processesMatching(slurm.workDir).length === 0, 15_000, `no process under ${slurm.workDir}`);
  });

  it("cancels its jobs when the campaign stops, returning the stopped variant as a retryable infra error", async () => {
    const spec = tinySpec({ parameters: { UNROLL: [1, 8] }, baseline: { UNROLL: 1 }, unrollHangs: 8, timeLimitSeconds: 120 });
    const runner = new SlurmRunner(slurmProfile(slurm.workDir, slurm.partition, "slurm-stop"), { clientEnv: slurm.env });
    const controller = new AbortController();
    const running = runner.run([makeVariant(spec, { UNROLL: 8 })], { signal: controller.signal });
    // The build jobs come first; the variant's own job is the one whose command runs the monitor.
    await waitFor(() => timedRunsUnder(slurm.workDir).length > 0, 60_000, "the hanging variant's job to run");
    controller.abort();
    const [result] = await running;
    await runner.close();
    expect(result).toMatchObject({ status: "infra_error", retryable: true });
    await waitFor(() => squeue() === "" && processesMatching(slurm.workDir).length === 0, 15_000, "the cancelled job to be gone");
  });
});
