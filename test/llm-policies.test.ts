// The LLM policies driven through the real @langchain/openai and @langchain/anthropic clients against
// a stand-in model service on 127.0.0.1 that speaks the providers' HTTP APIs.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TemplateCoder } from "../agents/offline-coder.ts";
import { RuleCritic } from "../agents/offline-critic.ts";
import { StrategyPlanner } from "../agents/offline-planner.ts";
import type { CoderInput, DiagnoseInput, PlanInput } from "../agents/types.ts";
import { loadProfile } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { makeVariant } from "../harness/variant.ts";
import { MemorySink } from "../llm/accounting.ts";
import { resolvePolicies, type ResolvedPolicies } from "../llm/config.ts";
import type { ModelOptions } from "../llm/options.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import { parseSpec } from "../specs/load.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { randomStrategy } from "../strategies/random.ts";
import { startModelStandin, type ModelStandin } from "./support/model-standin.ts";

const TEMPLATE = `#include <stddef.h>
/* y = 2x in blocks of BLOCK, UNROLL elements per step */
void scale(const float *x, float *y, int n) {
  for (int b = 0; b < n; b += BLOCK)
    for (int i = b; i < b + BLOCK && i < n; i += UNROLL)
      for (int u = 0; u < UNROLL && i + u < n; u++) y[i + u] = 2.0f * x[i + u];
}
`;
const REWRITE = `#include <stddef.h>
void scale(const float *restrict x, float *restrict y, int n) {
  for (int b = 0; b < n; b += BLOCK) {
    int end = b + BLOCK < n ? b + BLOCK : n;
    int i = b;
    for (; i + UNROLL <= end; i += UNROLL)
      for (int u = 0; u < UNROLL; u++) y[i + u] = x[i + u] + x[i + u];
    for (; i < end; i++) y[i] = x[i] + x[i];
  }
}
`;
/** Mentions BLOCK only in a comment: the loop no longer depends on it. */
const DROPS_BLOCK = `#include <stddef.h>
/* BLOCK is not needed any more */
void scale(const float *x, float *y, int n) {
  for (int i = 0; i < n; i += UNROLL)
    for (int u = 0; u < UNROLL && i + u < n; u++) y[i + u] = 2.0f * x[i + u];
}
`;

const OPENAI_KEY = "sk-test-openai-0123456789";
const ANTHROPIC_KEY = "sk-ant-test-0123456789";

let dir: string;
let spec: KernelSpec;
let device: HardwareProfile;
let standin: ModelStandin;
let sink: MemorySink;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nightshift-llm-"));
  writeFileSync(join(dir, "scale.c"), TEMPLATE);
  writeFileSync(join(dir, "reference.c"), "void scale_ref(const float *x, float *y, int n) { for (int i = 0; i < n; i++) y[i] = 2.0f * x[i]; }\n");
  spec = parseSpec(
    {
      name: "scale",
      description: "y = 2 x",
      language: "c",
      source: "scale.c",
      kernel: "scale",
      arguments: [
        { name: "x", kind: "buffer", dtype: "float32", length: "N", intent: "in" },
        { name: "y", kind: "buffer", dtype: "float32", length: "N", intent: "out" },
        { name: "n", kind: "scalar", dtype: "int32", value: "N" },
      ],
      problem: { tune: { N: 1 << 20 } },
      parameters: { UNROLL: [1, 2, 4, 8], BLOCK: [64, 128, 256] },
      restrictions: ["UNROLL * BLOCK <= 512"],
      baseline: { UNROLL: 1, BLOCK: 64 },
      reference: { source: "reference.c", function: "scale_ref" },
      bytes: "8 * N",
      flops: "N",
    },
    dir,
  );
  device = await loadProfile("h200");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  standin = await startModelStandin();
  sink = new MemorySink();
});

afterEach(async () => {
  expect(standin.unscripted).toBe(0);
  await standin.stop();
});

