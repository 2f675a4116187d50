// Each stop rule ends a real campaign (fast fixture kernel, real LocalRunner, real store) and the
// outcome says which rule it was.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { PlannerPolicy, Proposal } from "../agents/types.ts";
import { startCampaign, type CampaignOptions, type CampaignRequest } from "../graphs/run-campaign.ts";
import { openStore } from "../results/store.ts";
import type { Params } from "../specs/schema.ts";

const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const dir = mkdtempSync(join(tmpdir(), "nightshift-stop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scripted(rounds: Params[][]): PlannerPolicy {
  let asked = 0;
  return { name: "scripted", plan: async (): Promise<Proposal[]> => (rounds[asked++] ?? []).map((params) => ({ params, proposedBy: "strategy" })) };
}

let n = 0;
const run = (request: Partial<CampaignRequest>, options: CampaignOptions = {}) =>
  startCampaign({ specDir: SPEC, devices: ["local"], seed: 1, batchSize: 1, ...request }, { dbPath: join(dir, `stop-${n++}.db`), ...options });

describe("stop rules", () => {
  it("stops on the time budget, with budget left", async () => {
    const outcome = await run({ budget: 50, timeBudgetSeconds: 1 });
    expect(outcome.stopReason).toBe("time");
    expect(outcome.evaluations).toBeGreaterThanOrEqual(1);
    expect(outcome.evaluations).toBeLessThan(50);
  });

  it("stops when progress stalls: no accepted improvement over K evaluations", async () => {
    const failing = [{ UNROLL: 1, PASSES: 1, FLAVOR: "broken" }, { UNROLL: 2, PASSES: 1, FLAVOR: "broken" }, { UNROLL: 4, PASSES: 1, FLAVOR: "plain" }];
    const outcome = await run({ budget: 10, tuning: { stallAfter: 2 } }, { plannerFor: () => scripted(failing.map((p) => [p])) });
    expect(outcome.stopReason).toBe("stalled");
    // The baseline is the last accepted variant; two failures later the device stops, before the third proposal.
    expect(outcome.evaluations).toBe(3);
    expect(outcome.best?.params).toEqual({ UNROLL: 1, PASSES: 16, FLAVOR: "plain" });
  });

  it("stops when the planner has nothing left to try", async () => {
    const outcome = await run({ budget: 10 }, { plannerFor: () => scripted([[{ UNROLL: 1, PASSES: 1, FLAVOR: "plain" }]]) });
    expect(outcome.stopReason).toBe("exhausted");
    expect(outcome.evaluations).toBe(2);
  });

  it("stops when the best is within the configured fraction of the device's roofline floor", async () => {
    const dbPath = join(dir, "roofline.db");
    // The fixture's floor is a few microseconds; a fraction of 1000 means "within 1001x of the floor".
    const outcome = await startCampaign(
      { specDir: SPEC, devices: ["local"], seed: 1, batchSize: 1, budget: 10, tuning: { rooflineFraction: 1000 } },
      { dbPath, plannerFor: () => scripted([[{ UNROLL: 1, PASSES: 1, FLAVOR: "plain" }], [{ UNROLL: 2, PASSES: 1, FLAVOR: "plain" }]]) },
    );
    const store = openStore(dbPath, { mustExist: true });
    const first = store.evaluations(outcome.campaignId)[0]!;
    store.close();
    const floorMs = first.result.status === "ok" ? first.result.roofline?.floorMs ?? 0 : 0;
    expect(floorMs).toBeGreaterThan(0);
    expect(outcome.stopReason).toBe("roofline");
    // Without the rule the planner's two proposals would both be measured (3 evaluations, then "exhausted").
    expect(outcome.evaluations).toBeLessThanOrEqual(2);
    expect(outcome.best!.medianMs).toBeLessThanOrEqual(floorMs * 1001);
  });
});
