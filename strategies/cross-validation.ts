// Leave-one-device-out cross-validation of hyperparameter settings. For each device, a setting is chosen on
// the spaces measured on the other devices and scored on that device's spaces; the cross-validated score of a
// space is the score of the setting chosen without it. That number says how a setting chosen on these spaces
// will do on a GPU it has never seen, which the in-sample best overstates.
//
// The choice follows the one-standard-error rule: the earliest setting in order of preference whose mean is
// within one standard error of the best mean, that mean's error bootstrapped over seeds. A per-space score is
// a median over 20 seeds of runs that can end in two different basins, so the best of many settings on a few
// spaces is, more often than not, the luckiest; a lead smaller than that noise is not evidence enough to leave
// the default, and adding candidates lowers the cross-validated score by luck less often.

import { makeRng, type Rng } from "../core/rng.ts";
import { fail } from "../core/errors.ts";
import { median } from "../core/stats.ts";

export interface CvInput {
  /** Settings in order of preference: the earliest within one standard error of the best is chosen. */
  candidates: readonly string[];
  /** The spaces the settings ran on (all of them ran on every space). */
  spaces: readonly string[];
  /** A setting's score on a space, one per seed. */
  scores(candidate: string, space: string): readonly number[];
  deviceOf(space: string): string;
}

export interface CvFold {
  device: string;
  heldOut: string[];
  chosen: string;
  /** The chosen setting's mean score on the other devices' spaces (what it was chosen on). */
  trainMean: number;
  /** The setting with the best mean there, and the standard error of that mean. */
  best: string;
  bestMean: number;
  standardError: number;
  /** Its mean score on the held-out spaces. */
  heldOutMean: number;
}

export interface CvResult {
  folds: CvFold[];
  /** Per space: the setting chosen without its device, and its score there. */
  perSpace: Record<string, { chosen: string; score: number }>;
  /** Mean over spaces of the cross-validated scores. */
  mean: number;
  /** The setting chosen on all spaces (the one to ship) and its in-sample mean. */
  inSample: { chosen: string; mean: number };
}

/** Bootstrap resamples of the seeds per standard error. */
const RESAMPLES = 400;

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A setting's score on a space: the median over its seeds. */
const scoreOf = (input: CvInput, candidate: string, space: string): number => median(input.scores(candidate, space));

interface Choice {
  chosen: string;
  mean: number;
  best: string;
  bestMean: number;
  standardError: number;
}

function choose(input: CvInput, spaces: readonly string[], fold: number): Choice {
  const means = input.candidates.map((c) => mean(spaces.map((s) => scoreOf(input, c, s))));
  let top = 0;
  means.forEach((m, i) => {
    if (m > means[top]!) top = i;
  });
  const best = input.candidates[top]!;
  const standardError = meanStandardError(input, spaces, best, makeRng(0x43562d31, fold, top));
  const chosen = means.findIndex((m) => m >= means[top]! - standardError);
  return { chosen: input.candidates[chosen]!, mean: means[chosen]!, best, bestMean: means[top]!, standardError };
}

/**
 * The standard error of a setting's mean score over `spaces` (the mean of its per-space medians), by
 * resampling the seeds of each space with replacement.
 */
function meanStandardError(input: CvInput, spaces: readonly string[], candidate: string, rng: Rng): number {
  const perSpace = spaces.map((s) => {
    const scores = input.scores(candidate, s);
    if (scores.length === 0) fail("INTERNAL", `cross-validation: ${candidate} has no score on ${s}`);
    return scores;
  });
  const means: number[] = [];
  for (let k = 0; k < RESAMPLES; k++) {
    let sum = 0;
    for (const x of perSpace) sum += median(Array.from(x, () => x[rng.int(x.length)]!));
    means.push(sum / perSpace.length);
  }
  const m = mean(means);
  return Math.sqrt(means.reduce((acc, v) => acc + (v - m) * (v - m), 0) / Math.max(1, means.length - 1));
}

export function leaveOneDeviceOut(input: CvInput): CvResult {
  const devices = [...new Set(input.spaces.map(input.deviceOf))];
  const folds: CvFold[] = [];
  const perSpace: CvResult["perSpace"] = {};
  devices.forEach((device, fold) => {
    const heldOut = input.spaces.filter((s) => input.deviceOf(s) === device);
    const train = input.spaces.filter((s) => input.deviceOf(s) !== device);
    // A device that holds every space leaves nothing to choose on: the first setting stands.
    const first = input.candidates[0]!;
    const choice = train.length > 0 ? choose(input, train, fold) : { chosen: first, mean: Number.NaN, best: first, bestMean: Number.NaN, standardError: 0 };
    const { chosen } = choice;
    for (const s of heldOut) perSpace[s] = { chosen, score: scoreOf(input, chosen, s) };
    folds.push({ device, heldOut, chosen, trainMean: choice.mean, best: choice.best, bestMean: choice.bestMean, standardError: choice.standardError, heldOutMean: mean(heldOut.map((s) => scoreOf(input, chosen, s))) });
  });
  const all = choose(input, input.spaces, devices.length);
  return { folds, perSpace, mean: mean(input.spaces.map((s) => perSpace[s]!.score)), inSample: { chosen: all.chosen, mean: all.mean } };
}