function resolve(options: ModelOptions, circuit?: { threshold?: number; cooldownMs?: number }): ResolvedPolicies {
  return resolvePolicies(options, {
    campaignId: "camp-1",
    sink,
    offline: { planner: new StrategyPlanner(randomStrategy), coder: new TemplateCoder(), critic: new RuleCritic() },
    env: { OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY, OPENAI_BASE_URL: standin.openaiBaseUrl, ANTHROPIC_BASE_URL: standin.anthropicBaseUrl, OLLAMA_BASE_URL: standin.ollamaBaseUrl },
    ...(circuit ? { circuit } : {}),
  });
}

function planInput(over: Partial<PlanInput> = {}): PlanInput {
  return {
    spec,
    device,
    space: spaceFromSpec(spec),
    history: [
      { config: { UNROLL: 1, BLOCK: 64 }, value: 2.0 },
      { config: { UNROLL: 2, BLOCK: 64 }, value: 1.5 },
      { config: { UNROLL: 8, BLOCK: 64 }, value: null },
    ],
    incumbent: {
      device: "h200",
      variantHash: "inc0001",
      params: { UNROLL: 2, BLOCK: 64 },
      family: "template",
      medianMs: 1.5,
      ci95Ms: [1.45, 1.56],
      compile: { objectBytes: 912 },
      roofline: { bytes: 1 << 30, flops: 1 << 26, achievedGBs: 715.8, achievedGflops: 44.7, bandwidthFraction: 0.149, computeFraction: 0.00067, floorMs: 0.224 },
    },
    baselineMs: 2.0,
    ledger: [{ status: "compile_error", pattern: { UNROLL: 8 }, message: "error: unroll 8 overflows the block", variantHash: "bad0001", device: "h200", occurrences: 2 }],
    diagnosis: "memory-bound: 15% of peak bandwidth",
    count: 3,
    seed: 7,
    budget: { total: 20, used: 3 },
    ...over,
  };
}

function coderInput(over: Partial<CoderInput> = {}): CoderInput {
  return {
    spec,
    device: "h200",
    proposal: { params: { UNROLL: 4, BLOCK: 128 }, idea: "peel the tail out of the unrolled loop so the inner loop has no bounds check", proposedBy: "model" },
    parentSource: TEMPLATE,
    parentHash: null,
    feedback: null,
    ...over,
  };
}

const lastUserText = (body: any): string => {
  const messages = body.messages as Array<{ role: string; content: unknown }>;
  const last = messages[messages.length - 1]!;
  return typeof last.content === "string" ? last.content : JSON.stringify(last.content);
};
const allText = (body: any): string => JSON.stringify(body.messages) + JSON.stringify(body.system ?? "");

