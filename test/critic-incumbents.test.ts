// The report and the dispatch files follow the critic's decisions, not merely the fastest-looking median.
// A candidate that really does twice the work gets two runs in quiet moments (its first run and its last
// confirmation run read 20% faster than the incumbent). The critic sees through it (it loses the other
// interleaved pairs); the files must say what the critic said. The device is scripted (real-shaped
// results with chosen samples) so the verdict does not depend on the machine's load; real gcc runs of
// the critic are in critic-campaign.test.ts.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CampaignEvent } from "../agents/context.ts";
import { TemplateCoder } from "../agents/offline-coder.ts";
import type { CoderInput, CoderOutput, CoderPolicy, PlannerPolicy, Proposal } from "../agents/types.ts";
import { startCampaign } from "../graphs/run-campaign.ts";
import { makeVariant } from "../harness/variant.ts";
import { writeReport } from "../results/report.ts";
import { openStore } from "../results/store.ts";
import { loadSpec } from "../specs/load.ts";
import { around, scriptedRunner } from "./support/scripted-runner.ts";

const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const PROFILE = join(import.meta.dirname, "fixtures", "test-local-profile.json");
const BASE = { UNROLL: 1, PASSES: 16, FLAVOR: "plain" };
const SLOW = readFileSync(join(SPEC, "scale.c"), "utf8").replace("pass < PASSES;", "pass < 2 * PASSES;");
const IDEA = "Run every pass twice to warm the caches.";
const dir = mkdtempSync(join(tmpdir(), "nightshift-critic-incumbents-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Proposes the idea once (after the baseline), then nothing. */
const planner: PlannerPolicy = {
  name: "one-idea",
  plan: async (input) => (input.history.length === 1 ? [{ params: BASE, idea: IDEA, proposedBy: "model" } satisfies Proposal] : []),
};

/** Applies the idea: the source with twice the passes (correct output, twice the time). */
const coder: CoderPolicy = {
  name: "doubling",
  write: async (input: CoderInput): Promise<CoderOutput> =>
    input.proposal.idea === undefined ? new TemplateCoder().write(input) : { ok: true, source: SLOW, summary: "two passes per pass", origin: "model" },
};

describe("the critic's incumbents in the store", () => {
  it("keeps a lucky candidate it rejected as noise out of the report's best and the dispatch JSON", async () => {
    const spec = loadSpec(SPEC);
    const baseline = makeVariant(spec, BASE).hash;
    const candidate = makeVariant(spec, BASE, { source: SLOW, origin: "model" }).hash;
    const dbPath = join(dir, "store.db");
    const events: CampaignEvent[] = [];
    const outcome = await startCampaign(
      { specDir: SPEC, devices: [PROFILE], budget: 2, batchSize: 1, seed: 1, tuning: { confirmPairs: 3 } },
      {
        dbPath,
        plannerFor: () => planner,
        coder,
        // The candidate's runs 1 and 4 (its exploration and last confirmation) are the lucky ones.
        runnerFor: (profile) => scriptedRunner(profile, (v, visit) => around(v.hash !== candidate ? 1.0 : visit === 1 || visit === 4 ? 0.8 : 1.1)),
        onEvent: (e) => events.push(e),
      },
    );

    const rejected = events.find((e): e is Extract<CampaignEvent, { type: "rejected" }> => e.type === "rejected");
    expect(rejected).toMatchObject({ variantHash: candidate, reason: expect.stringMatching(/^not accepted .*: .*won 1\/3 interleaved pairs/) });
    expect(outcome.best?.variantHash).toBe(baseline);

    const store = openStore(dbPath, { mustExist: true });
    try {
      expect(store.incumbents(outcome.campaignId).map((a) => a.incumbent.variantHash)).toEqual([baseline]);
      // What a report built on the fastest latest median alone would have picked: the lucky candidate.
      const latest = (hash: string) => store.evaluations(outcome.campaignId).filter((e) => e.variantHash === hash && e.status === "ok").at(-1)!.medianMs!;
      expect(latest(candidate)).toBeLessThan(latest(baseline));

      const files = writeReport(store, outcome.campaignId, join(dir, "report"));
      const dispatch = JSON.parse(readFileSync(files.jsonPath, "utf8"));
      expect(dispatch.devices["test-local"].variantHash).toBe(baseline);
      expect(JSON.stringify(dispatch)).not.toContain(candidate);
      const markdown = readFileSync(files.markdownPath, "utf8");
      expect(markdown).toContain(`- Best verified variant (UNROLL=1, PASSES=16, FLAVOR=plain), \`${baseline}\``);
      expect(markdown).toContain(`- Accepted by the critic: first verified variant ${baseline}`);
    } finally {
      store.close();
    }
  });
});
