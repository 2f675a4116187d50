// The critic's proof step in real campaigns: real gcc builds on this machine, the proof in the sandbox, a
// real SQLite store. A variant right at every size the harness checks but wrong at a tail size is refuted,
// its counterexample replayed through the harness, and it never becomes incumbent; a correct one is accepted
// with the evidence level "proved" and the sizes it was proved at.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startCampaign } from "../graphs/run-campaign.ts";
import { writeReport } from "../results/report.ts";
import { openStore } from "../results/store.ts";

const TAIL_BUG = join(import.meta.dirname, "fixtures", "tail-bug");
const RELU = join(import.meta.dirname, "fixtures", "relu");
const dir = mkdtempSync(join(tmpdir(), "nightshift-proof-campaign-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function read(dbPath: string, campaignId: string) {
  const store = openStore(dbPath, { mustExist: true });
  try {
    return {
      evaluations: store.evaluations(campaignId),
      incumbents: store.incumbents(campaignId),
      proofs: store.proofs(campaignId),
      ledger: store.ledger(campaignId),
    };
  } finally {
    store.close();
  }
}

describe("the proof step of the critic", () => {
  it("refutes a variant the harness passes, replays its counterexample as wrong_result, and accepts the proved one", async () => {
    const dbPath = join(dir, "tail.db");
    const outcome = await startCampaign({ specDir: TAIL_BUG, devices: ["local"], budget: 2, batchSize: 2, seed: 1 }, { dbPath });
    const { evaluations, incumbents, proofs, ledger } = read(dbPath, outcome.campaignId);

    // The harness alone accepts both: the sizes it checks are multiples of 4. (Results are stored as they
    // finish, and either build may finish first.)
    const explored = evaluations.filter((e) => e.purpose === "explore");
    const verdicts = explored.map((e) => ({ params: e.params, result: e.result }));
    expect(explored.map((e) => [e.params.UNROLL, e.status]).sort(), JSON.stringify(verdicts)).toEqual([
      [1, "ok"],
      [4, "ok"],
    ]);
    const buggy = explored.find((e) => e.params.UNROLL === 4)!.variantHash;
    const right = explored.find((e) => e.params.UNROLL === 1)!.variantHash;

    const refuted = proofs.find((p) => p.variantHash === buggy)!.verdict;
    expect(refuted.status).toBe("refuted");
    if (refuted.status !== "refuted") return;
    expect(Number(refuted.size.N) % 4).not.toBe(0);

    // The counterexample went through the harness on the device, and the harness saw the difference too.
    const replay = evaluations.find((e) => e.variantHash === buggy && e.result.givenInputs !== undefined)!;
    expect(replay.purpose).toBe("confirm");
    expect(replay.status).toBe("wrong_result");
    expect(replay.result.givenInputs!.size).toEqual(refuted.size);
    expect(replay.result.givenInputs!.values.x).toEqual(refuted.counterexample.x);

    expect(incumbents.map((a) => a.incumbent.variantHash)).toEqual([right]);
    const incumbent = incumbents[0]!.incumbent;
    expect(incumbent.evidence).toBe("proved");
    expect(incumbent.proof?.status).toBe("proved");
    expect(incumbent.proof!.sizes!.length).toBeGreaterThanOrEqual(40);
    expect(incumbent.proof!.sizes!.map((s) => s.N)).toContain(3);
    expect(outcome.best?.variantHash).toBe(right);

    // The report says it per variant: the best is proved (with its sizes), the refuted one is marked so.
    const store = openStore(dbPath, { mustExist: true });
    const files = writeReport(store, outcome.campaignId, join(dir, "tail-report"));
    store.close();
    const report = readFileSync(files.markdownPath, "utf8");
    expect(report).toMatch(/- Evidence: proved equivalent to the reference at \d+ sizes \(N 1–\d+\)/);

    const entry = ledger.find((e) => e.variantHash === buggy)!;
    expect(entry.status).toBe("wrong_result");
    expect(entry.message).toMatch(/refuted by the proof at N=\d+/);
  });

  it("with proofs off accepts what the harness alone passes, the tail bug included: why proofs are on by default", async () => {
    const dbPath = join(dir, "off.db");
    const off = await startCampaign({ specDir: TAIL_BUG, devices: ["local"], budget: 2, batchSize: 2, seed: 1, proofs: "off" }, { dbPath });
    const { incumbents, proofs } = read(dbPath, off.campaignId);
    expect(proofs).toEqual([]);
    expect(incumbents[0]!.incumbent.params).toEqual({ UNROLL: 4 });
    expect(incumbents[0]!.incumbent.evidence).toMatch(/^(tested|sanitized)$/);
  });

  it("accepts an unproven variant as tested with the reason, and none when the campaign requires proof", async () => {
    const dbPath = join(dir, "relu.db");
    const on = await startCampaign({ specDir: RELU, devices: ["local"], budget: 1, seed: 1 }, { dbPath });
    const accepted = read(dbPath, on.campaignId).incumbents.map((a) => a.incumbent);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.evidence).toMatch(/^(tested|sanitized)$/);
    expect(accepted[0]!.proof?.status).toBe("unproven");
    expect(accepted[0]!.proof?.reason).toMatch(/\S/);
    const store = openStore(dbPath, { mustExist: true });
    const files = writeReport(store, on.campaignId, join(dir, "relu-report"));
    store.close();
    expect(readFileSync(files.markdownPath, "utf8")).toContain(`; not proved: ${accepted[0]!.proof!.reason}`);

    const required = await startCampaign({ specDir: RELU, devices: ["local"], budget: 1, seed: 1, proofs: "required" }, { dbPath });
    const { incumbents, evaluations } = read(dbPath, required.campaignId);
    expect(evaluations.filter((e) => e.purpose === "explore").map((e) => e.status)).toEqual(["ok"]);
    expect(incumbents).toEqual([]);
    expect(required.best).toBeNull();
  });
});
