// Batch spread: with batchSpread 2 the model's picks of one batch differ pairwise in at least two parameters,
// where without it batches hold one-parameter variations of each other.

import { describe, expect, it } from "vitest";
import { makeRng } from "../core/rng.ts";
import { spaceFromParameters } from "../spaces/search-space.ts";
import { modelStrategy } from "../strategies/model.ts";
import { MODEL_DEFAULTS } from "../strategies/registry.ts";
import type { Observation } from "../strategies/types.ts";
import type { Params } from "../specs/schema.ts";

const space = spaceFromParameters(
  [
    { name: "bx", values: [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 480, 512] },
    { name: "tile", values: [1, 2, 4, 6, 8, 10] },
    { name: "method", values: [0, 1, 2] },
  ],
  [],
);
// A smooth bowl: the best lies at bx 128, tile 8, method 0.
const time = (c: Params): number => 1 + ((c.bx as number) - 128) ** 2 / 1e4 + ((c.tile as number) - 8) ** 2 / 10 + (c.method as number);
const differing = (a: Params, b: Params): number => ["bx", "tile", "method"].filter((k) => a[k] !== b[k]).length;
const closePairs = (batch: readonly Params[]): number => {
  let close = 0;
  for (let i = 0; i < batch.length; i++) for (let j = i + 1; j < batch.length; j++) if (differing(batch[i]!, batch[j]!) < 2) close++;
  return close;
};

describe("batch spread", () => {
  const propose = (batchSpread: number, seed: number): Params[] => {
    // No random or distant slots: every pick is the model's, the slots the spread applies to.
    const strategy = modelStrategy({ ...MODEL_DEFAULTS, name: `spread-${batchSpread}`, batchSpread, randomShare: 0, randomMax: 0 });
    const history: Observation[] = makeRng(seed, 0, 2).shuffle(space.validConfigs().slice()).slice(0, 20).map((config) => ({ config, value: time(config) }));
    return strategy.propose({ space, history, count: 8, seed, budget: { total: 200, used: history.length } });
  };

  it("keeps every pair of a batch at least two parameters apart, on every seed", () => {
    for (let seed = 0; seed < 10; seed++) {
      const batch = propose(2, seed);
      expect(batch.length, `seed ${seed}`).toBe(8);
      expect(closePairs(batch), `seed ${seed}`).toBe(0);
      expect(new Set(batch.map((c) => space.key(c))).size, `seed ${seed}`).toBe(8);
    }
  });

  it("is needed: without it batches hold one-parameter variations of each other", () => {
    const close = Array.from({ length: 10 }, (_, seed) => closePairs(propose(0, seed))).reduce((a, b) => a + b, 0);
    expect(close).toBeGreaterThan(10);
  });

  it("still fills the batch when no candidate is far enough from the picks", () => {
    const tiny = spaceFromParameters([{ name: "a", values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }], []);
    const strategy = modelStrategy({ ...MODEL_DEFAULTS, name: "spread-tiny", batchSpread: 2, randomShare: 0, randomMax: 0, initialMin: 2 });
    const history: Observation[] = [1, 5].map((a) => ({ config: { a }, value: a }));
    const batch = strategy.propose({ space: tiny, history, count: 4, seed: 3, budget: { total: 10, used: 2 } });
    expect(new Set(batch.map((c) => c.a)).size).toBe(4);
  });
});
