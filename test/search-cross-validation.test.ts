// Leave-one-device-out cross-validation of hyperparameter settings, and the generated section of
// docs/strategies.md that reports it.

import { describe, expect, it } from "vitest";
import { isNightshiftError } from "../core/errors.ts";
import { makeRng } from "../core/rng.ts";
import { benchMarkdown, replaceGeneratedSection, SECTION_BEGIN, SECTION_END } from "../strategies/bench-report.ts";
import { summarise, type BenchRun } from "../strategies/bench-summary.ts";
import { leaveOneDeviceOut } from "../strategies/cross-validation.ts";

// Setting "wide" wins on A's spaces, "narrow" on B's and C's: a device is always scored with what the
// other devices chose, never with what it would have chosen for itself.
const table: Record<string, Record<string, number>> = {
  "conv/A": { narrow: 0.5, wide: 0.9 },
  "gemm/A": { narrow: 0.6, wide: 0.8 },
  "conv/B": { narrow: 0.7, wide: 0.4 },
  "conv/C": { narrow: 0.9, wide: 0.5 },
};
const deviceOf = (space: string): string => space.split("/")[1]!;

describe("leave-one-device-out cross-validation", () => {
  // One seed per space: nothing to resample, so the best mean is chosen outright.
  const cv = leaveOneDeviceOut({ candidates: ["narrow", "wide"], spaces: Object.keys(table), scores: (c, s) => [table[s]![c]!], deviceOf });

  it("scores each device's spaces with the setting chosen on the other devices' spaces", () => {
    expect(cv.folds.map((f) => [f.device, f.chosen])).toEqual([
      ["A", "narrow"],
      ["B", "wide"],
      ["C", "wide"],
    ]);
    expect(cv.perSpace).toEqual({ "conv/A": { chosen: "narrow", score: 0.5 }, "gemm/A": { chosen: "narrow", score: 0.6 }, "conv/B": { chosen: "wide", score: 0.4 }, "conv/C": { chosen: "wide", score: 0.5 } });
    expect(cv.mean).toBeCloseTo(0.5, 12);
    expect(cv.folds[0]!.trainMean).toBeCloseTo(0.8, 12);
    expect(cv.folds[0]!.heldOutMean).toBeCloseTo(0.55, 12);
  });

  it("reports the setting chosen on all spaces beside it, which the cross-validated score does not flatter", () => {
    expect(cv.inSample.chosen).toBe("narrow");
    expect(cv.inSample.mean).toBeCloseTo(0.675, 12);
  });

  it("prefers the earlier setting on a tie", () => {
    const tied = leaveOneDeviceOut({ candidates: ["first", "second"], spaces: ["x/A", "y/B"], scores: () => [0.5], deviceOf });
    expect(tied.folds.every((f) => f.chosen === "first")).toBe(true);
  });
});

