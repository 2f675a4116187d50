// A proof is of the code this machine's compiler preprocesses. A remote device that builds for "native" on
// its own host may compile other code (other predefined macros), so a proof done here is not claimed there;
// on this machine, or without native flags, it is.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CampaignContext } from "../agents/context.ts";
import { gateAcceptance } from "../agents/proof-gate.ts";
import { makeVariant } from "../harness/variant.ts";
import type { ProofVerdict } from "../proofs/types.ts";
import type { EvaluationRecord } from "../results/types.ts";
import { loadSpec } from "../specs/load.ts";

const spec = loadSpec(join(import.meta.dirname, "fixtures", "fast-kernel"));
const proved: ProofVerdict = { status: "proved", sizes: [{ N: 1 }, { N: 2 }], ms: 5 };

function gate(reach: "local" | "ssh", flags: string[]) {
  const s = { ...spec, build: { ...spec.build, flags } };
  const variant = makeVariant(s, s.baseline);
  const record = {
    variantHash: variant.hash,
    params: variant.params,
    result: { status: "ok", verification: { sanitized: true } },
  } as unknown as EvaluationRecord & { result: Extract<EvaluationRecord["result"], { status: "ok" }> };
  const ctx = {
    campaignId: "c-00000000",
    spec: s,
    settings: { proofs: "on" },
    devices: new Map([["dev", { profile: { name: "dev", reach: { via: reach } } }]]),
    store: { proofs: () => [{ campaignId: "c-00000000", variantHash: variant.hash, verdict: proved, createdAt: "" }] },
    emit: () => undefined,
  } as unknown as CampaignContext;
  return gateAcceptance(ctx, "dev", record, variant);
}

describe("a proof done on this machine", () => {
  it("is claimed for this machine's own builds, native or not", async () => {
    expect(await gate("local", ["-O3", "-march=native"])).toMatchObject({ pass: true, evidence: "proved" });
  });

  it("is claimed for a remote device whose build does not target its own host", async () => {
    expect(await gate("ssh", ["-O2"])).toMatchObject({ pass: true, evidence: "proved" });
  });

  it("is not claimed for a remote device that builds with -march=native: accepted as sanitized, with the reason", async () => {
    const g = await gate("ssh", ["-O3", "-march=native"]);
    expect(g).toMatchObject({ pass: true, evidence: "sanitized", proof: { status: "unproven" } });
    expect(g.pass && g.proof?.reason).toContain("dev builds with -march=native on its own host");
  });
});
