// Where a failed configuration sits in the model's training data: above the worst measured time (the model
// steers away from where things fail) or at the median (a failure says nothing about how fast its neighbours
// run). Only failures are touched, so on a space where nothing fails the two settings decide alike.

import { describe, expect, it } from "vitest";
import { spaceFromParameters } from "../spaces/search-space.ts";
import { failureLogTime, measuredLogTimes, modelStrategy } from "../strategies/model.ts";
import { MODEL_DEFAULTS } from "../strategies/registry.ts";
import type { Observation } from "../strategies/types.ts";

const at = (values: (number | null)[]): Observation[] => values.map((value, i) => ({ config: { i }, value }));

describe("a failure's place in the model", () => {
  it("lies a fraction of the measured log range above the worst time", () => {
    const logs = measuredLogTimes(at([1, Math.E, Math.E ** 2, null]));
    expect(failureLogTime(logs, 0.25)).toBeCloseTo(2.5, 12);
    expect(failureLogTime(logs, 0)).toBeCloseTo(2, 12);
  });

  it("lies at the median measured log time, whatever the order of the history", () => {
    expect(failureLogTime(measuredLogTimes(at([Math.E ** 2, null, 1, Math.E])), "median")).toBeCloseTo(1, 12);
    // An even count takes the upper of the two middle values.
    expect(failureLogTime(measuredLogTimes(at([1, Math.E, Math.E ** 2, Math.E ** 3, null])), "median")).toBeCloseTo(2, 12);
  });

  it("falls back to the worst time when nothing has been measured", () => {
    expect(failureLogTime(measuredLogTimes(at([null, null])), "median")).toBe(1);
  });

  const space = spaceFromParameters(
    [
      { name: "a", values: [1, 2, 4, 8, 16, 32] },
      { name: "b", values: [1, 2, 3, 4, 5, 6, 7, 8] },
      { name: "c", values: [0, 1, 2] },
    ],
    [],
  );
  const time = (cfg: Record<string, unknown>): number => Math.abs(Math.log2(Number(cfg.a)) - 3) + Math.abs(Number(cfg.b) - 6) + Number(cfg.c) + 1;
  const strategy = (failureAt: number | "median") => modelStrategy({ ...MODEL_DEFAULTS, childCandidates: 300, name: `hybrid-${failureAt}`, failureAt });
  const run = (failureAt: number | "median", fails: (cfg: Record<string, unknown>) => boolean, seed: number): string[] => {
    const history: Observation[] = [];
    while (history.length < 64) {
      const proposals = strategy(failureAt).propose({ space, history, count: 8, seed, budget: { total: 64, used: history.length } });
      for (const config of proposals) history.push({ config, value: fails(config) ? null : time(config) });
    }
    return history.map((h) => space.key(h.config));
  };

  it("changes no decision where nothing fails", () => {
    for (const seed of [1, 2, 3]) expect(run("median", () => false, seed), `seed ${seed}`).toEqual(run(0.25, () => false, seed));
  });

  it("changes the decisions once something fails", () => {
    // The fastest region borders a failing one (large a with large b), as register limits do on a GPU.
    const fails = (cfg: Record<string, unknown>): boolean => Number(cfg.a) >= 16 && Number(cfg.b) >= 5;
    const differ = [1, 2, 3].filter((seed) => JSON.stringify(run("median", fails, seed)) !== JSON.stringify(run(0.25, fails, seed)));
    expect(differ.length, "seeds 1-3").toBeGreaterThan(0);
  });
});
