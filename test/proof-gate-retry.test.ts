// A proof verdict that says nothing about the variant (the sandbox could not start on a loaded machine) is
// tried again after the campaign's retry delays, like a failed run: a model's rewrite is accepted only
// once proved, so one hiccup of the machine must not turn a correct rewrite away for the whole campaign.
// The hiccup cannot be produced on demand, so the sandboxed prover is replaced by a scripted one here.

import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CampaignContext, CampaignEvent } from "../agents/context.ts";
import { gateAcceptance } from "../agents/proof-gate.ts";
import { makeVariant } from "../harness/variant.ts";
import type { ProofVerdict } from "../proofs/types.ts";
import type { EvaluationRecord } from "../results/types.ts";
import { loadSpec } from "../specs/load.ts";

const script: ProofVerdict[] = [];
vi.mock("../proofs/index.ts", async (original) => ({
  ...(await original<typeof import("../proofs/index.ts")>()),
  proveInSandbox: vi.fn(async () => script.shift() ?? { status: "unproven", reason: "script ran out", ms: 0 }),
}));

const spec = loadSpec(join(import.meta.dirname, "fixtures", "fast-kernel"));
const hiccup: ProofVerdict = { status: "unproven", reason: "the sandbox could not start: clone: Resource temporarily unavailable", ms: 3, transient: true };
const proved: ProofVerdict = { status: "proved", sizes: [{ N: 1 }, { N: 2 }], ms: 5 };

function gate(retryDelaysMs: number[]) {
  const variant = makeVariant(spec, spec.baseline, { source: "/* a model's rewrite */\n", origin: "model" });
  const record = {
    variantHash: variant.hash,
    params: variant.params,
    origin: "model",
    result: { status: "ok", verification: { sanitized: true } },
  } as unknown as EvaluationRecord & { result: Extract<EvaluationRecord["result"], { status: "ok" }> };
  const stored: ProofVerdict[] = [];
  const events: CampaignEvent[] = [];
  const ctx = {
    campaignId: "c-00000001",
    spec,
    settings: { proofs: "on", retryDelaysMs },
    devices: new Map([["dev", { profile: { name: "dev", reach: { via: "local" } } }]]),
    store: { proofs: () => [], appendProof: (_c: string, _h: string, v: ProofVerdict) => stored.push(v) },
    emit: (e: CampaignEvent) => events.push(e),
  } as unknown as CampaignContext;
  return { result: gateAcceptance(ctx, "dev", record, variant), stored, events };
}

beforeEach(() => {
  script.length = 0;
});

describe("a proof the machine could not run", () => {
  it("is tried again, and a rewrite proved on the retry is accepted as proved", async () => {
    script.push(hiccup, hiccup, proved);
    const { result, stored, events } = gate([1, 1, 1]);
    expect(await result).toMatchObject({ pass: true, evidence: "proved" });
    expect(stored).toEqual([proved]);
    const notes = events.filter((e) => e.type === "note").map((e) => (e.type === "note" ? e.message : ""));
    expect(notes).toHaveLength(2);
    expect(notes[0]).toContain("the sandbox could not start");
  });

  it("turns a model's rewrite away when every retry fails, and stores no verdict: the store never says the variant is unproven because of the machine", async () => {
    script.push(hiccup, hiccup, hiccup);
    const { result, stored } = gate([1, 1]);
    const g = await result;
    expect(g.pass).toBe(false);
    expect(!g.pass && g.verdict).toContain("could not start");
    expect(stored).toEqual([]);
    expect(script).toEqual([]);
  });

  it("is not retried when the verdict is about the variant", async () => {
    const limit: ProofVerdict = { status: "unproven", reason: "time limit: the proof did not finish within 60000 ms", ms: 60000 };
    script.push(limit, proved);
    const { result, stored } = gate([1, 1]);
    expect(await result).toMatchObject({ pass: false });
    expect(stored).toEqual([limit]);
    expect(script).toEqual([proved]);
  });
});
