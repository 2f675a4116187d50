// The ledger's blame is a hypothesis the campaign tests: a generalised pattern is probed once at the
// configuration least like its failures, a success there lifts it, and a failure there leaves it standing.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ledgerProbe } from "../agents/ledger-probe.ts";
import { restrictSpace, standingLedger } from "../agents/ledger.ts";
import { runReplayCampaign } from "../graphs/replay-campaign.ts";
import type { LedgerEntry } from "../results/types.ts";
import { loadReplayData } from "../spaces/load.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import { specFromSpaceFile } from "../spaces/space-spec.ts";
import { loadSpec } from "../specs/load.ts";
import type { Params } from "../specs/schema.ts";
import type { ProposeInput, Strategy } from "../strategies/types.ts";

const space = spaceFromSpec(loadSpec("test/fixtures/fast-kernel"));
const blamed: LedgerEntry = { status: "compile_error", pattern: { FLAVOR: "broken" }, message: "2 failures", variantHash: "x", device: "local", occurrences: 2 };
const failures: Params[] = [
  { UNROLL: 4, PASSES: 16, FLAVOR: "broken" },
  { UNROLL: 4, PASSES: 4, FLAVOR: "broken" },
];
const successes: Params[] = [
  { UNROLL: 1, PASSES: 16, FLAVOR: "plain" },
  { UNROLL: 2, PASSES: 1, FLAVOR: "plain" },
];

describe("probing the ledger's blame", () => {
  it("measures the configuration in a blamed pattern least like the failures it was blamed on", () => {
    const probe = ledgerProbe(space, [blamed], [...failures, ...successes], 18);
    // The failures share UNROLL=4 and large PASSES: the probe is as far from both as the pattern allows.
    expect(probe?.params).toEqual({ UNROLL: 1, PASSES: 1, FLAVOR: "broken" });
    expect(probe?.entry).toBe(blamed);
  });

  it("probes a pattern once: after a measurement beyond its failures it is not due again", () => {
    const probed = [...failures, ...successes, { UNROLL: 1, PASSES: 1, FLAVOR: "broken" }];
    expect(ledgerProbe(space, [blamed], probed, 18)).toBeNull();
  });

  it("does not probe a pattern that removes fewer configurations than one evaluation is worth", () => {
    // Nine configurations are blamed, seven unmeasured; a budget of 2 out of 18 makes one evaluation worth nine.
    expect(ledgerProbe(space, [blamed], [...failures, ...successes], 2)).toBeNull();
    expect(ledgerProbe(space, [blamed], [...failures, ...successes], 3)).not.toBeNull();
  });

  it("does not probe what names one configuration or a failed idea", () => {
    const exact: LedgerEntry = { ...blamed, pattern: failures[0]! };
    const idea: LedgerEntry = { ...blamed, pattern: {}, idea: "unroll by hand" };
    expect(ledgerProbe(space, [exact, idea], [...failures, ...successes], 18)).toBeNull();
  });

  it("lifts a pattern a success matches, and keeps one only failures match", () => {
    const probeRan = standingLedger([blamed], [...successes, { UNROLL: 1, PASSES: 1, FLAVOR: "broken" }]);
    expect(probeRan).toEqual([]);
    expect(restrictSpace(space, probeRan).validConfigs()).toHaveLength(18);
    const probeFailed = standingLedger([blamed], successes);
    expect(probeFailed).toEqual([blamed]);
    expect(restrictSpace(space, probeFailed).validConfigs()).toHaveLength(9);
  });
});

