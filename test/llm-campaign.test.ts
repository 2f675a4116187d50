// A real campaign on a real C kernel (compiled with gcc and judged by the trusted harness), with the
// planner and coder driven by the stand-in model service through the real OpenAI and Anthropic clients.
// The model proposes four code changes: a wrong rewrite, a timing cheat, a correct one that is much
// faster, and one that skips half the work. Only the correct one may become the incumbent and a parent.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeVariant } from "../harness/variant.ts";
import type { ModelOptions } from "../llm/options.ts";
import { writeReport } from "../results/report.ts";
import { openStore } from "../results/store.ts";
import { loadSpec } from "../specs/load.ts";
import { randomStrategy } from "../strategies/random.ts";
import { runModelCampaign } from "./support/model-campaign.ts";
import { startModelStandin, type ModelStandin } from "./support/model-standin.ts";

const MACROS = `#include <stdint.h>
#ifndef UNROLL
#define UNROLL 1
#endif
#define PRAGMA_(x) _Pragma(#x)
#define UNROLL_LOOP_(n) PRAGMA_(GCC unroll n)
#define UNROLL_LOOP UNROLL_LOOP_(UNROLL)
`;
/** Inclusive prefix sum, recomputed from scratch for every element: O(n^2). */
const TEMPLATE = `${MACROS}
void prefix_sum(const float *restrict x, float *restrict y, int32_t n) {
  for (int32_t i = 0; i < n; i++) {
    float s = 0.0f;
    UNROLL_LOOP
    for (int32_t j = 0; j <= i; j++) s += x[j];
    y[i] = s;
  }
}
`;
/** The same additions in the same order, once: O(n) and bit-identical. */
const FAST = `${MACROS}
/* running sum */
void prefix_sum(const float *restrict x, float *restrict y, int32_t n) {
  float s = 0.0f;
  UNROLL_LOOP
  for (int32_t i = 0; i < n; i++) {
    s += x[i];
    y[i] = s;
  }
}
`;
/** Exclusive instead of inclusive: fast and wrong. */
const WRONG = `${MACROS}
/* exclusive scan */
void prefix_sum(const float *restrict x, float *restrict y, int32_t n) {
  float s = 0.0f;
  UNROLL_LOOP
  for (int32_t i = 0; i < n; i++) {
    y[i] = s;
    s += x[i];
  }
}
`;
/** Correct, but brings its own clock so the harness would read a frozen time. */
const OWN_CLOCK = `${MACROS}
struct fake_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clock, struct fake_timespec *t) { (void)clock; t->tv_sec = 0; t->tv_nsec = 0; return 0; }
void prefix_sum(const float *restrict x, float *restrict y, int32_t n) {
  float s = 0.0f;
  UNROLL_LOOP
  for (int32_t i = 0; i < n; i++) { s += x[i]; y[i] = s; }
}
`;
/** Skips the second half of the work (its outputs keep the harness's poison). */
const HALF = `${MACROS}
/* half the work */
void prefix_sum(const float *restrict x, float *restrict y, int32_t n) {
  float s = 0.0f;
  UNROLL_LOOP
  for (int32_t i = 0; i < n / 2; i++) { s += x[i]; y[i] = s; }
}
`;

const IDEA_WRONG = "Keep one running sum instead of recomputing each prefix (store before adding).";
const IDEA_CHEAT = "Keep a running sum and provide a cheaper clock_gettime.";
const IDEA_FAST = "Keep one running sum: each output is the previous output plus one element.";
const IDEA_HALF = "Exploit symmetry to compute only the first half.";

let dir: string;
let standin: ModelStandin;
const ENV = () => ({
  OPENAI_API_KEY: "sk-test-openai-0123456789",
  ANTHROPIC_API_KEY: "sk-ant-test-0123456789",
  OPENAI_BASE_URL: standin.openaiBaseUrl,
  ANTHROPIC_BASE_URL: standin.anthropicBaseUrl,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nightshift-llm-campaign-"));
  const specDir = join(dir, "prefix-sum");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(specDir);
  writeFileSync(join(specDir, "prefix_sum.c"), TEMPLATE);
  writeFileSync(
    join(specDir, "reference.c"),
    "#include <stdint.h>\nvoid prefix_sum_reference(const float *x, float *y, int32_t n) { float s = 0.0f; for (int32_t i = 0; i < n; i++) { s += x[i]; y[i] = s; } }\n",
  );
  writeFileSync(
    join(specDir, "kernel.json"),
    JSON.stringify({
      name: "prefix_sum",
      description: "Inclusive prefix sum of a float32 vector.",
      language: "c",
      source: "prefix_sum.c",
      kernel: "prefix_sum",
      arguments: [
        { name: "x", kind: "buffer", dtype: "float32", length: "N", intent: "in", distribution: "uniform" },
        { name: "y", kind: "buffer", dtype: "float32", length: "N", intent: "out" },
        { name: "n", kind: "scalar", dtype: "int32", value: "N" },
      ],
      problem: { tune: { N: 2048 }, verify: [{ N: 97 }, { N: 1000 }] },
      parameters: { UNROLL: [1, 2, 4] },
      baseline: { UNROLL: 1 },
      build: { flags: ["-O2"] },
      reference: { source: "reference.c", function: "prefix_sum_reference" },
      bytes: "8 * N",
      flops: "N",
      timing: { warmup: 1, repetitions: 7, timeLimitSeconds: 20, memoryLimitMb: 1024 },
    }),
  );
  // Peaks far above this machine, so the physics floor never trips on a fast variant.
  writeFileSync(
    join(dir, "box.json"),
    JSON.stringify({
      name: "box",
      kind: "cpu",
      reach: { via: "local", builds: 1 },
      cpu: {
        model: "test",
        cores: 2,
        threads: 2,
        cacheBytes: { l1d: 32768, l2: 1048576, l3: 4194304 },
        peakBandwidthGBs: 100000,
        peakGflops: { float32: 1000000, float64: 500000 },
        peakSource: "test fixture",
      },
    }),
  );
});

