// Deciding whether a faster-looking variant is really faster. Timing noise on a shared machine easily
// reaches a few per cent, so every would-be new best is re-measured interleaved with the incumbent and
// accepted only when a confidence interval of the improvement excludes zero. Everything here is pure and
// seeded, so a resumed campaign reaches the same verdict from the same samples.

import { bootstrapImprovement, median, type ImprovementEstimate } from "../core/stats.ts";

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
