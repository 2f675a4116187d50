// Deciding whether a faster-looking variant is really faster. Timing noise on a shared machine easily
// reaches a few per cent, so every would-be new best is re-measured interleaved with the incumbent and
// accepted only when a confidence interval of the improvement excludes zero. Everything here is pure and
// seeded, so a resumed campaign reaches the same verdict from the same samples.

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Binomial(n, 1/2) cumulative probability P(X <= k). */
function binomialHalfCdf(n: number, k: number): number {
  let term = Math.pow(0.5, n);
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return sum;
}

/**
 * Distribution-free confidence interval of the median from order statistics: the widest symmetric pair
 * of ranks whose coverage is at least `level` (the full range when there are too few samples).
 */
export function medianCI(values: readonly number[], level = 0.95): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  // [x_(j), x_(n-j+1)] covers the median with probability 1 - 2 P(Bin(n, 1/2) <= j - 1).
  let j = 1;
  while (j + 1 <= n - j && binomialHalfCdf(n, j) <= (1 - level) / 2) j++;
  return [sorted[j - 1]!, sorted[n - j]!];
}

/** Small, fast, seedable generator (mulberry32) so bootstrap verdicts are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
  const random = seededRandom(options.seed ?? 1);
  const draw = (values: readonly number[]): number => {
    const copy = new Array<number>(values.length);
    for (let i = 0; i < values.length; i++) copy[i] = values[Math.floor(random() * values.length)]!;
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

export interface PairedRuns {
  /** Samples of each candidate run, in the order the runs alternated with the incumbent's. */
  candidate: ReadonlyArray<readonly number[]>;
  incumbent: ReadonlyArray<readonly number[]>;
}

export interface Verdict extends ImprovementEstimate {
  accepted: boolean;
  /** Interleaved pairs in which the candidate's run median beat the incumbent's. */
  pairsWon: number;
  pairs: number;
  reason: string;
}

/**
 * Accepts a candidate only when (1) the bootstrap CI of the improvement lies entirely above
 * `minImprovement` and (2) it won the majority of the interleaved pairs; the second guards against one
 * lucky process (e.g. a quiet moment on the machine) dominating the pooled samples.
 */
export function judgeImprovement(runs: PairedRuns, options: { minImprovement?: number; seed?: number } = {}): Verdict {
  const minImprovement = options.minImprovement ?? 0;
  const pairs = Math.min(runs.candidate.length, runs.incumbent.length);
  if (pairs === 0) return { accepted: false, estimate: 0, ci95: [0, 0], pairsWon: 0, pairs: 0, reason: "no interleaved measurements" };
  let pairsWon = 0;
  for (let i = 0; i < pairs; i++) if (median(runs.candidate[i]!) < median(runs.incumbent[i]!)) pairsWon++;
  const pooled = bootstrapImprovement(runs.candidate.slice(0, pairs).flat(), runs.incumbent.slice(0, pairs).flat(), { seed: options.seed });
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const ciText = `improvement ${pct(pooled.estimate)} (95% CI ${pct(pooled.ci95[0])}..${pct(pooled.ci95[1])}), won ${pairsWon}/${pairs} interleaved pairs`;
  if (pooled.ci95[1] < 0) return { ...pooled, accepted: false, pairsWon, pairs, reason: `slower than the incumbent when interleaved: ${ciText}` };
  if (pooled.ci95[0] <= minImprovement) return { ...pooled, accepted: false, pairsWon, pairs, reason: `within the noise: ${ciText}` };
  if (pairsWon * 2 <= pairs) return { ...pooled, accepted: false, pairsWon, pairs, reason: `not consistent across runs: ${ciText}` };
  return { ...pooled, accepted: true, pairsWon, pairs, reason: ciText };
}

/**
 * A close call: the intervals overlap or the candidate is faster by less than `closeFraction`. The critic
 * no longer skips confirmation outside close calls; this remains for tools that describe a comparison.
 */
export function isCloseCall(
  candidate: { medianMs: number; ci95Ms: [number, number] },
  incumbent: { medianMs: number; ci95Ms: [number, number] },
  closeFraction: number,
): boolean {
  const overlap = candidate.ci95Ms[1] >= incumbent.ci95Ms[0];
  const gain = (incumbent.medianMs - candidate.medianMs) / incumbent.medianMs;
  return overlap || gain < closeFraction;
}
