// Infrastructure faults (an SSH drop, a busy device) are properties of the device, not of the kernel:
// retried with backoff, recorded, never counted against the budget. The device here is the real
// LocalRunner behind a gate that turns chosen calls into infra_error results, as a dropped link would.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resumeCampaign, startCampaign } from "../graphs/run-campaign.ts";
import type { EvalResult, Variant } from "../harness/types.ts";
import { openStore } from "../results/store.ts";
import { createRunner } from "../runners/factory.ts";
import type { Runner } from "../runners/types.ts";

const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const dir = mkdtempSync(join(tmpdir(), "nightshift-infra-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Variants for which `drop` says so get an infra_error without reaching the device; the rest run for real. */
function gated(runner: Runner, drop: (variant: Variant) => boolean): Runner {
  return {
    device: runner.device,
    async run(batch, options) {
      const dropped = new Set(batch.filter(drop).map((v) => v.hash));
      const now = new Date().toISOString();
      const lost = new Map<string, EvalResult>();
      for (const v of batch.filter((v) => dropped.has(v.hash))) {
        const result: EvalResult = { variantHash: v.hash, device: runner.device.name, startedAt: now, finishedAt: now, seed: 0, status: "infra_error", cause: "connection reset by peer", retryable: true };
        lost.set(v.hash, result);
        await options?.onResult?.(result);
      }
      const reached = await runner.run(batch.filter((v) => !dropped.has(v.hash)), options);
      const byHash = new Map(reached.map((r) => [r.variantHash, r]));
      return batch.map((v) => lost.get(v.hash) ?? byHash.get(v.hash)!);
    },
    close: () => runner.close(),
  };
}

describe("infrastructure errors", () => {
  it("are retried, recorded and never counted against the kernel or the budget", async () => {
    const dbPath = join(dir, "retry.db");
    const attempts = new Map<string, number>();
    const firstAttemptFails = (v: Variant): boolean => {
      attempts.set(v.hash, (attempts.get(v.hash) ?? 0) + 1);
      return attempts.get(v.hash) === 1;
    };
    const outcome = await startCampaign(
      { specDir: SPEC, devices: ["local"], budget: 3, seed: 5, batchSize: 2, tuning: { retryDelaysMs: [10, 20] } },
      { dbPath, runnerFor: (profile) => gated(createRunner(profile), firstAttemptFails) },
    );
    expect(outcome.stopReason).toBe("budget");
    expect(outcome.evaluations).toBe(3);
    expect(outcome.devices[0]!.infraErrors).toBe(3);
    expect(outcome.devices[0]!.failures).not.toHaveProperty("infra_error");
    const store = openStore(dbPath, { mustExist: true });
    const explore = store.evaluations(outcome.campaignId, { purpose: "explore" });
    store.close();
    const infra = explore.filter((e) => e.status === "infra_error");
    const verdicts = explore.filter((e) => e.status !== "infra_error");
    expect(infra).toHaveLength(3);
    expect(verdicts).toHaveLength(3);
    // Every variant's dropped attempt is followed by its one real verdict.
    expect(new Set(infra.map((e) => e.variantHash))).toEqual(new Set(verdicts.map((e) => e.variantHash)));
    for (const v of verdicts) expect(explore.findIndex((e) => e.variantHash === v.variantHash)).toBeLessThan(explore.indexOf(v));
  });

  it("stop an unreachable device without spending its budget, and resume continues once it is back", async () => {
    const dbPath = join(dir, "down.db");
    let down = true;
    const runnerFor = (profile: Parameters<typeof createRunner>[0]) => gated(createRunner(profile), () => down);
    const first = await startCampaign(
      { specDir: SPEC, devices: ["local"], budget: 2, seed: 5, tuning: { retryDelaysMs: [5], maxInfraRounds: 2 } },
      { dbPath, runnerFor },
    );
    expect(first.stopReason).toBe("device_down");
    expect(first.evaluations).toBe(0);
    expect(first.devices[0]!.infraErrors).toBe(4);
    expect(first.state).toBe("running");

    down = false;
    const second = await resumeCampaign(first.campaignId, { dbPath, runnerFor });
    expect(second.state).toBe("finished");
    expect(second.stopReason).toBe("budget");
    expect(second.evaluations).toBe(2);
    expect(second.baseline?.params).toEqual({ UNROLL: 1, PASSES: 16, FLAVOR: "plain" });
  });
});
