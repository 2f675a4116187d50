// Transfer between devices: a campaign on a new device starts from what is known about the same kernel
// elsewhere, both from earlier campaigns in the store and from tuning-data files given with --prior.
// Real graph, store and replay runners over the recorded convolution spaces; the default strategy is
// wrapped only to see what it is given.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StrategyPlanner } from "../agents/offline-planner.ts";
import { startCampaign } from "../graphs/run-campaign.ts";
import { openStore } from "../results/store.ts";
import type { PriorData, Strategy } from "../strategies/types.ts";

const DATA = join(import.meta.dirname, "..", "data", "spaces");
const T1 = join(DATA, "t1", "convolution_milo.json");
const dir = mkdtempSync(join(tmpdir(), "nightshift-priors-"));
const dbPath = join(dir, "store.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The strategy as it is, remembering the priors of every proposal it was asked for. */
function watched(strategy: Strategy, seen: Array<readonly PriorData[] | undefined>): Strategy {
  return {
    name: strategy.name,
    propose: (input) => {
      seen.push(input.priors);
      return strategy.propose(input);
    },
  };
}

describe("priors for a campaign on a new device", () => {
  it("hands the strategy the store's results on other devices and the --prior files' measurements", async () => {
    const first = await startCampaign({ specDir: T1, devices: [`replay:${join(DATA, "convolution", "A4000.json.gz")}`], budget: 6, seed: 2 }, { dbPath });

    const seen: Array<readonly PriorData[] | undefined> = [];
    const second = await startCampaign(
      { specDir: T1, devices: [`replay:${join(DATA, "convolution", "MI250X.json.gz")}`], budget: 6, seed: 2, priorFiles: [join(DATA, "convolution", "A100.json.gz")] },
      { dbPath, plannerFor: (_profile, strategy) => new StrategyPlanner(watched(strategy, seen)) },
    );
    expect(second.evaluations).toBe(6);
    expect(seen.length).toBeGreaterThan(0);

    const store = openStore(dbPath, { mustExist: true });
    const earlier = store.evaluations(first.campaignId, { purpose: "explore" });
    const mine = store.evaluations(second.campaignId).map((e) => e.device);
    store.close();
    const priors = seen[0]!;
    expect(priors.map((p) => p.device)).toEqual(["replay-A4000", "NVIDIA A100-PCIE-40GB"]);
    // From the store: one observation per configuration measured before, the median or null for a failure.
    expect(priors[0]!.observations).toEqual(earlier.map((e) => ({ config: e.params, value: e.status === "ok" ? e.medianMs : null })));
    // From the file: every recorded configuration, in the spec's terms.
    expect(priors[1]!.observations.length).toBe(4362);
    expect(priors[1]!.observations.every((o) => o.config.filter_height === 15 && (o.value === null || o.value > 0))).toBe(true);
    // The device being tuned is never its own prior, even as its history grows.
    expect(seen.every((p) => !p!.some((d) => mine.includes(d.device)))).toBe(true);
  });
});
