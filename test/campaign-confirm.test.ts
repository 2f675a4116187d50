// The critic's confirmation of new bests and the incumbent it keeps, on a scripted device: real-shaped
// results with chosen samples, so every verdict here is forced and independent of the machine's load.
// Real gcc builds and runs of the same path are in critic-campaign.test.ts.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CampaignEvent } from "../agents/context.ts";
import { resumeCampaign, startCampaign, type CampaignOptions, type CampaignRequest } from "../graphs/run-campaign.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { makeVariant } from "../harness/variant.ts";
import { openStore } from "../results/store.ts";
import { loadSpec } from "../specs/load.ts";
import type { Params } from "../specs/schema.ts";
import { tempDir } from "../testbed/procs.ts";
import { ScriptedPlanner } from "./support/scripted-planner.ts";
import { around, scriptedRunner, type Script, type ScriptedRunner } from "./support/scripted-runner.ts";

const SPEC = join(import.meta.dirname, "fixtures", "fast-kernel");
const spec = loadSpec(SPEC);
const plain = (UNROLL: number, PASSES: number): Params => ({ UNROLL, PASSES, FLAVOR: "plain" });
const hashOf = (params: Params) => makeVariant(spec, params).hash;
const BASE = plain(1, 16);
const B = hashOf(BASE);

/** Profile files with fixed peaks (no calibration), one per device name. */
function profiles(dir: string, names: string[]): string[] {
  const template = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "test-local-profile.json"), "utf8"));
  return names.map((name) => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ ...template, name }));
    return file;
  });
}

