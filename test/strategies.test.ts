import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { priorFromData } from "../agents/priors.ts";
import { isNightshiftError } from "../core/errors.ts";
import { transferPartners } from "../graphs/strategy-bench.ts";
import { loadReplayData } from "../spaces/load.ts";
import { spaceFromParameters } from "../spaces/search-space.ts";
import type { SearchSpace } from "../spaces/types.ts";
import { DEFAULT_STRATEGY, STRATEGY_NAMES, getStrategy } from "../strategies/registry.ts";
import type { Observation } from "../strategies/types.ts";

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

  it("starts from the configurations the other devices ranked best when given their data", () => {
    const others = ["A100", "A4000"].map((d) => loadReplayData(join(DATA, "convolution", `${d}.json.gz`)));
    const partners = transferPartners(data, [data, ...others]);
    expect(partners.map((p) => p.file).sort()).toEqual(others.map((o) => o.file).sort());
    const priors = partners.map((p) => priorFromData(p, data.space));
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
});