describe("the one-standard-error rule", () => {
  const seeds = 20;
  // Per-seed scores from a seeded generator: a setting's level plus noise that differs from seed to seed.
  const noisy = (level: number, spread: number, tag: number): number[] => {
    const rng = makeRng(2024, tag);
    return Array.from({ length: seeds }, () => level + spread * rng.normal());
  };
  const spaces = ["conv/A", "conv/B", "conv/C", "gemm/C"];
  const run = (levels: Record<string, number>, spread: number) =>
    leaveOneDeviceOut({
      candidates: Object.keys(levels),
      spaces,
      scores: (c, s) => noisy(levels[c]!, spread, spaces.indexOf(s) * 16 + Object.keys(levels).indexOf(c)),
      deviceOf,
    });

  it("keeps the default when another setting leads by less than the noise of the seeds", () => {
    const cv = run({ default: 0.7, lucky: 0.71 }, 0.4);
    for (const f of cv.folds) {
      expect(f.chosen, f.device).toBe("default");
      if (f.best === "lucky") expect(f.bestMean - f.trainMean).toBeLessThanOrEqual(f.standardError);
      expect(f.standardError).toBeGreaterThan(0);
    }
    // Without the rule this fold would have chosen the lucky one.
    expect(cv.folds.filter((f) => f.best === "lucky").length).toBeGreaterThan(0);
    expect(cv.inSample.chosen).toBe("default");
  });

  it("leaves the default for a setting that leads by more than the noise", () => {
    const cv = run({ default: 0.5, better: 0.8 }, 0.05);
    for (const f of cv.folds) {
      expect(f.chosen, f.device).toBe("better");
      expect(f.bestMean - 0.5, f.device).toBeGreaterThan(f.standardError);
    }
    expect(cv.inSample.chosen).toBe("better");
  });

  it("chooses among equally good settings by the order of preference, not by the noise of one comparison", () => {
    // The order decides among the settings within the noise, and a worse setting never beats a better one
    // that comes before it.
    const cv = run({ default: 0.7, close: 0.72, noisy: 0.69 }, 0.4);
    expect(cv.folds.every((f) => f.chosen === "default")).toBe(true);
    const reordered = run({ close: 0.72, default: 0.7, noisy: 0.69 }, 0.4);
    expect(reordered.folds.every((f) => f.chosen !== "noisy")).toBe(true);
  });

  it("gives a fold the same standard error every time", () => {
    const a = run({ default: 0.7, lucky: 0.75 }, 0.4);
    const b = run({ default: 0.7, lucky: 0.75 }, 0.4);
    expect(a.folds.map((f) => f.standardError)).toEqual(b.folds.map((f) => f.standardError));
  });
});

describe("the generated results section", () => {
  const run = (space: string, strategy: string, seed: number, score: number): BenchRun => ({ space, strategy, seed, budget: 20, trace: [], score });
  const runs = [run("data/spaces/conv/A.json.gz", "narrow", 0, 0.5), run("data/spaces/conv/A.json.gz", "wide", 0, 0.9), run("data/spaces/conv/B.json.gz", "narrow", 0, 0.7), run("data/spaces/conv/B.json.gz", "wide", 0, 0.4)];
  const summary = summarise(runs);
  const cv = { scratch: leaveOneDeviceOut({ candidates: ["narrow", "wide"], spaces: Object.keys(summary.spaces), scores: (c, s) => summary.spaces[s]!.strategies[c]!.scores, deviceOf: (s) => s.split("/").at(-1)!.replace(/\..*$/, "") }) };
  const section = benchMarkdown({ summary, strategies: [], candidates: ["narrow", "wide"], cv, repeats: 1, firstSeed: 0, wallSeconds: 61, deviceOf: (s) => s, command: ["bench-strategies", "--repeats", "1"] });

  it("carries the command that made it, per-space and cross-validated scores and the folds", () => {
    expect(section.startsWith(SECTION_BEGIN)).toBe(true);
    expect(section.endsWith(SECTION_END)).toBe(true);
    expect(section).toContain("npx tsx cli/main.ts bench-strategies --repeats 1");
    expect(section).toContain("| conv/A | 20 | +0.500 |");
    expect(section).toContain("| conv/B | 20 | +0.400 |");
    expect(section).toContain("| **mean over the spaces** |  | **+0.450** (2) |");
    expect(section).toContain("| B | conv/B | `wide` | +0.900 | the same | +0.400 |");
  });

  it("replaces only what lies between the markers, and refuses a document without them", () => {
    const doc = `# Title\n\nprose\n\n${SECTION_BEGIN}\nold\n${SECTION_END}\n\nmore prose\n`;
    expect(replaceGeneratedSection(doc, section, "doc.md")).toBe(`# Title\n\nprose\n\n${section}\n\nmore prose\n`);
    const error = (() => {
      try {
        return replaceGeneratedSection("# no markers\n", section, "doc.md");
      } catch (e) {
        return e;
      }
    })();
    expect(isNightshiftError(error) && error.code).toBe("USAGE");
  });
});
