import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeRng } from "../core/rng.ts";
import { loadReplayData } from "../spaces/load.ts";
import { autoBudget, expectedBestOfRandom, n95, scoreBaseline, scoreRun } from "../strategies/score.ts";

const DATA = join(import.meta.dirname, "..", "data", "spaces");

function valuesOf(file: string): (number | null)[] {
  return [...loadReplayData(join(DATA, file)).entries.values()].map((e) => e.value);
}

/** Brute force over every ordered draw of b distinct configurations, as a check on the closed form. */
function bruteExpectedBest(values: (number | null)[], b: number): number {
  const valid = values.filter((v): v is number => v !== null);
  const worst = Math.max(...valid);
  let sum = 0;
  let count = 0;
  const walk = (chosen: number[]): void => {
    if (chosen.length === b) {
      const drawn = chosen.map((i) => values[i]).filter((v): v is number => v !== null);
      sum += drawn.length > 0 ? Math.min(...drawn) : worst;
      count++;
      return;
    }
    for (let i = 0; i < values.length; i++) if (!chosen.includes(i)) walk([...chosen, i]);
  };
  walk([]);
  return sum / count;
}

describe("expected best of random search", () => {
  it("matches a hand computation on three valid configurations and one failed", () => {
    // Values 1, 2, 4 and a failure, N = 4.
    // b = 1: each drawn with probability 1/4; the failure counts as the worst valid value 4 -> (1 + 2 + 4 + 4) / 4.
    expect(expectedBestOfRandom([1, 2, 4, null], 1)).toBeCloseTo(11 / 4, 12);
    // b = 2: of the 6 pairs, 3 contain 1; of the other 3 ({2,4}, {2,x}, {4,x}) two give 2 and one gives 4.
    expect(expectedBestOfRandom([1, 2, 4, null], 2)).toBeCloseTo((3 * 1 + 2 * 2 + 4) / 6, 12);
    // b = 3: 1 is missed only by {2,4,x}.
    expect(expectedBestOfRandom([1, 2, 4, null], 3)).toBeCloseTo((3 * 1 + 2) / 4, 12);
    expect(expectedBestOfRandom([1, 2, 4, null], 4)).toBe(1);
  });

  it("agrees with brute-force enumeration on small spaces with ties and failures", () => {
    const spaces: (number | null)[][] = [
      [3, null, 1, 1, 5, null],
      [2, 7, null, null, null],
      [4, 4, 9, 0.5, 6],
    ];
    for (const values of spaces) {
      for (let b = 1; b <= values.length; b++) expect(expectedBestOfRandom(values, b)).toBeCloseTo(bruteExpectedBest(values, b), 10);
    }
  });
});

describe("budget", () => {
  it("computes N95 from the number of valid configurations worse than the 5% target", () => {
    // opt 1, median 3 (of 1..5), target 1.1: i = 4 worse, M = 5 -> N95 = ceil(4 / 2) = 2; B clamps to 20.
    expect(n95([1, 2, 3, 4, 5, null])).toBe(2);
    expect(autoBudget([1, 2, 3, 4, 5, null])).toBe(20);
  });

  it("gives the documented budgets for the eight development spaces", () => {
    const expected: Record<string, number> = {
      "convolution/A100.json.gz": 1155,
      "convolution/A4000.json.gz": 356,
      "convolution/MI250X.json.gz": 57,
      "dedispersion/A100.json.gz": 875,
      "dedispersion/A4000.json.gz": 292,
      "dedispersion/MI250X.json.gz": 409,
      "gemm/RTX_3090.json.gz": 1411,
      "pnpoly/RTX_3090.json.gz": 218,
    };
    for (const [file, budget] of Object.entries(expected)) expect([file, autoBudget(valuesOf(file))]).toEqual([file, budget]);
  });
});

describe("run score", () => {
  it("scores a hand-computed run on a four-configuration space", () => {
    const values = [1, 2, 4, null];
    const base = scoreBaseline(values, 3);
    // R(1) = 11/4, R(2) = 11/6, R(3) = 5/4; opt = 1.
    // Trace [2, null, 1]: best = 2, 2, 1 -> s = (11/4-2)/(7/4), (11/6-2)/(5/6), 1.
    const s1 = (11 / 4 - 2) / (7 / 4);
    const s2 = (11 / 6 - 2) / (5 / 6);
    expect(scoreRun(base, [2, null, 1])).toBeCloseTo((s1 + s2 + 1) / 3, 12);
    // A failure first counts as the worst valid value; a short run keeps its best for the remaining b.
    const f1 = (11 / 4 - 4) / (7 / 4);
    const f2 = (11 / 6 - 1) / (5 / 6);
    expect(scoreRun(base, [null, 1])).toBeCloseTo((f1 + f2 + 1) / 3, 12);
  });

  it("is 1 for a run that finds the optimum first, even where random search is certain to have it", () => {
    const base = scoreBaseline([1, 2, null], 3);
    expect(scoreRun(base, [1])).toBe(1);
    // At b = 3 every draw holds the optimum: R(3) = opt, so only the optimum scores there.
    expect(scoreRun(base, [2, null])).toBeLessThan(scoreRun(base, [2, null, 1]));
  });

  it("averages about zero for random search on a real space", () => {
    const values = valuesOf("convolution/MI250X.json.gz");
    const base = scoreBaseline(values);
    const runs = 400;
    let sum = 0;
    for (let seed = 0; seed < runs; seed++) sum += scoreRun(base, makeRng(seed).shuffle(values.slice()).slice(0, base.budget));
    expect(Math.abs(sum / runs)).toBeLessThan(0.1);
  });
});