function setup(name: string, rounds: Params[][], script: Script, devices = ["cpu"]) {
  const dir = tempDir(`nightshift-confirm-${name}-`);
  const dbPath = join(dir, "store.db");
  const planners = new Map<string, ScriptedPlanner>();
  const runners = new Map<string, ScriptedRunner>();
  const events: CampaignEvent[] = [];
  const files = profiles(dir, devices);
  const options = (extra: Partial<CampaignOptions> = {}, scriptFor: (device: string) => Script = () => script): CampaignOptions => ({
    dbPath,
    plannerFor: (p: HardwareProfile) => planners.get(p.name) ?? planners.set(p.name, new ScriptedPlanner(rounds)).get(p.name)!,
    runnerFor: (p: HardwareProfile) => runners.set(p.name, scriptedRunner(p, scriptFor(p.name))).get(p.name)!,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  const request = (r: Partial<CampaignRequest>): CampaignRequest => ({ specDir: SPEC, devices: files, batchSize: 1, seed: 1, ...r, tuning: { retryDelaysMs: [1, 1], ...r.tuning } });
  const read = (id: string) => {
    const store = openStore(dbPath, { mustExist: true });
    try {
      return { evaluations: store.evaluations(id), incumbents: store.incumbents(id), ledger: store.ledger(id), campaign: store.getCampaign(id)! };
    } finally {
      store.close();
    }
  };
  return { dbPath, planners, runners, events, options, request, read };
}

describe("confirming a new best", () => {
  it("re-measures even a large gain interleaved with the incumbent, outside the budget, and accepts it with the CI of the improvement", async () => {
    const C = hashOf(plain(1, 1));
    const t = setup("large", [[plain(1, 1)]], (v) => around(v.hash === B ? 1.0 : 0.5));
    const outcome = await startCampaign(t.request({ budget: 2 }), t.options());
    const { evaluations, incumbents } = t.read(outcome.campaignId);
    expect(evaluations.filter((e) => e.purpose === "confirm").map((e) => e.variantHash)).toEqual([C, B, C, B, C, B]);
    expect(outcome.evaluations).toBe(2);
    expect(outcome.best?.variantHash).toBe(C);
    expect(incumbents.map((a) => a.incumbent.variantHash)).toEqual([B, C]);
    expect(incumbents[1]!.verdict).toMatch(/^accepted [0-9a-f]+ after interleaved confirmation: improvement 50\.0% \(95% CI 4\d\.\d%\.\.5\d\.\d%\), won 3\/3/);
  });

  it("keeps the incumbent when a lucky first run loses the interleaved pairs", async () => {
    const C = hashOf(plain(2, 16));
    // The candidate's first run reads 20% faster; when interleaved it wins one pair of three.
    const luck = [0.8, 1.1, 0.8, 1.1];
    const t = setup("lucky", [[plain(2, 16)]], (v, visit) => around(v.hash === C ? luck[visit - 1]! : 1.0));
    const outcome = await startCampaign(t.request({ budget: 2 }), t.options());
    const rejected = t.events.find((e): e is Extract<CampaignEvent, { type: "rejected" }> => e.type === "rejected");
    expect(rejected).toMatchObject({ variantHash: C, reason: expect.stringMatching(/^not accepted [0-9a-f]+: .*won 1\/3 interleaved pairs/) });
    expect(outcome.best?.variantHash).toBe(B);
    expect(t.read(outcome.campaignId).incumbents.map((a) => a.incumbent.variantHash)).toEqual([B]);
  });
});

describe("a variant that fails its confirmation run", () => {
  it("is no success to the ledger: two failures sharing its setting blame that setting", async () => {
    const C = hashOf(plain(2, 4));
    // plain(2, 4) reads fast when explored and computes a wrong result when confirmed; the other UNROLL=2
    // settings fail outright. Counted as a success it would have shielded UNROLL=2 from any blame.
    const t = setup("confirm-not-success", [[plain(2, 4)], [plain(2, 1)], [plain(2, 16)]], (v, visit) =>
      v.hash === C ? (visit === 1 ? around(0.5) : { status: "wrong_result" }) : v.hash === B ? around(1.0) : { status: "wrong_result" },
    );
    const outcome = await startCampaign(t.request({ budget: 4 }), t.options());
    const { ledger, evaluations } = t.read(outcome.campaignId);
    expect(evaluations).toContainEqual(expect.objectContaining({ variantHash: C, purpose: "confirm", status: "wrong_result" }));
    expect(evaluations).toContainEqual(expect.objectContaining({ variantHash: C, purpose: "explore", status: "ok" }));
    expect(ledger).toContainEqual(expect.objectContaining({ status: "wrong_result", pattern: { UNROLL: 2 } }));
    expect(outcome.best?.variantHash).toBe(B);
  });
});

describe("an incumbent that fails its own confirmation run", () => {
  it("is demoted: the latest still-verified incumbent becomes incumbent and parent again, and the store says so", async () => {
    const C1 = hashOf(plain(1, 4));
    const C2 = hashOf(plain(1, 1));
    const times: Record<string, number> = { [B]: 1.0, [C1]: 0.5, [C2]: 0.4, [hashOf(plain(2, 4))]: 0.45 };
    // C1 passes its exploration and its own confirmation, then computes a wrong result when it defends.
    const t = setup("demote", [[plain(1, 4)], [plain(1, 1)], [plain(2, 4)]], (v, visit) => (v.hash === C1 && visit === 5 ? { status: "wrong_result" } : around(times[v.hash]!)));
    const outcome = await startCampaign(t.request({ budget: 4 }), t.options());
    const { incumbents, ledger } = t.read(outcome.campaignId);
    expect(incumbents.map((a) => a.incumbent.variantHash)).toEqual([B, C1, B, hashOf(plain(2, 4))]);
    expect(incumbents[2]!.verdict).toMatch(new RegExp(`^demoted ${C1}: incumbent failed its confirmation run: .*the incumbent is ${B} again; ${C2} not accepted`));
    expect(outcome.best?.variantHash).toBe(hashOf(plain(2, 4)));
    expect(ledger).toContainEqual(expect.objectContaining({ variantHash: C1, status: "wrong_result" }));
    expect(t.events).toContainEqual(expect.objectContaining({ type: "demoted", variantHash: C1, incumbent: expect.objectContaining({ variantHash: B }) }));
    // The round after the demotion plans from the fallback, and rewrites would descend from it.
    expect(t.planners.get("cpu")!.asked[2]!.incumbent?.variantHash).toBe(B);
  });

  it("leaves no incumbent when none earlier is still verified, and the next verified variant starts over", async () => {
    const C = hashOf(plain(1, 1));
    const t = setup("demote-none", [[plain(1, 1)], [plain(2, 16)]], (v, visit) => (v.hash === B && visit === 2 ? { status: "timeout" } : around(v.hash === C ? 0.5 : 0.9)));
    const outcome = await startCampaign(t.request({ budget: 3 }), t.options());
    const { incumbents } = t.read(outcome.campaignId);
    const planner = t.planners.get("cpu")!;
    // The planner of the round after the demotion was shown no incumbent.
    expect(planner.asked[1]!.incumbent).toBeNull();
    expect(incumbents.map((a) => [a.incumbent.variantHash, a.verdict.split(" ")[0]])).toEqual([
      [B, "first"],
      [B, "demoted"],
      [hashOf(plain(2, 16)), "first"],
    ]);
    expect(outcome.best?.variantHash).toBe(hashOf(plain(2, 16)));
  });
});

describe("retries", () => {
  it("never retry a kernel fault, and retry an infrastructure error", async () => {
    const [X, Y, Z] = [plain(2, 16), plain(4, 16), plain(2, 4)].map(hashOf) as [string, string, string];
    const t = setup("retries", [[plain(2, 16), plain(4, 16), plain(2, 4)]], (v, visit) =>
      v.hash === X ? { status: "wrong_result" } : v.hash === Y ? { status: "timeout" } : v.hash === Z && visit === 1 ? { status: "infra_error" } : around(v.hash === Z ? 2 : 1),
    );
    const outcome = await startCampaign(t.request({ budget: 4, batchSize: 3 }), t.options());
    const runner = t.runners.get("cpu")!;
    expect([runner.visits(X), runner.visits(Y), runner.visits(Z)]).toEqual([1, 1, 2]);
    expect(outcome.evaluations).toBe(4);
    expect(outcome.devices[0]!.failures).toEqual({ wrong_result: 1, timeout: 1 });
  });
});

describe("a stop request during a confirmation", () => {
  it("commits no made-up results and no verdict; resume confirms from where it stopped", async () => {
    const C = hashOf(plain(1, 1));
    const script: Script = (v) => around(v.hash === C ? 0.5 : 1.0);
    const t = setup("abort", [[plain(1, 1)]], script);
    const controller = new AbortController();
    const stopOnSecondConfirm = (device: HardwareProfile) =>
      scriptedRunner(device, script, {
        // The candidate's explore run, its first confirmation, the incumbent's first: then Ctrl-C.
        beforeRun: (v, visit) => {
          if (v.hash === C && visit === 3) controller.abort();
        },
      });
    const first = await startCampaign(t.request({ budget: 2 }), t.options({ runnerFor: stopOnSecondConfirm, signal: controller.signal }));
    expect(first).toMatchObject({ state: "running", stopReason: "interrupted" });
    const stopped = t.read(first.campaignId);
    expect(stopped.evaluations.filter((e) => e.status === "infra_error")).toEqual([]);
    expect(stopped.evaluations.filter((e) => e.purpose === "confirm").map((e) => e.variantHash)).toEqual([C, B]);
    expect(stopped.incumbents.map((a) => a.verdict)).toEqual([expect.stringMatching(/^first verified variant/)]);
    expect(t.events.some((e) => e.type === "rejected")).toBe(false);

    const resumed = await resumeCampaign(first.campaignId, t.options());
    const after = t.read(first.campaignId);
    expect(resumed).toMatchObject({ state: "finished", stopReason: "budget", evaluations: 2 });
    expect(after.evaluations.filter((e) => e.purpose === "confirm").map((e) => e.variantHash)).toEqual([C, B, C, B, C, B]);
    expect(after.incumbents.map((a) => a.incumbent.variantHash)).toEqual([B, C]);
  });
});

describe("a device that stops as unreachable", () => {
  it("keeps a two-device campaign resumable while the other device finished, and resume completes it", async () => {
    let down = true;
    const t = setup("down", [[plain(1, 1)]], () => [], ["cpu-a", "cpu-b"]);
    const scriptFor = (device: string): Script => (v) => (device === "cpu-b" && down ? { status: "infra_error" } : around(v.hash === B ? 1.0 : 0.5));
    const first = await startCampaign(t.request({ budget: 2, tuning: { maxInfraRounds: 2 } }), t.options({}, scriptFor));
    expect(first.devices.map((d) => d.stopReason)).toEqual(["budget", "device_down"]);
    expect(first).toMatchObject({ state: "running", stopReason: "device_down" });
    expect(t.read(first.campaignId).campaign.state).toBe("running");

    down = false;
    const second = await resumeCampaign(first.campaignId, t.options({}, scriptFor));
    expect(second).toMatchObject({ state: "finished", stopReason: "budget", evaluations: 4 });
    expect(second.devices.map((d) => d.best?.variantHash)).toEqual([hashOf(plain(1, 1)), hashOf(plain(1, 1))]);
  });
});
