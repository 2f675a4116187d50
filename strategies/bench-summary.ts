// What the strategy benchmark reports: per space the median score over seeds, overall the mean of those
// medians over spaces. (The runs themselves are campaigns; graphs/strategy-bench.ts runs them.)

import { median } from "../core/stats.ts";

export interface BenchRun {
  space: string;
  /** The strategy name, with "+transfer" when it was given other devices' data. */
  strategy: string;
  seed: number;
  budget: number;
  trace: (number | null)[];
  score: number;
}

export interface BenchSummary {
  /** Per space: budget and, per strategy, the median score over seeds and every seed's score. */
  spaces: Record<string, { budget: number; strategies: Record<string, { median: number; scores: number[] }> }>;
  /** Per strategy: the mean over the spaces it ran on of the median scores. */
  overall: Record<string, { mean: number; spaces: number }>;
}

export function summarise(runs: readonly BenchRun[]): BenchSummary {
  const spaces: BenchSummary["spaces"] = {};
  for (const r of runs) {
    const s = (spaces[r.space] ??= { budget: r.budget, strategies: {} });
    (s.strategies[r.strategy] ??= { median: 0, scores: [] }).scores.push(r.score);
  }
  const totals: Record<string, number[]> = {};
  for (const s of Object.values(spaces)) {
    for (const [name, st] of Object.entries(s.strategies)) {
      st.median = median(st.scores.slice().sort((a, b) => a - b));
      (totals[name] ??= []).push(st.median);
    }
  }
  const overall: BenchSummary["overall"] = {};
  for (const [name, medians] of Object.entries(totals)) overall[name] = { mean: medians.reduce((a, b) => a + b, 0) / medians.length, spaces: medians.length };
  return { spaces, overall };
}
