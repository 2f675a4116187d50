import { describe, expect, it } from "vitest";
import { judgeImprovement } from "../agents/significance.ts";
import { makeRng } from "../core/rng.ts";
import { bootstrapImprovement, medianCI } from "../core/stats.ts";

/** Timing-like samples: a true time times log-normal noise of the given relative spread. */
function runs(trueMs: number, noise: number, count: number, perRun: number, seed: number): number[][] {
  const rng = makeRng(seed);
  return Array.from({ length: count }, () => Array.from({ length: perRun }, () => trueMs * Math.exp(noise * rng.normal())));
}

describe("median confidence interval", () => {
  it("uses the order statistics 4 and 12 of 15 samples (coverage >= 95%)", () => {
    const samples = Array.from({ length: 15 }, (_, i) => 15 - i);
    expect(medianCI(samples)).toEqual([4, 12]);
  });

  it("falls back to the full range when there are too few samples for 95%", () => {
    expect(medianCI([3, 1, 2])).toEqual([1, 3]);
  });
});

describe("judging an interleaved close call", () => {
  it("does not accept a candidate that differs from the incumbent only by noise", () => {
    let accepted = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const verdict = judgeImprovement({ candidate: runs(1.0, 0.03, 3, 15, seed), incumbent: runs(1.0, 0.03, 3, 15, seed + 1000) }, { seed });
      expect(verdict.ci95[0]).toBeLessThanOrEqual(verdict.estimate);
      if (verdict.accepted) accepted++;
    }
    // Same true time: at a 95% interval plus the majority-of-pairs rule, at most a rare false accept.
    expect(accepted).toBeLessThanOrEqual(2);
  });

  it("does not accept a 1% gain buried in 5% noise", () => {
    const verdict = judgeImprovement({ candidate: runs(0.99, 0.05, 3, 15, 7), incumbent: runs(1.0, 0.05, 3, 15, 8) }, { seed: 1 });
    expect(verdict.accepted).toBe(false);
    expect(verdict.reason).toMatch(/within the noise|not consistent/);
  });

  it("accepts a clear 10% improvement and reports a CI that excludes zero", () => {
    const verdict = judgeImprovement({ candidate: runs(0.9, 0.03, 3, 15, 11), incumbent: runs(1.0, 0.03, 3, 15, 12) }, { seed: 1 });
    expect(verdict.accepted).toBe(true);
    expect(verdict.pairsWon).toBe(3);
    expect(verdict.ci95[0]).toBeGreaterThan(0.05);
    expect(verdict.ci95[1]).toBeLessThan(0.15);
    expect(verdict.reason).toContain("95% CI");
  });

  it("says a candidate was slower when the interleaved runs show it", () => {
    const verdict = judgeImprovement({ candidate: runs(1.2, 0.02, 3, 15, 41), incumbent: runs(1.0, 0.02, 3, 15, 42) }, { seed: 1 });
    expect(verdict.accepted).toBe(false);
    expect(verdict.ci95[1]).toBeLessThan(0);
    expect(verdict.reason).toMatch(/^slower than the incumbent when interleaved: improvement -\d+\.\d%/);
  });

  it("rejects a candidate whose pooled advantage comes from one lucky run", () => {
    const candidate = [...runs(0.5, 0.01, 1, 15, 21), ...runs(1.02, 0.01, 2, 15, 22)];
    const incumbent = runs(1.0, 0.01, 3, 15, 23);
    const verdict = judgeImprovement({ candidate, incumbent }, { seed: 1 });
    expect(verdict.pairsWon).toBe(1);
    expect(verdict.accepted).toBe(false);
  });

  it("gives the same verdict for the same samples and seed (a resumed critic decides alike)", () => {
    const candidate = runs(0.97, 0.03, 3, 15, 31);
    const incumbent = runs(1.0, 0.03, 3, 15, 32);
    expect(bootstrapImprovement(candidate.flat(), incumbent.flat(), { seed: 5 })).toEqual(bootstrapImprovement(candidate.flat(), incumbent.flat(), { seed: 5 }));
  });
});
