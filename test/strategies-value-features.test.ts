// Value features: the surrogate sees which parameter values are powers of two and how many factors of two they
// carry, where the values' order does not show it, and with them a model learns a speed that depends on it
// from fewer measurements than one that splits by order only.

import { describe, expect, it } from "vitest";
import { makeRng } from "../core/rng.ts";
import { spaceFromParameters } from "../spaces/search-space.ts";
import { modelStrategy } from "../strategies/model.ts";
import { MODEL_DEFAULTS } from "../strategies/registry.ts";
import { indexSpace } from "../strategies/space-index.ts";
import type { Observation } from "../strategies/types.ts";
import { valueFeatures } from "../strategies/value-features.ts";

const widths = [16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256];
const isPowerOfTwo = (v: number): boolean => (v & (v - 1)) === 0;

describe("value features", () => {
  it("give each mixed integer parameter its power-of-two exponent and whether it is a power of two", () => {
    const space = spaceFromParameters([{ name: "bx", values: widths }, { name: "tile", values: [1, 2, 3, 4] }], []);
    const index = indexSpace(space);
    const f = valueFeatures(space, index);
    expect(f.columns).toBe(4);
    const row = (bx: number, tile: number): number[] => {
      const r = index.rowOf.get(space.key({ bx, tile }))!;
      return Array.from(f.x.subarray(r * f.columns, (r + 1) * f.columns));
    };
    // Columns: bx exponent, bx power of two, tile exponent, tile power of two.
    expect(row(48, 3)).toEqual([4, 0, 0, 0]);
    expect(row(64, 4)).toEqual([6, 1, 2, 1]);
    expect(row(192, 1)).toEqual([6, 0, 0, 1]);
  });

  it("add nothing where the order already says it, or the values are not positive integers", () => {
    const space = spaceFromParameters([
      { name: "pow2", values: [8, 16, 32, 64] },
      { name: "two", values: [3, 4] },
      { name: "mode", values: ["a", "b", "c"] },
      { name: "scale", values: [0.5, 1.5, 3] },
      { name: "signed", values: [-2, 3, 4] },
    ], []);
    expect(valueFeatures(space, indexSpace(space)).columns).toBe(0);
  });

  it("let the model find that only power-of-two block widths are fast from a few measurements", () => {
    const space = spaceFromParameters([
      { name: "bx", values: widths },
      { name: "by", values: [1, 2, 4, 8, 16] },
      { name: "tile", values: [1, 2, 3, 4] },
    ], []);
    const time = (c: Record<string, unknown>): number => (isPowerOfTwo(c.bx as number) ? 1 : 12) * (1 + 0.1 * (c.tile as number)) * (1 + 0.05 * (c.by as number));
    const configs = space.validConfigs();
    const fastPicks = (valueFeaturesOn: boolean): number => {
      const strategy = modelStrategy({ ...MODEL_DEFAULTS, name: `values-${valueFeaturesOn}`, valueFeatures: valueFeaturesOn, randomShare: 0 });
      let fast = 0;
      for (let seed = 0; seed < 20; seed++) {
        const rng = makeRng(seed, 0, 1);
        const history: Observation[] = rng.shuffle(configs.slice()).slice(0, 16).map((config) => ({ config, value: time(config) }));
        const batch = strategy.propose({ space, history, count: 8, seed, budget: { total: 200, used: history.length } });
        fast += batch.filter((c) => isPowerOfTwo(c.bx as number)).length;
      }
      return fast;
    };
    const withFeatures = fastPicks(true);
    const without = fastPicks(false);
    // Of 160 picks (20 seeds, 8 each, after 16 measurements): nine in ten fast with them, clearly fewer without.
    const seen = `power-of-two picks of 160: with value features ${withFeatures}, without ${without}`;
    expect(withFeatures, seen).toBeGreaterThanOrEqual(144);
    expect(without, seen).toBeLessThan(withFeatures - 16);
  });
});
