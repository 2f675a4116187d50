// Statistics over timing samples. The confidence interval of the median is distribution-free (order
// statistics with binomial ranks), because kernel timings are skewed and rarely normal.

import { fail } from "../core/errors.ts";
import type { TimingStats } from "../runners/types.ts";

/** Linear-interpolation quantile (the common "type 7") of already sorted values. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) fail("INTERNAL", "quantileSorted: expected at least one value, received none");
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(values: readonly number[]): number {
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

export function timingStats(samplesMs: readonly number[]): TimingStats {
  const n = samplesMs.length;
  if (n === 0) fail("INTERNAL", "timingStats: expected at least one sample, received none");
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const med = quantileSorted(sorted, 0.5);
  const iqr = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
  const ranks = medianCiRanks(n);
  // Too few samples for 95% coverage: the full range is the honest interval.
  const ci95Ms: [number, number] = ranks ? [sorted[ranks[0] - 1]!, sorted[ranks[1] - 1]!] : [sorted[0]!, sorted[n - 1]!];
  return {
    medianMs: med,
    minMs: sorted[0]!,
    maxMs: sorted[n - 1]!,
    meanMs: sorted.reduce((s, v) => s + v, 0) / n,
    relativeIqr: med > 0 ? iqr / med : 0,
    ci95Ms,
    n,
  };
}
