// `nightshift run --model ...` as a user runs it: bin/nightshift.js in a subprocess, the fast C fixture
// built with gcc, every model role answered by the stand-in service through the real OpenAI client.
// Without --model the same command runs the offline policies and says so in one log line.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeVariant } from "../harness/variant.ts";
import { openStore } from "../results/store.ts";
import { loadSpec } from "../specs/load.ts";
import { startModelStandin, type ModelStandin } from "./support/model-standin.ts";

const CLI = join(import.meta.dirname, "..", "bin", "nightshift.js");
const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const KEY = "sk-dummy-cli-0123456789";
const dir = mkdtempSync(join(tmpdir(), "nightshift-cli-model-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Async on purpose: the stand-in answers from this process, so the test must not block on the child. */
function nightshift(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OPENAI|ANTHROPIC|OLLAMA|LANGSMITH|LANGCHAIN)_/.test(k)));
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...clean, VITEST: "", NIGHTSHIFT_LOG_LEVEL: "info", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const template = readFileSync(join(SPEC, "scale.c"), "utf8");
/** Forgets the "+ 1": fast and wrong. */
const WRONG = template.replace("y[i] = 2.0f * x[i] + 1.0f;", "y[i] = 2.0f * x[i];");
/** One pass instead of PASSES identical ones: the same output, much less time (PASSES stays a macro). */
const FAST = template.replace("pass < PASSES;", "pass < (PASSES > 0 ? 1 : 0);");
const IDEA_WRONG = "Drop the constant term from the inner loop.";
const IDEA_FAST = "Every pass writes the same output: run one pass only.";
const BASE = { UNROLL: 1, PASSES: 16, FLAVOR: "plain" };

const diagnosis = { kind: "tool" as const, args: { bottleneck: "compute_throughput", evidence: "repeated passes", suggestion: "remove redundant work" }, usage: { input: 500, output: 50 } };
const plan = (params: object, idea?: string) => ({
  kind: "tool" as const,
  args: { experiments: [{ params, ...(idea ? { idea } : {}), rationale: "the passes repeat the same work", expectedEffect: "faster" }] },
  usage: { input: 1500, output: 120 },
});
const rewrite = (source: string) => ({ kind: "tool" as const, args: { source, summary: "rewrite" }, usage: { input: 1000, output: 300 } });

let standin: ModelStandin;
beforeEach(async () => {
  standin = await startModelStandin();
});
afterEach(async () => {
  await standin.stop();
});

describe("nightshift run with and without a model", () => {
  it("records every model call in the campaign's store, ledgers the failed idea, and reports each rewrite's cost", async () => {
    // Ideas at the baseline's own settings must reach the coder (they are code changes, not re-measurements).
    standin.script(
      "openai",
      diagnosis,
      plan(BASE, IDEA_WRONG),
      rewrite(WRONG),
      diagnosis,
      plan(BASE, IDEA_FAST),
      rewrite(FAST),
      diagnosis,
      // A template variant doing 4 passes: clearly slower than the one-pass rewrite, so the winner does not depend on noise.
      plan({ UNROLL: 2, PASSES: 4, FLAVOR: "plain" }),
      diagnosis,
    );
    const db = join(dir, "model.db");
    const run = await nightshift(
      ["run", SPEC, "--budget", "4", "--batch", "1", "--seed", "3", "--db", db, "--json", "--model", "openai:gpt-4o", "--model-base-url", standin.openaiBaseUrl],
      { OPENAI_API_KEY: KEY },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(standin.unscripted).toBe(0);
    const outcome = JSON.parse(run.stdout.trim());
    const spec = loadSpec(SPEC);
    const hashOf = (source: string) => makeVariant(spec, BASE, { source, origin: "model" }).hash;
    expect(outcome.best.variantHash).toBe(hashOf(FAST));

    const store = openStore(db, { mustExist: true });
    try {
      const calls = store.modelCalls(outcome.campaignId);
      expect(calls.map((c) => c.role).join(",")).toBe("critic,planner,coder,critic,planner,coder,critic,planner,critic");
      expect(calls.filter((c) => c.role === "coder").map((c) => c.variantHash)).toEqual([hashOf(WRONG), hashOf(FAST)]);
      expect(calls.every((c) => c.ok && c.model === "openai:gpt-4o" && c.costUsd > 0)).toBe(true);

      const ledgered = store.ledger(outcome.campaignId).find((e) => e.variantHash === hashOf(WRONG));
      expect(ledgered).toMatchObject({ status: "wrong_result", idea: IDEA_WRONG, pattern: {} });

      // The second rewrite was told what became of the first.
      const coderPrompts = standin.requests.filter((r) => r.body.tool_choice?.function?.name !== "propose_experiments").map((r) => JSON.stringify(r.body.messages));
      expect(coderPrompts.some((p) => p.includes(`rewrite ${hashOf(WRONG)}`) && p.includes("failed: wrong_result"))).toBe(true);

      // Resume rebuilds the same policies from the record: models and options, never the key.
      const config = store.getCampaign(outcome.campaignId)!.config;
      expect(config.models).toEqual({ planner: "openai:gpt-4o", coder: "openai:gpt-4o", critic: "openai:gpt-4o" });
      expect(config.options?.modelOptions).toMatchObject({ model: "openai:gpt-4o", modelBaseUrl: standin.openaiBaseUrl });
      expect(JSON.stringify(config)).not.toContain(KEY);
    } finally {
      store.close();
    }

    const out = join(dir, "model-report");
    const report = await nightshift(["report", outcome.campaignId, "--db", db, "--out", out]);
    expect(report.status, report.stderr).toBe(0);
    const markdown = readFileSync(join(out, "fastscale_report.md"), "utf8");
    expect(markdown).toContain("## Model calls");
    expect(markdown).toContain("| model cost (USD) |");
    const fastCost = (1000 * 2.5 + 300 * 10) / 1e6;
    expect(markdown).toMatch(new RegExp(`\\| \`${hashOf(FAST)}\` \\| local \\| ${IDEA_FAST.slice(0, 20)}[^|]*\\| ok \\| [^|]+ \\| ${fastCost.toFixed(4)} \\|`));
    expect(markdown).toMatch(new RegExp(`\\| \`${hashOf(WRONG)}\` \\| local \\| [^|]+\\| wrong_result \\| – \\|`));
    expect(run.stderr + report.stderr).not.toContain(KEY);
  });

  it("without --model runs the offline policies and says so in exactly one log line", async () => {
    const run = await nightshift(["run", SPEC, "--budget", "2", "--db", join(dir, "offline.db"), "--json"], { OPENAI_API_KEY: KEY });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stderr.split("\n").filter((l) => l.includes("no chat model configured"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).msg).toBe("no chat model configured: offline policies (planner strategy:hybrid, coder template, critic rules)");
    expect(standin.requests).toHaveLength(0);
  });
});
