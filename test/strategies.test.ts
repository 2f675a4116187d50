import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { isNightshiftError } from "../core/errors.ts";
import { loadReplayData } from "../spaces/load.ts";
import { DEFAULT_STRATEGY, STRATEGY_NAMES, getStrategy } from "../strategies/registry.ts";
import { priorsFor, runReplayCampaign } from "../strategies/replay-campaign.ts";
import { scoreBaseline, scoreRun } from "../strategies/score.ts";
import { spaceFromParameters } from "../strategies/space.ts";
import type { Observation, ProposeInput, SearchSpace } from "../strategies/types.ts";

const DATA = join(import.meta.dirname, "..", "data", "spaces");

// A small restricted space with a smooth objective and a failing corner, for contract tests.
const space: SearchSpace = spaceFromParameters(
  [
    { name: "a", values: [1, 2, 4, 8, 16] },
    { name: "b", values: [1, 2, 3, 4, 5, 6] },
    { name: "c", values: [0, 1] },
  ],
  ["a * b <= 48", "c == 0 or a >= 2"],
);
const objective = (cfg: Record<string, unknown>): number | null =>
  cfg.a === 16 && cfg.b === 3 ? null : Math.abs(Math.log2(Number(cfg.a)) - 2.5) + Math.abs(Number(cfg.b) - 4) + Number(cfg.c) * 0.5 + 1;

function campaign(name: string, seed: number, budget: number, batch: number): Observation[] {
  const history: Observation[] = [];
  while (history.length < budget) {
    const proposals = getStrategy(name).propose({ space, history, count: Math.min(batch, budget - history.length), seed, budget: { total: budget, used: history.length } });
    if (proposals.length === 0) break;
    for (const config of proposals) history.push({ config, value: objective(config) });
  }
  return history;
}

describe("registry", () => {
  it("names every strategy and includes the default", () => {
    expect(STRATEGY_NAMES).toContain(DEFAULT_STRATEGY);
    expect(STRATEGY_NAMES).toContain("random");
  });

  it("rejects an unknown strategy, listing the known names", () => {
    try {
      getStrategy("simulated-annealing");
      expect.unreachable();
    } catch (error) {
      expect(isNightshiftError(error) && error.code).toBe("STRATEGY_UNKNOWN");
      for (const name of STRATEGY_NAMES) expect((error as Error).message).toContain(name);
    }
  });
});

describe.each(STRATEGY_NAMES)("strategy %s", (name) => {
  it("proposes distinct valid configurations it has not seen, and exhausts the space without repeats", () => {
    const total = space.validConfigs().length;
    const history = campaign(name, 3, total + 10, 7);
    const keys = history.map((h) => space.key(h.config));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(total);
    for (const h of history) expect(space.isValid(h.config)).toBe(true);
    expect(getStrategy(name).propose({ space, history, count: 4, seed: 3, budget: { total: total + 10, used: total } })).toEqual([]);
  });

  it("is deterministic for a seed and history, and differs between seeds", () => {
    const first = campaign(name, 11, 30, 5).map((h) => space.key(h.config));
    expect(campaign(name, 11, 30, 5).map((h) => space.key(h.config))).toEqual(first);
    expect(campaign(name, 12, 30, 5).map((h) => space.key(h.config))).not.toEqual(first);
  });
});

describe("on measured GPU data", () => {
  const data = loadReplayData(join(DATA, "convolution", "MI250X.json.gz"));
  const values = data.space.validConfigs().map((c) => data.entries.get(data.space.key(c))!.value);
  const baseline = scoreBaseline(values);

  it("the default strategy beats random search on the convolution space", () => {
    const score = (name: string): number => {
      let sum = 0;
      for (let seed = 0; seed < 4; seed++) sum += scoreRun(baseline, runReplayCampaign(getStrategy(name), data, { seed, budget: baseline.budget, batch: 4 }));
      return sum / 4;
    };
    expect(score(DEFAULT_STRATEGY)).toBeGreaterThan(score("random") + 0.2);
  });

  it("starts from the configurations the other devices ranked best when given their data", () => {
    const others = ["A100", "A4000"].map((d) => loadReplayData(join(DATA, "convolution", `${d}.json.gz`)));
    const priors = priorsFor(data, [data, ...others]);
    expect(priors.map((p) => p.device).sort()).toEqual(others.map((o) => o.device).sort());
    const first = getStrategy(DEFAULT_STRATEGY).propose({ space: data.space, history: [], count: 1, seed: 0, budget: { total: 57, used: 0 }, priors })[0]!;
    // Its mean rank over the other devices is the best of all configurations.
    const ranks = others.map((o) => {
      const valid = [...o.entries.values()].filter((e) => e.value !== null).sort((x, y) => x.value! - y.value!);
      return new Map(valid.map((e, i) => [data.space.key(e.config), i / (valid.length - 1)]));
    });
    const rank = (key: string): number => ranks.reduce((sum, m) => sum + (m.get(key) ?? 1), 0);
    const firstRank = rank(data.space.key(first));
    for (const c of data.space.validConfigs()) expect(firstRank).toBeLessThanOrEqual(rank(data.space.key(c)));
  });

  it("counts failed configurations against the budget as null in the trace", () => {
    const trace = runReplayCampaign(getStrategy("random"), data, { seed: 1, budget: 400, batch: 8 });
    expect(trace.length).toBe(400);
    expect(trace.some((v) => v === null)).toBe(data.space.validConfigs().some((c) => data.entries.get(data.space.key(c))!.value === null));
  });

  it("in noisy mode shows the strategy one recorded sample per evaluation, and scores the configuration's mean", () => {
    const seen: Observation[] = [];
    const recorder = {
      name: "recorder",
      propose: (input: ProposeInput) => {
        seen.splice(0, seen.length, ...input.history);
        return getStrategy("random").propose(input);
      },
    };
    const trace = runReplayCampaign(recorder, data, { seed: 2, budget: 64, batch: 8, noisy: true });
    const last = runReplayCampaign(recorder, data, { seed: 2, budget: 65, batch: 8, noisy: true });
    expect(last.slice(0, 64)).toEqual(trace);
    let differs = 0;
    seen.slice(0, 64).forEach((o, i) => {
      const entry = data.entries.get(data.space.key(o.config))!;
      expect(trace[i]).toBe(entry.value);
      if (entry.value === null) return expect(o.value).toBeNull();
      expect(entry.samples).toContain(o.value);
      if (o.value !== entry.value) differs++;
    });
    expect(differs).toBeGreaterThan(32);
  });

  it("reports a configuration valid under the restrictions but missing from the data as REPLAY_MISS", () => {
    const partial = { ...data, entries: new Map([...data.entries].slice(1)) };
    try {
      runReplayCampaign(getStrategy("random"), partial, { seed: 0, budget: data.entries.size, batch: 64 });
      expect.unreachable();
    } catch (error) {
      expect(isNightshiftError(error) && error.code).toBe("REPLAY_MISS");
    }
  });
});
