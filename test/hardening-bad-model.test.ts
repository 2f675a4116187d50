// Issue #12, class 9: a chat model whose every proposal is a duplicate or unusable must not end the night
// early. Its refused proposals are filled by the offline strategy, the campaign spends exactly its budget,
// and the report says how many model proposals were refused and why. Real model clients talk to the
// stand-in service; the runner is scripted so the verdicts do not depend on this machine's load.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeReport } from "../results/report.ts";
import { openStore } from "../results/store.ts";
import { getStrategy } from "../strategies/registry.ts";
import { runModelCampaign } from "./support/model-campaign.ts";
import { startModelStandin, type ModelStandin } from "./support/model-standin.ts";
import { around, scriptedRunner } from "./support/scripted-runner.ts";
import { FAST_KERNEL } from "./support/spec-copy.ts";

const PROFILE = join(import.meta.dirname, "fixtures", "test-local-profile.json");
const TEMPLATE = readFileSync(join(FAST_KERNEL, "scale.c"), "utf8");
const BASE = { UNROLL: 1, PASSES: 16, FLAVOR: "plain" };
const BUDGET = 6;

const dir = mkdtempSync(join(tmpdir(), "nightshift-bad-model-"));
let standin: ModelStandin;
beforeEach(async () => {
  standin = await startModelStandin();
});
afterEach(async () => {
  await standin.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plan = (...experiments: object[]) => ({ kind: "tool" as const, args: { experiments: experiments.map((e) => ({ rationale: "try it", ...e })) } });
const rewrite = (source: string) => ({ kind: "tool" as const, args: { source, summary: "rewrite" } });

describe("a campaign whose model proposes nothing usable", () => {
  it("spends exactly its budget on the offline strategy's proposals and reports every refused one", async () => {
    // Round 1 measures the baseline without the planner; each later round asks the model once.
    standin.script(
      "openai",
      plan({ params: BASE }, { params: { UNROLL: 3 } }, { params: { BOGUS: 1 } }),
      plan({ params: BASE, idea: "Unroll by hand." }),
      plan({ params: BASE, idea: "Drop the loop." }),
      plan({ params: BASE, idea: "Unroll by hand, again." }),
      plan({ params: BASE }, { params: { UNROLL: 1, PASSES: 16, FLAVOR: "fancy" } }),
    );
    // Rewrites that are the template itself (the baseline's hash: duplicates) and one that defines no kernel.
    // Three rounds in a row without a usable model proposal used to stop the campaign as "exhausted".
    standin.script("anthropic", rewrite(TEMPLATE), rewrite("int nothing_here;\n"), rewrite(TEMPLATE));

    const dbPath = join(dir, "store.db");
    const { outcome } = await runModelCampaign({
      models: { plannerModel: "openai:gpt-4o", coderModel: "anthropic:claude-sonnet-4-5", modelRetries: "0" },
      env: { OPENAI_API_KEY: "sk-test-0123456789", ANTHROPIC_API_KEY: "sk-ant-test-0123456789", OPENAI_BASE_URL: standin.openaiBaseUrl, ANTHROPIC_BASE_URL: standin.anthropicBaseUrl },
      strategy: getStrategy("random"),
      request: { specDir: FAST_KERNEL, devices: [PROFILE], budget: BUDGET, batchSize: 1, seed: 5, tuning: { confirmPairs: 1 } },
      dbPath,
      // Every variant runs: two failures sharing a setting would make the ledger blame it and spend a round of
      // this one-variant batch on testing the blame (agents/ledger-probe.ts), and this test is about the model.
      runnerFor: (profile) => scriptedRunner(profile, (variant) => around(Number(variant.params.PASSES) / Number(variant.params.UNROLL))),
    });
    expect(standin.unscripted).toBe(0);
    expect(standin.pending("openai") + standin.pending("anthropic")).toBe(0);
    expect(outcome.stopReason).toBe("budget");
    expect(outcome.evaluations).toBe(BUDGET);

    const store = openStore(dbPath);
    try {
      expect(store.evaluations(outcome.campaignId, { purpose: "explore" }).filter((e) => e.status !== "infra_error")).toHaveLength(BUDGET);
      expect(store.refusedProposals(outcome.campaignId).map((r) => `${r.role}:${r.reason}`)).toEqual([
        "planner:already_measured",
        "planner:value_not_allowed",
        "planner:unknown_parameter",
        "coder:duplicate",
        "coder:no_variant",
        "coder:duplicate",
        "planner:already_measured",
        "planner:value_not_allowed",
      ]);
      const report = readFileSync(writeReport(store, outcome.campaignId, join(dir, "report")).markdownPath, "utf8");
      expect(report).toContain(
        "Model proposals refused: 8 (planner already_measured 2, planner value_not_allowed 2, coder duplicate 2, planner unknown_parameter 1, coder no_variant 1); the offline strategy filled their places in each batch.",
      );
    } finally {
      store.close();
    }
  });
});
