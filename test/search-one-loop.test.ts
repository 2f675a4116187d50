// One replay loop: the strategy benchmark scores campaigns, not a loop of its own. A benchmark run and a
// campaign started as a user starts one (T1 spec, replay device profile, --prior files, the store, the
// checkpoints) make the same decisions, evaluation by evaluation, confirmation by confirmation.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { priorFromData } from "../agents/priors.ts";
import { runReplayCampaign, type ReplayDecisions } from "../graphs/replay-campaign.ts";
import { startCampaign } from "../graphs/run-campaign.ts";
import { transferPartners } from "../graphs/strategy-bench.ts";
import { openStore } from "../results/store.ts";
import { loadReplayData } from "../spaces/load.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import { specFromSpaceFile } from "../spaces/space-spec.ts";
import type { Params } from "../specs/schema.ts";
import { getStrategy } from "../strategies/registry.ts";

const DATA = join(import.meta.dirname, "..", "data", "spaces");
const dir = mkdtempSync(join(tmpdir(), "nightshift-one-loop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The decisions of a campaign as its store recorded them. */
function storedDecisions(dbPath: string, id: string, key: (params: Params) => string): ReplayDecisions {
  const store = openStore(dbPath, { mustExist: true });
  try {
    const all = store.evaluations(id).filter((e) => e.status !== "infra_error");
    return {
      explore: all.filter((e) => e.purpose === "explore").map((e) => ({ key: key(e.params), status: e.status })),
      confirms: all.filter((e) => e.purpose === "confirm").map((e) => key(e.params)),
      verdicts: store.incumbents(id).map((a) => a.verdict),
    };
  } finally {
    store.close();
  }
}

describe("the strategy benchmark runs the campaign loop", () => {
  it.each([
    { space: "pnpoly/RTX_3090", t1: "pnpoly", others: [] as string[], seed: 3, budget: 48 },
    { space: "convolution/MI250X", t1: "convolution_milo", others: ["convolution/A100", "convolution/A4000"], seed: 5, budget: 40 },
  ])("makes the decisions a campaign makes on $space with the same seed", async ({ space, t1, others, seed, budget }) => {
    const file = join(DATA, `${space}.json.gz`);
    const t1File = join(DATA, "t1", `${t1}.json`);
    const priorFiles = others.map((o) => join(DATA, `${o}.json.gz`));
    const profile = join(dir, `${space.replace("/", "-")}.json`);
    writeFileSync(profile, JSON.stringify({ name: "replay-noisy", kind: "gpu", reach: { via: "replay", file, noisy: true } }));
    const dbPath = join(dir, `${space.replace("/", "-")}.db`);
    const campaign = await startCampaign({ specDir: t1File, devices: [profile], budget, seed, batchSize: 8, strategy: "hybrid", priorFiles }, { dbPath });

    const data = loadReplayData(file);
    const spec = specFromSpaceFile(t1File, [data]);
    const priors = transferPartners(data, priorFiles.map((f) => loadReplayData(f))).map((d) => priorFromData(d, spaceFromSpec(spec)));
    const bench = await runReplayCampaign({ data, spec, strategy: getStrategy("hybrid"), seed, budget, batch: 8, noisy: true, priors });

    const decisions = storedDecisions(dbPath, campaign.campaignId, (params) => data.space.key(params));
    expect(bench.decisions.explore).toHaveLength(budget);
    // The critic confirmed at least one new best, so the comparison covers confirmations and verdicts too.
    expect(decisions.confirms.length).toBeGreaterThan(0);
    expect(bench.decisions).toEqual(decisions);
    expect(bench.trace).toEqual(decisions.explore.map((e) => data.entries.get(e.key)!.value));
  });
});