describe("a campaign whose ledger blames a setting on two failures", () => {
  // Recorded data (RTX 3090): pnpoly launches fail at large block widths with large tiles, and the fastest
  // configurations have tile_size=20 at small widths. Two failures sharing tile_size=20 and use_method=1, with
  // successes at use_method=1 elsewhere, make the ledger blame tile_size=20 alone.
  const DATA = join(import.meta.dirname, "..", "data", "spaces");
  const data = loadReplayData(join(DATA, "pnpoly", "RTX_3090.json.gz"));
  const spec = specFromSpaceFile(join(DATA, "t1", "pnpoly.json"), [data]);
  const config = (between_method: number, block_size_x: number, tile_size: number, use_method: number): Params => ({ between_method, block_size_x, tile_size, use_method });
  const first = [config(2, 864, 20, 1), config(0, 896, 20, 1), config(0, 64, 2, 1), config(1, 96, 4, 1), config(2, 128, 6, 1), config(3, 160, 8, 1), config(0, 192, 10, 1), config(1, 224, 1, 1)];

  it("measures a probe inside the pattern and, when it runs, gives the strategy those configurations back", async () => {
    const tile20 = config(0, 64, 20, 0);
    const sawTile20: boolean[] = [];
    // A scripted strategy: the batch above first, then the first unmeasured configurations of its space.
    const scripted: Strategy = {
      name: "scripted",
      propose: (input: ProposeInput) => {
        sawTile20.push(input.space.isValid(tile20));
        if (input.history.length <= 1) return first;
        const seen = new Set(input.history.map((o) => input.space.key(o.config)));
        return input.space.validConfigs().filter((c) => !seen.has(input.space.key(c))).slice(0, input.count);
      },
    };
    const { decisions } = await runReplayCampaign({ data, spec, strategy: scripted, seed: 0, budget: 40, batch: 8, noisy: false, priors: [] });
    const keys = decisions.explore.map((e) => e.key);
    expect(keys.slice(1, 3)).toEqual(["2,864,20,1", "0,896,20,1"]);
    expect(decisions.explore.slice(1, 3).map((e) => e.status)).toEqual(["runtime_error", "runtime_error"]);
    // The round after the blame: the strategy's space lacks tile_size=20, and the probe is measured beside it,
    // at the smallest width (farthest from 864 and 896), and runs.
    expect(sawTile20.slice(0, 2)).toEqual([true, false]);
    const probes = decisions.explore.slice(9).filter((e) => e.key.split(",")[2] === "20");
    expect(probes[0]).toEqual({ key: expect.stringMatching(/^\d,32,20,[02]$/), status: "ok" });
    // From then on the strategy sees tile_size=20 again.
    expect(sawTile20.at(-1)).toBe(true);
  });

  it("gives a round of one to the probe without asking the planner", async () => {
    // One configuration per round: the baseline, the two failures (the blame follows the second), the probe.
    const askedAt: number[] = [];
    const scripted: Strategy = {
      name: "scripted-one",
      propose: (input: ProposeInput) => {
        askedAt.push(input.budget.used);
        const seen = new Set(input.history.map((o) => input.space.key(o.config)));
        const next = [...first, ...input.space.validConfigs()].find((c) => input.space.isValid(c) && !seen.has(input.space.key(c)));
        return next ? [next] : [];
      },
    };
    // A budget of 40 makes a probe worth it for a pattern of at least 4092 / 40 configurations (372 here).
    const { decisions } = await runReplayCampaign({ data, spec, strategy: scripted, seed: 0, budget: 40, batch: 1, noisy: false, priors: [] });
    expect(decisions.explore.slice(1, 3).map((e) => e.status)).toEqual(["runtime_error", "runtime_error"]);
    expect(decisions.explore[3]).toEqual({ key: expect.stringMatching(/^\d,32,20,[02]$/), status: "ok" });
    // That success lifts tile_size=20, and the ledger then blames what the two failures share and no success
    // does, tile_size=20 with use_method=1: probed in the next round, it runs too.
    expect(decisions.explore[4]).toEqual({ key: expect.stringMatching(/^\d,32,20,1$/), status: "ok" });
    // Asked before every round after the baseline's but the probes' (the fourth and fifth evaluations).
    expect(askedAt).toEqual(Array.from({ length: 39 }, (_, i) => i + 1).filter((used) => used !== 3 && used !== 4));
  });
});
