import { describe, expect, it } from "vitest";
import { makeRng } from "../core/rng.ts";
import { expectedImprovement } from "../strategies/model.ts";
import { fitForest } from "../strategies/trees.ts";

describe("tree ensemble surrogate", () => {
  // y = (a - 5)^2 + 3 * b on an 11 x 4 lattice of value indices: an interaction-free bowl.
  const rows: number[][] = [];
  for (let a = 0; a <= 10; a++) for (let b = 0; b < 4; b++) rows.push([a, b]);
  const x = Float64Array.from(rows.flat());
  const y = Float64Array.from(rows.map(([a, b]) => (a! - 5) ** 2 + 3 * b!));

  for (const split of ["best", "random"] as const) {
    it(`ranks the lattice like the true function (${split} splits)`, () => {
      const forest = fitForest(x, 2, y, makeRng(7), { trees: 16, featuresPerSplit: 2, minSplit: 2, maxDepth: 30, split, bootstrap: split === "best" });
      const out = new Float64Array(16);
      const mean = rows.map((_, r) => {
        forest.predictInto(x, r, out);
        return out.reduce((s, v) => s + v, 0) / out.length;
      });
      const best = mean.indexOf(Math.min(...mean));
      expect(rows[best]).toEqual([5, 0]);
      // Far corners are predicted worse than the centre.
      expect(mean[0]!).toBeGreaterThan(mean[best]! + 10);
    });
  }

  it("is deterministic for a seed", () => {
    const predict = (seed: number): number[] => {
      const forest = fitForest(x, 2, y, makeRng(seed), { trees: 8, featuresPerSplit: 1, minSplit: 4, maxDepth: 30, split: "best", bootstrap: true });
      const out = new Float64Array(8);
      forest.predictInto(x, 3, out);
      return Array.from(out);
    };
    expect(predict(1)).toEqual(predict(1));
    expect(predict(1)).not.toEqual(predict(2));
  });
});

describe("expected improvement", () => {
  it("prefers a lower mean at equal uncertainty and more uncertainty at equal mean", () => {
    expect(expectedImprovement(1, 0.5, 1.2)).toBeGreaterThan(expectedImprovement(1.5, 0.5, 1.2));
    expect(expectedImprovement(1.5, 1, 1.2)).toBeGreaterThan(expectedImprovement(1.5, 0.1, 1.2));
    expect(expectedImprovement(2, 0, 1.2)).toBe(0);
    expect(expectedImprovement(1, 0, 1.2)).toBeCloseTo(0.2, 12);
  });
});
