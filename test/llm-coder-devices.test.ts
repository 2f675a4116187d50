// The model coder on a campaign with two devices running side by side: each device keeps its own line of
// rewrites (failure streak, repair context, parent), and a resume picks that line up from the store.
// Driven through the real OpenAI client against the stand-in model service.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { TemplateCoder } from "../agents/offline-coder.ts";
import { RuleCritic } from "../agents/offline-critic.ts";
import { StrategyPlanner } from "../agents/offline-planner.ts";
import type { CoderInput } from "../agents/types.ts";
import { MemorySink } from "../llm/accounting.ts";
import { resolvePolicies, type ResolvedPolicies } from "../llm/config.ts";
import type { RecordedSource } from "../llm/recorded.ts";
import { openStore } from "../results/store.ts";
import type { Store } from "../results/types.ts";
import type { Params } from "../specs/schema.ts";
import { randomStrategy } from "../strategies/random.ts";
import { compileError, configFor, cpuProfile, okResult, variantOf, writeSpecFolder } from "./store-fixtures.ts";
import { startModelStandin, type ModelStandin } from "./support/model-standin.ts";

const dir = mkdtempSync(join(tmpdir(), "nightshift-llm-coder-devices-"));
const spec = writeSpecFolder(join(dir, "vadd"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PARAMS: Params = { UNROLL: 4, BLOCK: 32 };
/** A rewrite of the vadd template, told apart by a marker comment. */
const source = (marker: string) =>
  `#include <stdint.h>\n/* ${marker} */\nvoid vadd(const float *restrict a, const float *restrict b, float *restrict c, int32_t n) {\n  for (int32_t i = 0; i < n; i += UNROLL) for (int32_t u = 0; u < UNROLL && i + u < n; u++) c[i + u] = a[i + u] + b[i + u];\n}\n`;
const rewrite = (marker: string) => ({ kind: "tool" as const, args: { source: source(marker), summary: marker } });
const hashOf = (marker: string) => variantOf(spec, PARAMS, source(marker)).hash;

let standin: ModelStandin;
beforeEach(async () => {
  standin = await startModelStandin();
});
afterEach(async () => {
  expect(standin.unscripted).toBe(0);
  await standin.stop();
});

function resolve(maxFailures: number, recorded?: RecordedSource): ResolvedPolicies {
  return resolvePolicies(
    { coderModel: "openai:gpt-4o", coderMaxFailures: String(maxFailures) },
    {
      campaignId: "camp-devices",
      sink: new MemorySink(),
      offline: { planner: new StrategyPlanner(randomStrategy), coder: new TemplateCoder(), critic: new RuleCritic() },
      env: { OPENAI_API_KEY: "sk-test-openai-0123456789", OPENAI_BASE_URL: standin.openaiBaseUrl },
      ...(recorded ? { recorded } : {}),
    },
  );
}

function input(device: string, parentHash: string | null, over: Partial<CoderInput> = {}): CoderInput {
  return {
    spec,
    device,
    proposal: { params: PARAMS, idea: "restrict-qualify the pointers", proposedBy: "model" },
    parentSource: spec.templateSource,
    parentHash,
    feedback: null,
    ...over,
  };
}

const prompts = () => standin.requests.map((r) => JSON.stringify(r.body.messages));

describe("model coder with two devices", () => {
  it("keeps each device's failure streak and repair context: one device's accepted rewrite resets neither on the other", async () => {
    const policies = resolve(2);
    standin.script("openai", rewrite("b-1"), rewrite("a-1"), rewrite("a-2"), rewrite("b-2"), rewrite("b-3"));
    await policies.coder.write(input("b", "base-b"));
    await policies.coder.write(input("a", "base-a"));
    // a-1 was accepted on device a and is its parent now.
    await policies.coder.write(input("a", hashOf("a-1"), { parentSource: source("a-1"), feedback: "a-1 is the incumbent" }));
    await policies.coder.write(input("b", "base-b", { feedback: "b-1 failed: wrong result at index 5" }));
    await policies.coder.write(input("b", "base-b", { feedback: "b-2 failed: compile error" }));

    const [, a1, a2, b2, b3] = prompts();
    expect(a1).not.toContain("b-1");
    expect(a2).not.toContain("Your previous rewrite");
    // Device b's repair context survived device a's new parent.
    expect(b2).toContain("Your previous rewrite");
    expect(b2).toContain("b-1");
    expect(b2).toContain("wrong result at index 5");
    // Two failures in a row on b: it starts again from its parent although a had a success in between.
    expect(b3).not.toContain("Your previous rewrite");
    expect(b3).not.toContain("b-2");
    expect(policies.metrics().coder).toEqual({ rewrites: 5, refused: 0, restarts: 1 });
  });

  it("picks up each device's streak and last rewrite from the store on a resume", async () => {
    const store: Store = openStore(join(dir, "resume.db"));
    try {
      const campaign = store.createCampaign(configFor(spec, ["a", "b"]), [cpuProfile("a"), cpuProfile("b")]);
      const baseline = variantOf(spec, { UNROLL: 1, BLOCK: 16 });
      for (const device of ["a", "b"]) {
        store.appendEvaluation(campaign.id, baseline, okResult(baseline, device, [2, 2, 2]), "explore");
        store.appendIncumbent(campaign.id, { device, variantHash: baseline.hash, params: baseline.params, family: "template", medianMs: 2, ci95Ms: [2, 2] }, "baseline");
      }
      // Device a: two rewrites of its baseline failed. Device b: its rewrite was accepted.
      for (const marker of ["a-old-1", "a-old-2"]) {
        const v = variantOf(spec, PARAMS, source(marker));
        store.appendEvaluation(campaign.id, v, compileError(v, "a"), "explore");
      }
      const accepted = variantOf(spec, PARAMS, source("b-old"));
      store.appendEvaluation(campaign.id, accepted, okResult(accepted, "b", [1, 1, 1]), "explore");
      store.appendIncumbent(campaign.id, { device: "b", variantHash: accepted.hash, params: PARAMS, family: accepted.hash, medianMs: 1, ci95Ms: [1, 1] }, "accepted");

      const policies = resolve(3, () => ({ campaignId: campaign.id, store }));
      standin.script("openai", rewrite("a-new-1"), rewrite("b-new-1"), rewrite("a-new-2"));
      await policies.coder.write(input("a", baseline.hash, { feedback: "a-old-2 failed: compile error" }));
      await policies.coder.write(input("b", accepted.hash, { parentSource: source("b-old") }));
      await policies.coder.write(input("a", baseline.hash, { feedback: "a-new-1 failed: compile error" }));

      const [a1, b1, a2] = prompts();
      // a's last failed rewrite is its repair context, as if the campaign had never stopped.
      expect(a1).toContain("Your previous rewrite");
      expect(a1).toContain("a-old-2");
      expect(a1).toContain("a-old-2 failed: compile error");
      expect(b1).not.toContain("Your previous rewrite");
      // a-old-1, a-old-2, a-new-1: the third failure in a row on a, so a starts again; b's success does not reset it.
      expect(a2).not.toContain("Your previous rewrite");
      expect(a2).not.toContain("a-new-1");
      expect(policies.metrics().coder).toEqual({ rewrites: 3, refused: 0, restarts: 1 });
    } finally {
      store.close();
    }
  });
});
