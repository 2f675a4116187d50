// The model budget belongs to the campaign, not to the process: a campaign killed after spending it and
// then resumed makes no further model call. Both sessions are built the way `nightshift run` and
// `nightshift resume` build them (cli/policies.ts), on the fast C fixture built with gcc.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { campaignPolicies } from "../cli/policies.ts";
import { resumeCampaign, startCampaign } from "../graphs/run-campaign.ts";
import type { ModelOptions } from "../llm/options.ts";
import { openStore } from "../results/store.ts";
import { startModelStandin, type ModelStandin } from "./support/model-standin.ts";

const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const dir = mkdtempSync(join(tmpdir(), "nightshift-llm-resume-budget-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let standin: ModelStandin;
beforeEach(async () => {
  vi.stubEnv("OPENAI_API_KEY", "sk-test-openai-0123456789");
  standin = await startModelStandin();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await standin.stop();
});

const diagnosis = { kind: "tool" as const, args: { bottleneck: "compute_throughput", evidence: "repeated passes", suggestion: "fewer passes" }, usage: { input: 500, output: 50 } };
const plan = {
  kind: "tool" as const,
  args: { experiments: [{ params: { UNROLL: 2, PASSES: 4, FLAVOR: "plain" }, rationale: "fewer passes", expectedEffect: "faster" }] },
  usage: { input: 1500, output: 120 },
};

describe("model budget across a resume", () => {
  it("makes no model call after resuming a campaign whose recorded calls already spent the budget", async () => {
    const dbPath = join(dir, "store.db");
    const options: ModelOptions = { model: "openai:gpt-4o", modelBaseUrl: standin.openaiBaseUrl, modelBudgetTokens: "2000" };
    // 550 + 1620 tokens: the budget is spent after the first plan.
    standin.script("openai", diagnosis, plan);

    const first = campaignPolicies(options, "random");
    const stop = new AbortController();
    const interrupted = await startCampaign(
      { specDir: SPEC, devices: ["local"], budget: 5, batchSize: 1, seed: 3, strategy: "random" },
      {
        dbPath,
        ...first.parts,
        signal: stop.signal,
        // Killed once the planned variant has been measured, with evaluations left in the budget.
        onEvent: (event) => {
          if (event.type === "evaluation" && standin.requests.length >= 2) stop.abort();
        },
      },
    );
    expect(interrupted.state).not.toBe("finished");
    expect(first.llm.metrics()).toMatchObject({ spend: { calls: 2, tokensIn: 2000, tokensOut: 170 } });
    const requestsBefore = standin.requests.length;

    const second = campaignPolicies(options, "random");
    const resumed = await resumeCampaign(interrupted.campaignId, { dbPath, ...second.parts });

    expect(resumed.state).toBe("finished");
    expect(standin.requests).toHaveLength(requestsBefore);
    expect(standin.unscripted).toBe(0);
    // The spend counts both sessions; the resumed one only read it.
    expect(second.llm.metrics()).toMatchObject({ budgetExhausted: true, spend: { calls: 2, tokensIn: 2000, tokensOut: 170 } });
    const store = openStore(dbPath, { mustExist: true });
    try {
      expect(store.modelCalls(interrupted.campaignId).map((c) => c.role)).toEqual(["critic", "planner"]);
      expect(store.evaluations(interrupted.campaignId, { purpose: "explore" }).length).toBeGreaterThan(2);
    } finally {
      store.close();
    }
  }, 120_000);
});