describe("model planner", () => {
  it("keeps in-space proposals, refuses and counts out-of-space ones, and fills the batch from the offline planner (OpenAI tool calls)", async () => {
    const policies = resolve({ plannerModel: "openai:gpt-4o" });
    standin.script("openai", {
      kind: "tool",
      args: {
        experiments: [
          { params: { UNROLL: 4, BLOCK: 128 }, rationale: "more work per step", expectedEffect: "10% faster", idea: "vectorise" },
          { params: { TILE: 4 }, rationale: "tile" },
          { params: { UNROLL: 3 }, rationale: "odd unroll" },
          { params: { UNROLL: 4, BLOCK: 256 }, rationale: "bigger blocks" },
          { params: { UNROLL: 8, BLOCK: 64 }, rationale: "unroll 8 again" },
          { params: { UNROLL: 1, BLOCK: 64 }, rationale: "the baseline again" },
          { params: { UNROLL: "4", BLOCK: 128 }, rationale: "same as the first" },
        ],
      },
    });
    const proposals = await policies.planner.plan(planInput());

    expect(proposals).toHaveLength(3);
    // No model coder in this campaign, so the idea is dropped and the parameters are kept.
    expect(proposals[0]).toEqual({ params: { UNROLL: 4, BLOCK: 128 }, rationale: "more work per step", expectedEffect: "10% faster", proposedBy: "model" });
    expect(proposals.slice(1).map((p) => p.proposedBy)).toEqual(["strategy", "strategy"]);
    for (const p of proposals.slice(1)) {
      expect(p.params).not.toEqual({ UNROLL: 4, BLOCK: 128 });
      expect(p.params.UNROLL).not.toBe(8);
    }
    expect(policies.metrics().planner).toEqual({
      modelPlans: 1,
      offlinePlans: 0,
      proposed: 7,
      accepted: 1,
      rejected: { unknown_parameter: 1, value_not_allowed: 1, restriction_violated: 1, ledgered_failure: 1, already_measured: 1, duplicate: 1 },
      filled: 2,
    });

    const request = standin.requests[0]!;
    expect(request.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(request.body.model).toBe("gpt-4o");
    expect(request.body.tool_choice).toEqual({ type: "function", function: { name: "propose_experiments" } });
    expect(request.body.tools[0].function.parameters.properties.experiments.type).toBe("array");
    expect(request.body.tools[0].function.parameters.$schema).toBeUndefined();
    const prompt = allText(request.body);
    expect(prompt).toContain("UNROLL in {1, 2, 4, 8}");
    expect(prompt).toContain("UNROLL * BLOCK <= 512");
    expect(prompt).toContain("compile_error x2: pattern {UNROLL=8}");
    expect(prompt).toContain("1.500 ms  UNROLL=2, BLOCK=64");
    expect(prompt).toContain("memory-bound: 15% of peak bandwidth");
    expect(prompt).toContain("NVIDIA H200");

    expect(sink.calls).toEqual([
      { campaignId: "camp-1", role: "planner", model: "openai:gpt-4o", tokensIn: 120, tokensOut: 40, latencyMs: expect.any(Number), costUsd: (120 * 2.5 + 40 * 10) / 1e6, ok: true },
    ]);
  });

  it("keeps code-change ideas when a model coder exists and refuses an idea the ledger records as failed (Anthropic tool_use)", async () => {
    const policies = resolve({ model: "anthropic:claude-sonnet-4-5" });
    standin.script("anthropic", {
      kind: "tool",
      args: {
        experiments: [
          { params: { UNROLL: 4, BLOCK: 64 }, idea: "Peel the loop tail so the unrolled body has no bounds checks", rationale: "branch-free inner loop", expectedEffect: "1.3x" },
          { params: { UNROLL: 2, BLOCK: 128 }, idea: "use AVX2 intrinsics!", rationale: "wider loads" },
          { params: { UNROLL: 2, BLOCK: 256 }, idea: null, rationale: "bigger blocks" },
        ],
      },
      usage: { input: 900, output: 300 },
    });
    const proposals = await policies.planner.plan(
      planInput({
        count: 2,
        ledger: [{ status: "wrong_result", pattern: {}, idea: "Use AVX2 intrinsics", message: "wrong result at index 17", variantHash: "bad0002", device: "h200", occurrences: 1 }],
      }),
    );
    expect(proposals).toEqual([
      { params: { UNROLL: 4, BLOCK: 64 }, idea: "Peel the loop tail so the unrolled body has no bounds checks", rationale: "branch-free inner loop", expectedEffect: "1.3x", proposedBy: "model" },
      { params: { UNROLL: 2, BLOCK: 256 }, rationale: "bigger blocks", proposedBy: "model" },
    ]);
    expect(policies.metrics().planner?.rejected.ledgered_failure).toBe(1);

    const request = standin.requests[0]!;
    expect(request.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    expect(request.body.tool_choice).toEqual({ type: "tool", name: "propose_experiments" });
    expect(request.body.tools[0].input_schema.properties.experiments.type).toBe("array");
    expect(sink.calls[0]).toMatchObject({ role: "planner", model: "anthropic:claude-sonnet-4-5", tokensIn: 900, tokensOut: 300, ok: true });
    expect(sink.calls[0]!.costUsd).toBeCloseTo((900 * 3 + 300 * 15) / 1e6, 12);
  });

  it("asks for OpenAI response_format json_schema when configured and validates the JSON content", async () => {
    const policies = resolve({ plannerModel: "openai:gpt-4o-mini", modelOutput: "json_schema" });
    standin.script("openai", { kind: "text", text: JSON.stringify({ experiments: [{ params: { UNROLL: 4, BLOCK: 128 }, rationale: "r" }] }) });
    const proposals = await policies.planner.plan(planInput({ count: 1 }));
    expect(proposals).toEqual([{ params: { UNROLL: 4, BLOCK: 128 }, rationale: "r", proposedBy: "model" }]);
    const body = standin.requests[0]!.body;
    expect(body.response_format.type).toBe("json_schema");
    expect(body.response_format.json_schema.name).toBe("propose_experiments");
    expect(body.tools).toBeUndefined();
  });

  it("retries a malformed reply with the validation error fed back, then uses the valid one", async () => {
    const policies = resolve({ plannerModel: "openai:gpt-4o" });
    standin.script("openai", { kind: "tool", args: "{not json" }, { kind: "tool", args: { experiments: [{ params: { UNROLL: 4, BLOCK: 128 }, rationale: "r" }] } });
    const proposals = await policies.planner.plan(planInput({ count: 1 }));
    expect(proposals).toEqual([{ params: { UNROLL: 4, BLOCK: 128 }, rationale: "r", proposedBy: "model" }]);
    expect(standin.requests).toHaveLength(2);
    expect(lastUserText(standin.requests[1]!.body)).toContain("Your previous reply was rejected: the propose_experiments call's arguments are not valid JSON");
    expect(sink.calls.map((c) => c.ok)).toEqual([false, true]);
    expect(sink.calls[0]!.error).toContain("malformed reply");
  });

  it("skips a reply that stays malformed after the retries, records every attempt and plans offline", async () => {
    const policies = resolve({ plannerModel: "anthropic:claude-sonnet-4-5", modelRetries: "2" });
    const bad = { kind: "tool" as const, args: { experiments: "lots of them" } };
    standin.script("anthropic", bad, bad, bad);
    const proposals = await policies.planner.plan(planInput({ count: 2 }));
    expect(proposals).toHaveLength(2);
    expect(proposals.every((p) => p.proposedBy === "strategy")).toBe(true);
    expect(standin.requests).toHaveLength(3);
    expect(lastUserText(standin.requests[2]!.body)).toContain("experiments");
    expect(sink.calls).toHaveLength(3);
    expect(sink.calls.every((c) => !c.ok && c.error!.startsWith("malformed reply:"))).toBe(true);
    expect(policies.metrics().planner).toMatchObject({ modelPlans: 0, offlinePlans: 1 });
  });
});

describe("model service failures", () => {
  it("falls back to the offline planner on HTTP 500 and stops calling once the breaker opens", async () => {
    const policies = resolve({ plannerModel: "openai:gpt-4o" }, { threshold: 2, cooldownMs: 60_000 });
    standin.script("openai", { kind: "http_error", status: 500 }, { kind: "http_error", status: 500 });
    for (let i = 0; i < 3; i++) {
      const proposals = await policies.planner.plan(planInput({ count: 2, seed: i }));
      expect(proposals).toHaveLength(2);
      expect(proposals.every((p) => p.proposedBy === "strategy")).toBe(true);
    }
    expect(standin.requests).toHaveLength(2);
    expect(sink.calls.map((c) => [c.ok, c.error])).toEqual([
      [false, expect.stringContaining("HTTP 500")],
      [false, expect.stringContaining("HTTP 500")],
    ]);
    expect(policies.metrics()).toMatchObject({ serviceDown: true, planner: { offlinePlans: 3 } });
  });

  it("treats Anthropic 529 overloaded and connection refused as the service being down", async () => {
    const policies = resolve({ model: "anthropic:claude-sonnet-4-5" }, { threshold: 2, cooldownMs: 60_000 });
    standin.script("anthropic", { kind: "http_error", status: 529 });
    const first = await policies.critic.diagnose({ spec, device, incumbent: planInput().incumbent, round: [{ params: { UNROLL: 2, BLOCK: 64 }, status: "ok", medianMs: 1.5 }] });
    expect(first).toContain("memory-bound");
    await standin.stop();
    const written = await policies.coder.write(coderInput());
    // The template coder cannot apply an idea, so the rewrite is refused rather than faked.
    expect(written.ok).toBe(false);
    expect(sink.calls.map((c) => c.error)).toEqual([expect.stringContaining("HTTP 529"), expect.stringContaining("Connection error")]);
    expect(policies.metrics().serviceDown).toBe(true);
    standin = await startModelStandin();
  });

  it("lets one trial call through after the cool-down and resumes model planning when it succeeds", async () => {
    const policies = resolve({ plannerModel: "openai:gpt-4o" }, { threshold: 1, cooldownMs: 0 });
    standin.script("openai", { kind: "drop" }, { kind: "tool", args: { experiments: [{ params: { UNROLL: 4, BLOCK: 128 }, rationale: "r" }] } });
    expect((await policies.planner.plan(planInput({ count: 1 })))[0]!.proposedBy).toBe("strategy");
    expect(policies.metrics().serviceDown).toBe(true);
    expect((await policies.planner.plan(planInput({ count: 1 })))[0]!.proposedBy).toBe("model");
    expect(policies.metrics().serviceDown).toBe(false);
  });

  it("stops for good on a rejected API key and keeps the key out of the records", async () => {
    const policies = resolve({ plannerModel: "openai:gpt-4o" }, { threshold: 5, cooldownMs: 0 });
    standin.script("openai", { kind: "http_error", status: 401, message: `Incorrect API key provided: ${OPENAI_KEY}` });
    await policies.planner.plan(planInput({ count: 1 }));
    await policies.planner.plan(planInput({ count: 1 }));
    expect(standin.requests).toHaveLength(1);
    expect(sink.calls[0]!.error).toContain("HTTP 401");
    expect(sink.calls[0]!.error).toContain("[redacted]");
    expect(JSON.stringify(sink.calls)).not.toContain(OPENAI_KEY);
  });
});

describe("model budget", () => {
  it("makes no model call once the USD budget is spent and plans offline from then on", async () => {
    const policies = resolve({ plannerModel: "openai:gpt-4o", modelPrice: ["1000/1000"], modelBudgetUsd: "0.1" });
    standin.script("openai", { kind: "tool", args: { experiments: [{ params: { UNROLL: 4, BLOCK: 128 }, rationale: "r" }] }, usage: { input: 100, output: 60 } });
    expect((await policies.planner.plan(planInput({ count: 1 })))[0]!.proposedBy).toBe("model");
    expect((await policies.planner.plan(planInput({ count: 1 })))[0]!.proposedBy).toBe("strategy");
    expect(standin.requests).toHaveLength(1);
    expect(sink.calls).toHaveLength(1);
    expect(sink.calls[0]!.costUsd).toBeCloseTo(0.16, 12);
    expect(policies.metrics()).toMatchObject({ budgetExhausted: true, spend: { calls: 1, tokensIn: 100, tokensOut: 60 } });
  });

  it("makes no model call once the token budget is spent", async () => {
    const policies = resolve({ model: "openai:gpt-4o", modelBudgetTokens: "250" });
    const reply = { kind: "tool" as const, args: { bottleneck: "memory_bandwidth", evidence: "e", suggestion: "s" }, usage: { input: 100, output: 50 } };
    standin.script("openai", reply, reply);
    const round: DiagnoseInput["round"] = [{ params: { UNROLL: 2, BLOCK: 64 }, status: "ok", medianMs: 1.5 }];
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push(await policies.critic.diagnose({ spec, device, incumbent: planInput().incumbent, round }));
    expect(texts[0]).toBe("memory bandwidth: e Next: s");
    expect(texts[1]).toBe("memory bandwidth: e Next: s");
    expect(texts[2]).toContain("memory-bound");
    expect(standin.requests).toHaveLength(2);
  });
});

describe("model coder", () => {
  it("returns the model's rewrite of the verified parent as a model-origin source (Anthropic)", async () => {
    const policies = resolve({ coderModel: "anthropic:claude-sonnet-4-5" });
    standin.script("anthropic", { kind: "tool", args: { source: REWRITE, summary: "tail peeled out of the unrolled loop" }, usage: { input: 1500, output: 700 } });
    const out = await policies.coder.write(coderInput({ parentHash: "inc0001" }));
    expect(out).toEqual({ ok: true, source: REWRITE, summary: "tail peeled out of the unrolled loop", origin: "model" });
    const body = standin.requests[0]!.body;
    expect(body.tool_choice).toEqual({ type: "tool", name: "write_variant" });
    const prompt = allText(body);
    expect(prompt).toContain("peel the tail out of the unrolled loop");
    expect(prompt).toContain("verified variant inc0001");
    expect(prompt).toContain("for (int b = 0; b < n; b += BLOCK)");
    expect(prompt).toContain("keep using the parameter macros UNROLL, BLOCK");
    // The record names the variant the rewrite becomes, so its cost can be joined to its evaluations.
    const hash = makeVariant(spec, { UNROLL: 4, BLOCK: 128 }, { source: REWRITE, origin: "model" }).hash;
    expect(sink.calls[0]).toMatchObject({ role: "coder", tokensIn: 1500, tokensOut: 700, ok: true, variantHash: hash });
  });

  it("instantiates the template without a model call when the proposal has no code change", async () => {
    const policies = resolve({ coderModel: "anthropic:claude-sonnet-4-5" });
    const out = await policies.coder.write(coderInput({ proposal: { params: { UNROLL: 2, BLOCK: 64 }, proposedBy: "strategy" } }));
    expect(out).toEqual({ ok: true, source: TEMPLATE, summary: "template instantiation", origin: "template" });
    expect(standin.requests).toHaveLength(0);
  });

  it("refuses a rewrite that drops a parameter macro, after feeding the reason back, with a record per attempt", async () => {
    const policies = resolve({ coderModel: "openai:gpt-4o" });
    const drop = { kind: "tool" as const, args: { source: DROPS_BLOCK, summary: "removed blocking" } };
    standin.script("openai", drop, drop, drop);
    const out = await policies.coder.write(coderInput());
    expect(out.ok).toBe(false);
    expect(out.ok ? "" : out.reason).toContain("no longer uses the parameter macro(s) BLOCK");
    expect(lastUserText(standin.requests[1]!.body)).toContain("no longer uses the parameter macro(s) BLOCK");
    expect(sink.calls).toHaveLength(3);
    expect(sink.calls.every((c) => c.role === "coder" && !c.ok)).toBe(true);
    expect(policies.metrics().coder).toEqual({ rewrites: 0, refused: 1, restarts: 0 });
  });

  it("shows a failed rewrite only as repair context and starts again from the verified parent after the failure limit", async () => {
    const policies = resolve({ coderModel: "openai:gpt-4o", coderMaxFailures: "2" });
    const attempt = (n: number) => ({ kind: "tool" as const, args: { source: REWRITE.replace("restrict x", `restrict x /* attempt ${n} */`), summary: `attempt ${n}` } });
    standin.script("openai", attempt(1), attempt(2), attempt(3));
    await policies.coder.write(coderInput({ parentHash: "inc0001" }));
    await policies.coder.write(coderInput({ parentHash: "inc0001", feedback: "compile error: expected ';' before '}' token" }));
    await policies.coder.write(coderInput({ parentHash: "inc0001", feedback: "wrong result at index 3" }));
    const [, second, third] = standin.requests.map((r) => allText(r.body));
    expect(second).toContain("expected ';' before '}' token");
    expect(second).toContain("attempt 1");
    expect(third).not.toContain("attempt 2");
    expect(third).not.toContain("wrong result at index 3");
    expect(third).toContain("verified variant inc0001");
    expect(policies.metrics().coder).toEqual({ rewrites: 3, refused: 0, restarts: 1 });
  });

  it("counts a rewrite that became the verified parent as a success and keeps no stale repair context", async () => {
    const policies = resolve({ coderModel: "openai:gpt-4o", coderMaxFailures: "2" });
    const first = REWRITE.replace("restrict x", "restrict x /* first */");
    const second = REWRITE.replace("restrict x", "restrict x /* second */");
    standin.script("openai", { kind: "tool", args: { source: first, summary: "first" } }, { kind: "tool", args: { source: second, summary: "second" } }, { kind: "tool", args: { source: REWRITE, summary: "third" } });
    await policies.coder.write(coderInput({ parentHash: "inc0001" }));
    const accepted = makeVariant(spec, { UNROLL: 4, BLOCK: 128 }, { source: first, origin: "model" }).hash;
    await policies.coder.write(coderInput({ parentHash: accepted, parentSource: first, feedback: `accepted ${accepted}` }));
    await policies.coder.write(coderInput({ parentHash: accepted, parentSource: first, feedback: "rejected: 1.6 ms is not faster" }));
    const [, afterSuccess, afterFailure] = standin.requests.map((r) => allText(r.body));
    expect(afterSuccess).not.toContain("Your previous rewrite");
    expect(afterSuccess).toContain(`verified variant ${accepted}`);
    expect(afterFailure).toContain("Your previous rewrite");
    expect(afterFailure).toContain("/* second */");
    expect(afterFailure).toContain("1.6 ms is not faster");
    expect(policies.metrics().coder).toEqual({ rewrites: 3, refused: 0, restarts: 0 });
  });
});

describe("model critic", () => {
  it("adds one bottleneck diagnosis from the measured metrics", async () => {
    const policies = resolve({ criticModel: "openai:gpt-4o" });
    standin.script("openai", {
      kind: "tool",
      args: { bottleneck: "memory_bandwidth", evidence: "5.6 GB/s is 0.1% of the 4800 GB/s peak.", suggestion: "Stream with wider contiguous accesses." },
    });
    const text = await policies.critic.diagnose({
      spec,
      device,
      incumbent: planInput().incumbent,
      round: [
        { params: { UNROLL: 4, BLOCK: 128 }, status: "ok", medianMs: 1.4, compile: { objectBytes: 1000 } },
        { params: { UNROLL: 8, BLOCK: 64 }, status: "compile_error" },
      ],
    });
    expect(text).toBe("memory bandwidth: 5.6 GB/s is 0.1% of the 4800 GB/s peak. Next: Stream with wider contiguous accesses.");
    const prompt = allText(standin.requests[0]!.body);
    expect(prompt).toContain("exactly ONE bottleneck");
    expect(prompt).toContain("compile_error  UNROLL=8, BLOCK=64");
    expect(prompt).toContain("ok 1.400 ms  UNROLL=4, BLOCK=128");
  });

  it("reaches Ollama's chat API with the reply constrained by a JSON schema format, at no cost", async () => {
    const policies = resolve({ criticModel: "ollama:qwen2.5-coder:32b" });
    standin.script("ollama", { kind: "tool", args: { bottleneck: "occupancy", evidence: "12% theoretical", suggestion: "fewer registers" }, usage: { input: 700, output: 45 } });
    const text = await policies.critic.diagnose({ spec, device, incumbent: planInput().incumbent, round: [] });
    expect(text).toBe("occupancy: 12% theoretical Next: fewer registers");
    const body = standin.requests[0]!.body;
    expect(standin.requests[0]!.path).toBe("/api/chat");
    expect(body.model).toBe("qwen2.5-coder:32b");
    expect(body.format.properties.bottleneck.enum).toContain("occupancy");
    expect(sink.calls).toEqual([expect.objectContaining({ role: "critic", model: "ollama:qwen2.5-coder:32b", tokensIn: 700, tokensOut: 45, costUsd: 0, ok: true })]);
  });

  it("refuses a bottleneck outside the known list and falls back to the rule-based diagnosis", async () => {
    const policies = resolve({ criticModel: "openai:gpt-4o", modelRetries: "0" });
    standin.script("openai", { kind: "tool", args: { bottleneck: "the compiler is bad", evidence: "e", suggestion: "s" } });
    const text = await policies.critic.diagnose({ spec, device, incumbent: planInput().incumbent, round: [] });
    expect(text).toContain("memory-bound");
    expect(sink.calls).toHaveLength(1);
    expect(sink.calls[0]!.ok).toBe(false);
  });
});
