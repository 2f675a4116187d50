// The score that compares search strategies on a brute-forced space, relative to random search:
//   s_b = (R(b) - best_b) / (R(b) - opt)
// where best_b is the best objective found in the first b evaluations and R(b) the expected best of b
// configurations drawn uniformly without replacement from the whole space (failed ones included, as a tuner
// pays for them too). 0 means "as good as random search", 1 means "found the optimum at once".
// The budget B is where random search is expected to have come 95% of the way from the median to the optimum.

import { expectedReceived, fail } from "../core/errors.ts";

export const BUDGET_MIN = 20;
export const BUDGET_MAX = 2000;

export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) fail("INTERNAL", "median of an empty list");
  const m = n >> 1;
  return n % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

function validSorted(values: readonly (number | null)[], where: string): number[] {
  const valid = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (valid.length === 0) fail("SPACE_INVALID", expectedReceived(where, "at least one configuration with a numeric objective", `${values.length} configurations, none valid`));
  return valid;
}

/** Random-search evaluations to reach 95% of the way from the median to the optimum (N95). */
export function n95(values: readonly (number | null)[]): number {
  const valid = validSorted(values, "N95");
  const m = valid.length;
  const opt = valid[0]!;
  const target = opt + 0.05 * (median(valid) - opt);
  let i = 0;
  for (const v of valid) if (v > target) i++;
  return Math.ceil(i / (m + 1 - i));
}

/** B = ceil(1.1 x N95) clamped to [20, 2000]. */
export function autoBudget(values: readonly (number | null)[]): number {
  return Math.min(BUDGET_MAX, Math.max(BUDGET_MIN, Math.ceil(1.1 * n95(values))));
}

export interface ScoreBaseline {
  budget: number;
  opt: number;
  /** The value best_b takes while no valid configuration has been found. */
  worst: number;
  /** expectedBest[b - 1] = R(b) for b = 1..budget. */
  expectedBest: Float64Array;
}

/**
 * R(b) exactly. With valid values v_1 <= ... <= v_M among N configurations,
 *   R(b) = v_1 + sum_{k=1}^{M-1} (v_{k+1} - v_k) * Q_k(b),   Q_k(b) = C(N-k, b) / C(N, b),
 * since Q_k is the probability that none of the k best is drawn, i.e. the best drawn is at least v_{k+1}
 * (a draw with no valid configuration counts as v_M). Q_k is built as a running product of ratios
 * (N-k+1-b)/(N-k+1), each in [0, 1], which stays exact where binomials would overflow.
 */
export function expectedBestOfRandom(values: readonly (number | null)[], b: number): number {
  const valid = validSorted(values, "expected best of random search");
  return expectedBestSorted(valid, values.length, b);
}

function expectedBestSorted(valid: readonly number[], n: number, b: number): number {
  let r = valid[0]!;
  let q = 1;
  for (let k = 1; k < valid.length; k++) {
    q *= Math.max(0, n - k + 1 - b) / (n - k + 1);
    if (q === 0) break;
    r += (valid[k]! - valid[k - 1]!) * q;
  }
  return r;
}

/** Everything a run's score needs from the space: B and R(1..B). `budget` overrides the automatic B. */
export function scoreBaseline(values: readonly (number | null)[], budget?: number): ScoreBaseline {
  const valid = validSorted(values, "score baseline");
  const b = budget ?? autoBudget(values);
  if (!Number.isInteger(b) || b < 1) fail("USAGE", expectedReceived("score budget", "a positive integer", b));
  const expectedBest = new Float64Array(b);
  for (let i = 1; i <= b; i++) expectedBest[i - 1] = expectedBestSorted(valid, values.length, i);
  return { budget: b, opt: valid[0]!, worst: valid[valid.length - 1]!, expectedBest };
}

/** Mean of s_b over b = 1..B for one run's trace (objective per evaluation, null when it failed). */
export function scoreRun(baseline: ScoreBaseline, trace: readonly (number | null)[]): number {
  let best = baseline.worst;
  let sum = 0;
  for (let b = 1; b <= baseline.budget; b++) {
    const v = trace[b - 1];
    if (v !== null && v !== undefined && v < best) best = v;
    const r = baseline.expectedBest[b - 1]!;
    const denom = r - baseline.opt;
    // With R(b) at the optimum random search cannot be beaten; only matching it counts.
    sum += denom <= 0 ? (best <= baseline.opt ? 1 : 0) : (r - best) / denom;
  }
  return sum / baseline.budget;
}
