// The one statistics module: medians, the distribution-free confidence interval of a median (order
// statistics with binomial ranks, because kernel timings are skewed and rarely normal), timing summaries,
// and the bootstrap of a relative improvement the critic judges new bests by.

import { fail } from "./errors.ts";
import { makeRng } from "./rng.ts";

export interface TimingStats {
  medianMs: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  /** (p75 - p25) / median. */
  relativeIqr: number;
  /** Distribution-free 95% confidence interval of the median (order statistics). */
  ci95Ms: [number, number];
  n: number;
}

/** Linear-interpolation quantile (the common "type 7") of already sorted values. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) fail("INTERNAL", "quantileSorted: expected at least one value, received none");
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The median; NaN for no values, so that a missing measurement never reads as a time. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return quantileSorted([...values].sort((a, b) => a - b), 0.5);
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * 1-based ranks [l, n-l+1] of the order statistics bracketing the median with at least `level` coverage:
 * coverage = 1 - 2 * P(Binomial(n, 1/2) <= l-1). Null when n is too small for that coverage.
 */
export function medianCiRanks(n: number, level = 0.95): [number, number] | null {
  const alpha = (1 - level) / 2;
  let cumulative = 0;
  let l = 0;
  for (let i = 0; i < n; i++) {
    cumulative += Math.exp(logChoose(n, i) - n * Math.LN2);
    if (cumulative > alpha) break;
    l = i + 1;
  }
  return l === 0 ? null : [l, n - l + 1];
}

/** The order-statistic confidence interval of the median; the full range when there are too few values for `level`. */
export function medianCI(values: readonly number[], level = 0.95): [number, number] {
  const n = values.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  const sorted = [...values].sort((a, b) => a - b);
  const ranks = medianCiRanks(n, level);
  return ranks ? [sorted[ranks[0] - 1]!, sorted[ranks[1] - 1]!] : [sorted[0]!, sorted[n - 1]!];
}

export function timingStats(samplesMs: readonly number[]): TimingStats {
  const n = samplesMs.length;
  if (n === 0) fail("INTERNAL", "timingStats: expected at least one sample, received none");
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const med = quantileSorted(sorted, 0.5);
  const iqr = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
  return {
    medianMs: med,
    minMs: sorted[0]!,
    maxMs: sorted[n - 1]!,
    meanMs: sorted.reduce((s, v) => s + v, 0) / n,
    relativeIqr: med > 0 ? iqr / med : 0,
    ci95Ms: medianCI(sorted),
    n,
  };
}

export interface ImprovementEstimate {
  /** Relative improvement of the candidate over the incumbent: (incumbent - candidate) / incumbent. */
  estimate: number;
  /** Percentile-bootstrap 95% confidence interval of that improvement. */
  ci95: [number, number];
}

/** Bootstrap of the relative difference of medians: each resample redraws both groups with replacement. */
export function bootstrapImprovement(
  candidate: readonly number[],
  incumbent: readonly number[],
  options: { resamples?: number; seed?: number; level?: number } = {},
): ImprovementEstimate {
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  const rng = makeRng(options.seed ?? 1);
  const draw = (values: readonly number[]): number => {
    const copy = new Array<number>(values.length);
    for (let i = 0; i < values.length; i++) copy[i] = values[rng.int(values.length)]!;
    return median(copy);
  };
  const estimates: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const inc = draw(incumbent);
    estimates.push((inc - draw(candidate)) / inc);
  }
  estimates.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  const at = (q: number): number => estimates[Math.min(estimates.length - 1, Math.max(0, Math.floor(q * estimates.length)))]!;
  const inc = median(incumbent);
  return { estimate: (inc - median(candidate)) / inc, ci95: [at(tail), at(1 - tail)] };
}
