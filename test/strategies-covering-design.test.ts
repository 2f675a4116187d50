// The covering initial design: the first batch shows the model every value of the small parameters, where
// uniform draws leave some out, and it stays a valid, unvisited, reproducible set of configurations.

import { describe, expect, it } from "vitest";
import { spaceFromParameters } from "../spaces/search-space.ts";
import { modelStrategy } from "../strategies/model.ts";
import { MODEL_DEFAULTS } from "../strategies/registry.ts";
import type { Observation } from "../strategies/types.ts";

const space = spaceFromParameters(
  [
    { name: "bx", values: [16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256] },
    { name: "by", values: [1, 2, 4, 8, 16] },
    { name: "tile", values: [1, 2, 3, 4] },
    { name: "shmem", values: [0, 1] },
  ],
  // A restriction, so the design has to work within the valid configurations only.
  ["bx * by <= 1024"],
);
const strategy = (initialDesign: "random" | "covering") => modelStrategy({ ...MODEL_DEFAULTS, name: `design-${initialDesign}`, initialDesign });
const valuesOf = (configs: readonly Record<string, unknown>[], name: string): Set<string> => new Set(configs.map((c) => String(c[name])));

describe("the covering initial design", () => {
  it("shows every value of each parameter with at most a batch's worth of values, on every seed", () => {
    for (let seed = 0; seed < 20; seed++) {
      const batch = strategy("covering").propose({ space, history: [], count: 8, seed, budget: { total: 100, used: 0 } });
      expect(batch.length, `seed ${seed}`).toBe(8);
      for (const name of ["by", "tile", "shmem"]) {
        const want = space.parameters.find((p) => p.name === name)!.values.length;
        expect(valuesOf(batch, name).size, `seed ${seed}, ${name}`).toBe(want);
      }
      expect(valuesOf(batch, "bx").size, `seed ${seed}, bx`).toBe(8);
    }
  });

  it("leaves out values that uniform draws of the same size leave out", () => {
    // The reason for the design: with uniform draws some seed misses a value of `by`.
    const missing = Array.from({ length: 20 }, (_, seed) => strategy("random").propose({ space, history: [], count: 8, seed, budget: { total: 100, used: 0 } }))
      .filter((batch) => valuesOf(batch, "by").size < 5).length;
    expect(missing).toBeGreaterThan(0);
  });

  it("counts what was already measured, picks only valid unvisited configurations, and draws alike for a seed", () => {
    const history: Observation[] = [
      { config: { bx: 16, by: 1, tile: 1, shmem: 0 }, value: 2 },
      { config: { bx: 32, by: 2, tile: 2, shmem: 1 }, value: null },
    ];
    const input = { space, history, count: 3, seed: 7, budget: { total: 100, used: 2 } };
    const batch = strategy("covering").propose(input);
    expect(batch.map((c) => space.key(c))).toEqual(strategy("covering").propose(input).map((c) => space.key(c)));
    const measured = new Set(history.map((h) => space.key(h.config)));
    for (const c of batch) {
      expect(space.isValid(c)).toBe(true);
      expect(measured.has(space.key(c))).toBe(false);
    }
    // by=1 and by=2 were measured (a failure was measured too): the three picks show 4, 8 and 16.
    expect(valuesOf(batch, "by")).toEqual(new Set(["4", "8", "16"]));
  });
});
