// The critic's verdicts on real measurements: the fast fixture kernel built with gcc and run through the
// real LocalRunner, results in a real SQLite store. A scripted planner (the policy injection point the
// model planners use) decides exactly what each round tries, so each verdict is forced to happen.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CampaignEvent } from "../agents/context.ts";
import { startCampaign, type CampaignRequest } from "../graphs/run-campaign.ts";
import { openStore } from "../results/store.ts";
import type { Params } from "../specs/schema.ts";
import { ScriptedPlanner } from "./support/scripted-planner.ts";

const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const dir = mkdtempSync(join(tmpdir(), "nightshift-critic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plain = (UNROLL: number, PASSES: number): Params => ({ UNROLL, PASSES, FLAVOR: "plain" });
const broken = (UNROLL: number, PASSES: number): Params => ({ UNROLL, PASSES, FLAVOR: "broken" });

async function campaign(name: string, rounds: Params[][], request: Partial<CampaignRequest>) {
  const planner = new ScriptedPlanner(rounds, "model");
  const events: CampaignEvent[] = [];
  const dbPath = join(dir, `${name}.db`);
  const outcome = await startCampaign(
    { specDir: SPEC, devices: ["local"], batchSize: 2, seed: 1, ...request },
    { dbPath, plannerFor: () => planner, onEvent: (e) => events.push(e) },
  );
  const store = openStore(dbPath, { mustExist: true });
  const evaluations = store.evaluations(outcome.campaignId);
  const ledger = store.ledger(outcome.campaignId);
  store.close();
  return { outcome, events, evaluations, ledger, planner };
}

describe("the critic on real measurements", () => {
  it("never lets a regression replace the incumbent", async () => {
    // Baseline PASSES=16, then PASSES=1 (16x less work), then two slower variants.
    const { outcome, events, evaluations } = await campaign("regression", [[plain(1, 1)], [plain(1, 4), plain(2, 16)]], { budget: 4 });
    expect(evaluations.filter((e) => e.purpose === "explore").map((e) => e.params.PASSES).sort()).toEqual([1, 16, 16, 4].sort());
    expect(outcome.best?.params).toEqual(plain(1, 1));
    const rejected = events.filter((e) => e.type === "rejected");
    expect(rejected).toHaveLength(1);
    // Usually its own median says so; when noise on a loaded machine makes it look faster, the interleaved
    // confirmation against the incumbent does.
    expect(rejected[0]).toMatchObject({ type: "rejected", reason: expect.stringMatching(/is not faster than the incumbent|slower than the incumbent when interleaved/) });
    expect(outcome.speedup).toBeGreaterThan(2);
  });

  it("re-measures a new best interleaved with the incumbent, outside the budget, and reports the CI it accepted on", async () => {
    // A 16x gain is far outside the noise, and is still confirmed before it is accepted.
    const { outcome, events, evaluations } = await campaign("close-call", [[plain(1, 1)]], {
      budget: 2,
      tuning: { confirmPairs: 2 },
    });
    const confirms = evaluations.filter((e) => e.purpose === "confirm");
    const candidate = evaluations.find((e) => e.purpose === "explore" && e.params.PASSES === 1)!.variantHash;
    const incumbent = evaluations.find((e) => e.purpose === "explore" && e.params.PASSES === 16)!.variantHash;
    expect(confirms.map((e) => e.variantHash)).toEqual([candidate, incumbent, candidate, incumbent]);
    expect(confirms.every((e) => e.status === "ok")).toBe(true);
    expect(outcome.evaluations).toBe(2);
    expect(outcome.devices[0]!.confirms).toBe(4);
    const accepted = events.filter((e): e is Extract<CampaignEvent, { type: "accepted" }> => e.type === "accepted").at(-1)!;
    expect(accepted.incumbent.variantHash).toBe(candidate);
    expect(accepted.reason).toMatch(/after interleaved confirmation: improvement \d+\.\d% \(95% CI \d+\.\d%\.\.\d+\.\d%\), won 2\/2/);
    // The accepted time comes from the interleaved runs, with their interval.
    expect(outcome.best!.ci[0]).toBeLessThanOrEqual(outcome.best!.medianMs);
    expect(outcome.best!.ci[1]).toBeGreaterThanOrEqual(outcome.best!.medianMs);
  });

  it("learns the failing setting from two failures, tests it once, and never pays for it again", async () => {
    const { outcome, evaluations, ledger, planner } = await campaign(
      "ledger",
      [
        [broken(1, 4), plain(2, 1)],
        [broken(4, 1), plain(2, 4)],
        // A third broken variant (blamed by the ledger) and the baseline again (already measured).
        [broken(2, 4), plain(1, 16), plain(4, 4)],
        [broken(1, 1), plain(1, 4)],
      ],
      { budget: 8 },
    );
    const explore = evaluations.filter((e) => e.purpose === "explore");
    // The third compile error is the ledger's probe (agents/ledger-probe.ts), beside the planner's proposals
    // in the round after the blame: the broken configuration least like the two failures. It fails too, so the
    // blame stands and the fourth round's broken proposal is dropped.
    expect(explore.filter((e) => e.status === "compile_error").map((e) => e.params)).toEqual([broken(1, 4), broken(4, 1), broken(2, 16)]);
    expect(explore.map((e) => e.params).slice(5)).toEqual([broken(2, 16), plain(4, 4), plain(1, 4)]);
    expect(explore.some((e) => e.params.UNROLL === 2 && e.params.PASSES === 4 && e.params.FLAVOR === "broken")).toBe(false);
    expect(explore.some((e) => e.params.UNROLL === 1 && e.params.PASSES === 1 && e.params.FLAVOR === "broken")).toBe(false);
    expect(explore.filter((e) => e.params.PASSES === 16 && e.params.UNROLL === 1)).toHaveLength(1);
    const learned = ledger.find((e) => Object.keys(e.pattern).length === 1);
    expect(learned).toMatchObject({ status: "compile_error", pattern: { FLAVOR: "broken" }, occurrences: 2 });
    expect(learned!.message).toContain("#error");
    // The planner was shown the lesson before the third round, and it still stood before the fourth.
    expect(planner.asked[2]!.ledger.some((e) => e.pattern.FLAVOR === "broken" && Object.keys(e.pattern).length === 1)).toBe(true);
    expect(planner.asked[3]!.ledger.some((e) => e.pattern.FLAVOR === "broken" && Object.keys(e.pattern).length === 1)).toBe(true);
    // Only verified variants become incumbent: the best is a plain one.
    expect(outcome.best?.params.FLAVOR).toBe("plain");
    expect(outcome.evaluations).toBe(8);
    expect(outcome.devices[0]!.failures).toEqual({ compile_error: 3 });
  });
});