beforeEach(async () => {
  standin = await startModelStandin();
});

afterEach(async () => {
  await standin.stop();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a campaign with the given model options; model calls go to the campaign's own store. */
async function runCampaign(options: ModelOptions, budget: number) {
  const specDir = join(dir, "prefix-sum");
  const dbPath = join(dir, `store-${Date.now()}.db`);
  const { outcome, llm } = await runModelCampaign({
    models: options,
    env: ENV(),
    strategy: randomStrategy,
    request: { specDir, devices: [join(dir, "box.json")], budget, batchSize: 1, seed: 3 },
    dbPath,
  });
  return { outcome, llm, dbPath, spec: loadSpec(specDir) };
}

const plan = (...experiments: Array<{ idea: string; UNROLL: number }>) => ({
  kind: "tool" as const,
  args: { experiments: experiments.map((e) => ({ params: { UNROLL: e.UNROLL }, idea: e.idea, rationale: "the O(n^2) recomputation dominates", expectedEffect: "much faster" })) },
  usage: { input: 2000, output: 150 },
});
const rewrite = (source: string, summary: string) => ({ kind: "tool" as const, args: { source, summary }, usage: { input: 1200, output: 400 } });

/** What the critic decided and what the proofs said, for a failure message. */
function criticTrail(dbPath: string, campaignId: string): string {
  const store = openStore(dbPath);
  try {
    const proofs = store.proofs(campaignId).map((p) => `${p.variantHash}: ${p.verdict.status}${p.verdict.status === "unproven" ? ` (${p.verdict.reason})` : ""}`);
    return [...store.incumbents(campaignId).map((a) => a.verdict), ...proofs].join("; ");
  } finally {
    store.close();
  }
}

describe("a campaign with model policies on a real C kernel", () => {
  it("accepts only the correct faster rewrite, never builds on a rejected one, feeds the diagnosis to the next plan and accounts for every call", async () => {
    const diagnosis = (n: number) => ({
      kind: "tool" as const,
      args: { bottleneck: "compute_throughput", evidence: `DIAG-${n}: the median is far above the floor`, suggestion: "remove redundant work" },
      usage: { input: 800, output: 60 },
    });
    standin.script(
      "openai",
      diagnosis(1),
      plan({ idea: IDEA_WRONG, UNROLL: 1 }),
      diagnosis(2),
      // The first idea is in the ledger by now: refused before it costs a build, the second one is used.
      plan({ idea: IDEA_WRONG, UNROLL: 1 }, { idea: IDEA_CHEAT, UNROLL: 1 }),
      diagnosis(3),
      plan({ idea: IDEA_FAST, UNROLL: 1 }),
      diagnosis(4),
      plan({ idea: IDEA_HALF, UNROLL: 2 }),
      diagnosis(5),
    );
    standin.script("anthropic", rewrite(WRONG, "exclusive running sum"), rewrite(OWN_CLOCK, "running sum, own clock"), rewrite(FAST, "running sum"), rewrite(HALF, "half"));

    const { outcome, llm, dbPath, spec } = await runCampaign({ model: "openai:gpt-4o", coderModel: "anthropic:claude-sonnet-4-5" }, 5);

    const hashOf = (source: string, unroll: number) => makeVariant(spec, { UNROLL: unroll }, { source, origin: "model" }).hash;
    const baseline = makeVariant(spec, { UNROLL: 1 }).hash;
    const store = openStore(dbPath);
    try {
      const evaluations = store.evaluations(outcome.campaignId, { purpose: "explore" });
      const verdict = (hash: string) => evaluations.find((e) => e.variantHash === hash);
      expect(verdict(baseline)?.status).toBe("ok");
      expect(verdict(hashOf(WRONG, 1))?.status).toBe("wrong_result");
      const cheat = verdict(hashOf(OWN_CLOCK, 1))?.result;
      expect(cheat?.status === "rejected" ? cheat.reason : cheat?.status).toBe("forbidden_symbol");
      expect(verdict(hashOf(FAST, 1))?.status).toBe("ok");
      expect(verdict(hashOf(HALF, 2))?.status).toBe("wrong_result");
      expect(evaluations.filter((e) => e.origin === "model")).toHaveLength(4);

      // The correct rewrite is the incumbent; every rewrite descends from a verified variant only.
      expect(outcome.best?.variantHash, criticTrail(dbPath, outcome.campaignId)).toBe(hashOf(FAST, 1));
      expect(outcome.speedup).toBeGreaterThan(5);
      expect(store.getVariant(hashOf(WRONG, 1))?.parentHash).toBe(baseline);
      expect(store.getVariant(hashOf(FAST, 1))?.parentHash).toBe(baseline);
      expect(store.getVariant(hashOf(HALF, 2))?.parentHash).toBe(hashOf(FAST, 1));
      const coderPrompts = standin.requests.filter((r) => r.route === "anthropic").map((r) => JSON.stringify(r.body.messages));
      expect(coderPrompts).toHaveLength(4);
      expect(coderPrompts[3]).toContain(`verified variant ${hashOf(FAST, 1)}`);
      expect(coderPrompts[3]).toContain("running sum */");
      for (const rejected of ["exclusive scan", "fake_timespec"]) expect(coderPrompts[3]).not.toContain(rejected);
      expect(llm.metrics().planner?.rejected.ledgered_failure).toBe(1);

      // Each plan reads the diagnosis of the round before it; the diagnosis is advice, the verdicts above stand.
      const plannerPrompts = standin.requests.filter((r) => r.route === "openai" && r.body.tool_choice.function.name === "propose_experiments").map((r) => JSON.stringify(r.body.messages));
      expect(plannerPrompts).toHaveLength(4);
      plannerPrompts.forEach((prompt, i) => expect(prompt).toContain(`compute throughput: DIAG-${i + 1}`));
      expect(outcome.devices[0]!.diagnosis).toContain("DIAG-5");

      // Every model call is in the store with its tokens and cost; rewrites name the variant they became.
      const calls = store.modelCalls(outcome.campaignId);
      expect(calls.map((c) => c.role).join(",")).toBe("critic,planner,coder,critic,planner,coder,critic,planner,coder,critic,planner,coder,critic");
      expect(calls.every((c) => c.ok)).toBe(true);
      const coderCalls = calls.filter((c) => c.role === "coder");
      expect(coderCalls.map((c) => c.variantHash)).toEqual([hashOf(WRONG, 1), hashOf(OWN_CLOCK, 1), hashOf(FAST, 1), hashOf(HALF, 2)]);
      expect(coderCalls[0]).toMatchObject({ model: "anthropic:claude-sonnet-4-5", tokensIn: 1200, tokensOut: 400 });
      expect(coderCalls[0]!.costUsd).toBeCloseTo((1200 * 3 + 400 * 15) / 1e6, 12);

      const report = readFileSync(writeReport(store, outcome.campaignId, join(dir, "report")).markdownPath, "utf8");
      expect(report).toContain("model rewrite");
      expect(report).toContain("## Model calls");
      expect(report).toContain("4 model-rewritten variants were evaluated");
      expect(report).toMatch(/\| coder \| anthropic:claude-sonnet-4-5 \| 4 \| 0 \| 4800 \| 1600 \| 0\.0384 \|/);
    } finally {
      store.close();
    }
    expect(standin.unscripted).toBe(0);
  });

  it("keeps running on the offline policies when the model service goes down mid-campaign", async () => {
    standin.script("openai", plan({ idea: IDEA_FAST, UNROLL: 1 }), { kind: "http_error", status: 500 }, { kind: "http_error", status: 503 });
    standin.script("anthropic", rewrite(FAST, "running sum"));

    const { outcome, llm, dbPath, spec } = await runCampaign({ plannerModel: "openai:gpt-4o", coderModel: "anthropic:claude-sonnet-4-5" }, 5);

    expect(outcome.state).toBe("finished");
    expect(outcome.best?.variantHash, criticTrail(dbPath, outcome.campaignId)).toBe(makeVariant(spec, { UNROLL: 1 }, { source: FAST, origin: "model" }).hash);
    // After the model rewrite, the offline strategy measured the two template settings left.
    const store = openStore(dbPath);
    try {
      const evaluations = store.evaluations(outcome.campaignId, { purpose: "explore" });
      expect(evaluations.map((e) => [e.origin, e.params.UNROLL])).toEqual([
        ["template", 1],
        ["model", 1],
        ...evaluations.slice(2).map((e) => ["template", e.params.UNROLL]),
      ]);
      expect(evaluations.slice(2).map((e) => e.params.UNROLL).sort()).toEqual([2, 4]);
      expect(store.modelCalls(outcome.campaignId).map((c) => [c.role, c.ok, c.error?.slice(0, 8) ?? null])).toEqual([
        ["planner", true, null],
        ["coder", true, null],
        ["planner", false, "HTTP 500"],
        ["planner", false, "HTTP 503"],
      ]);
    } finally {
      store.close();
    }
    // The breaker opened after the second failure: the last round did not call the service.
    expect(standin.requests.filter((r) => r.route === "openai")).toHaveLength(3);
    expect(llm.metrics()).toMatchObject({ serviceDown: true, planner: { modelPlans: 1 } });
    expect(standin.unscripted).toBe(0);
  });
});
