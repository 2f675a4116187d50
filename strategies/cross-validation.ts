// Leave-one-device-out cross-validation of hyperparameter settings. For each device, the setting with the best
// mean score on the spaces measured on the other devices is chosen and scored on that device's spaces; the
// cross-validated score of a space is the score of the setting chosen without it. That number says how a
// setting chosen on these spaces will do on a GPU it has never seen, which the in-sample best overstates.

export interface CvInput {
  /** Settings in order of preference: on a tie the earlier one is chosen. */
  candidates: readonly string[];
  /** The spaces the settings ran on (all of them ran on every space). */
  spaces: readonly string[];
  /** The median score over seeds of a setting on a space. */
  score(candidate: string, space: string): number;
  deviceOf(space: string): string;
}

export interface CvFold {
  device: string;
  heldOut: string[];
  chosen: string;
  /** The chosen setting's mean score on the other devices' spaces (what it was chosen on). */
  trainMean: number;
  /** Its mean score on the held-out spaces. */
  heldOutMean: number;
}

export interface CvResult {
  folds: CvFold[];
  /** Per space: the setting chosen without its device, and its score there. */
  perSpace: Record<string, { chosen: string; score: number }>;
  /** Mean over spaces of the cross-validated scores. */
  mean: number;
  /** The setting best on all spaces (the one to ship) and its in-sample mean. */
  inSample: { chosen: string; mean: number };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function best(input: CvInput, spaces: readonly string[]): { chosen: string; mean: number } {
  let chosen = input.candidates[0]!;
  let top = -Infinity;
  for (const c of input.candidates) {
    const m = mean(spaces.map((s) => input.score(c, s)));
    if (m > top) {
      top = m;
      chosen = c;
    }
  }
  return { chosen, mean: top };
}

export function leaveOneDeviceOut(input: CvInput): CvResult {
  const devices = [...new Set(input.spaces.map(input.deviceOf))];
  const folds: CvFold[] = [];
  const perSpace: CvResult["perSpace"] = {};
  for (const device of devices) {
    const heldOut = input.spaces.filter((s) => input.deviceOf(s) === device);
    const train = input.spaces.filter((s) => input.deviceOf(s) !== device);
    // A device that holds every space leaves nothing to choose on: the first setting stands.
    const { chosen, mean: trainMean } = train.length > 0 ? best(input, train) : { chosen: input.candidates[0]!, mean: Number.NaN };
    for (const s of heldOut) perSpace[s] = { chosen, score: input.score(chosen, s) };
    folds.push({ device, heldOut, chosen, trainMean, heldOutMean: mean(heldOut.map((s) => input.score(chosen, s))) });
  }
  return { folds, perSpace, mean: mean(input.spaces.map((s) => perSpace[s]!.score)), inSample: best(input, input.spaces) };
}
