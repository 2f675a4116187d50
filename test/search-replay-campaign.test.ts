// Replay campaigns as the strategy benchmark runs them (graphs/replay-campaign.ts): the campaign graph on
// recorded GPU data, what a strategy sees and what the score is computed from.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isNightshiftError } from "../core/errors.ts";
import { runReplayCampaign } from "../graphs/replay-campaign.ts";
import { loadReplayData } from "../spaces/load.ts";
import { spaceFromSpec } from "../spaces/search-space.ts";
import { specFromSpaceFile } from "../spaces/space-spec.ts";
import type { ReplayData } from "../spaces/types.ts";
import { DEFAULT_STRATEGY, getStrategy } from "../strategies/registry.ts";
import { scoreBaseline, scoreRun } from "../strategies/score.ts";
import type { Observation, ProposeInput, Strategy } from "../strategies/types.ts";

const DATA = join(import.meta.dirname, "..", "data", "spaces");
const convolution = loadReplayData(join(DATA, "convolution", "A4000.json.gz"));
const pnpoly = loadReplayData(join(DATA, "pnpoly", "RTX_3090.json.gz"));
const specOf = (data: ReplayData, t1: string) => specFromSpaceFile(join(DATA, "t1", `${t1}.json`), [data]);

function run(data: ReplayData, t1: string, strategy: Strategy, seed: number, budget: number, noisy = false) {
  return runReplayCampaign({ data, spec: specOf(data, t1), strategy, seed, budget, batch: 8, noisy, priors: [] });
}

describe("a replay campaign on measured GPU data", () => {
  it("with the default strategy beats random search on the convolution space", async () => {
    // RTX A4000's space (budget 356) rather than MI250X's (budget 57): over four seeds the mean must differ by
    // far more than which basin a seed happens to land in, and on a 57-evaluation budget it does not.
    const spec = specOf(convolution, "convolution_milo");
    const baseline = scoreBaseline(spaceFromSpec(spec).validConfigs().map((c) => convolution.entries.get(convolution.space.key(c))!.value));
    const score = async (name: string): Promise<number> => {
      let sum = 0;
      for (let seed = 0; seed < 4; seed++) sum += scoreRun(baseline, (await run(convolution, "convolution_milo", getStrategy(name), seed, baseline.budget)).trace);
      return sum / 4;
    };
    expect(await score(DEFAULT_STRATEGY)).toBeGreaterThan((await score("random")) + 0.5);
  });

  it("counts failed configurations against the budget, as null in the trace", async () => {
    const { trace, decisions } = await run(pnpoly, "pnpoly", getStrategy("random"), 1, 100);
    expect(trace).toHaveLength(100);
    expect(trace.filter((v) => v === null).length).toBe(decisions.explore.filter((e) => e.status !== "ok").length);
    expect(trace.some((v) => v === null)).toBe(true);
  });

  it("with noise shows the strategy re-drawn measurements and keeps each configuration's recorded mean in the trace", async () => {
    const seen: Observation[] = [];
    const recorder: Strategy = {
      name: "recorder",
      propose: (input: ProposeInput) => {
        seen.splice(0, seen.length, ...input.history);
        return getStrategy("random").propose(input);
      },
    };
    const { trace, decisions } = await run(pnpoly, "pnpoly", recorder, 2, 65, true);
    expect(trace).toEqual(decisions.explore.map((e) => pnpoly.entries.get(e.key)!.value));
    // The strategy sees what the ledger has not ruled out, so its history is matched by configuration.
    expect(seen.length).toBeGreaterThan(40);
    let differs = 0;
    for (const o of seen) {
      const entry = pnpoly.entries.get(pnpoly.space.key(o.config))!;
      if (entry.value === null) {
        expect(o.value).toBeNull();
        continue;
      }
      expect(o.value).toBeGreaterThanOrEqual(Math.min(...entry.samples!));
      expect(o.value).toBeLessThanOrEqual(Math.max(...entry.samples!));
      if (o.value !== entry.value) differs++;
    }
    expect(differs).toBeGreaterThan(seen.length / 2);
  });

  it("reports a configuration the spec allows but the data lacks as REPLAY_MISS", async () => {
    const spec = specOf(pnpoly, "pnpoly");
    const partial = { ...pnpoly, entries: new Map([...pnpoly.entries].filter(([key]) => key !== pnpoly.space.key(spec.baseline))) };
    const error = await runReplayCampaign({ data: partial, spec, strategy: getStrategy("random"), seed: 0, budget: 20, batch: 8, noisy: false, priors: [] }).catch((e: unknown) => e);
    expect(isNightshiftError(error) && error.code).toBe("REPLAY_MISS");
  });
});
