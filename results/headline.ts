// The one headline of a campaign per device: the baseline, the best, the speedup and its interval. Every
// surface (the CLI's summary, `results`, the report, the dispatch files) shows these figures and says
// which measurements they pool, so two surfaces can never name two different speedups for one campaign.
//
// The figures are the critic's: the best is the incumbent it accepted (the pooled median of the
// interleaved confirmation runs that made it the incumbent, or the exploration run of the first verified
// variant), and the baseline is the exploration run the critic took as the reference everything else had
// to beat. Later re-measurements of either (a confirmation run of the baseline as incumbent, say) are
// evidence for the critic's decisions, not a new headline.

import type { Params } from "../specs/schema.ts";
import { describeEvidence } from "./evidence.ts";
import { describeLibraryFigure, libraryFigures, type LibraryFigure } from "./library-figures.ts";
import { bestVerified } from "./summary.ts";
import type { AcceptedRecord, EvaluationRecord, EvidenceLevel, LibraryResultRecord, ProofSummary, Store } from "./types.ts";

export interface HeadlineFigure {
  variantHash: string;
  params: Params;
  medianMs: number;
  ci95Ms: [number, number];
  /** Which measurements the figure pools, in words. */
  measurement: string;
}

export interface Headline {
  device: string;
  baseline: HeadlineFigure | null;
  /** The critic's accepted incumbent that is still verified, with the verdict that accepted it. */
  best: (HeadlineFigure & { verdict: string; replayed: boolean; evidence: EvidenceLevel; proof?: ProofSummary }) | null;
  /** Baseline median over best median, to three decimals; null without both. */
  speedup: number | null;
  /**
   * Conservative interval from the two medians' 95% intervals (slowest plausible baseline over fastest
   * plausible best, and the reverse), to three decimals; when it excludes 1 the speedup is not noise.
   */
  speedupCi95: [number, number] | null;
  /** The spec's library baselines as measured on this device, beside the best (results/library-figures.ts). */
  libraries: LibraryFigure[];
}

const round3 = (x: number): number => Number(x.toFixed(3));

function samplesOf(record: EvaluationRecord): number {
  return record.result.status === "ok" ? record.result.stats.n : 0;
}

/**
 * The baseline is what the planner measures first on every device (alone, in the first round): the first
 * exploration row's variant. Its figure is that variant's ok exploration run.
 */
function baselineFigure(mine: readonly EvaluationRecord[]): HeadlineFigure | null {
  const explored = mine.filter((e) => e.purpose === "explore");
  const hash = explored[0]?.variantHash;
  const run = explored.find((e) => e.variantHash === hash && e.result.status === "ok");
  if (run === undefined || run.result.status !== "ok") return null;
  const stats = run.result.stats;
  return { variantHash: run.variantHash, params: run.params, medianMs: stats.medianMs, ci95Ms: stats.ci95Ms, measurement: `its exploration run (${samplesOf(run)} samples)` };
}

function bestMeasurement(verdict: string, hash: string, mine: readonly EvaluationRecord[]): string {
  // The first verified variant is taken on its exploration run; every later one on its confirmation runs.
  if (!verdict.startsWith("accepted")) {
    const run = mine.find((e) => e.purpose === "explore" && e.variantHash === hash && e.result.status === "ok");
    return `its exploration run${run ? ` (${samplesOf(run)} samples)` : ""}`;
  }
  return "the pooled median of the critic's interleaved confirmation runs";
}

export function deviceHeadline(evaluations: readonly EvaluationRecord[], accepted: readonly AcceptedRecord[], device: string, libraries: readonly LibraryResultRecord[] = []): Headline {
  const mine = evaluations.filter((e) => e.device === device);
  const baseline = baselineFigure(mine);
  const found = bestVerified(evaluations, device, accepted);
  const best = found
    ? {
        variantHash: found.variantHash,
        params: found.params,
        medianMs: found.medianMs,
        ci95Ms: found.ci95Ms,
        measurement: bestMeasurement(found.acceptedVerdict, found.variantHash, mine),
        verdict: found.acceptedVerdict,
        replayed: found.replayed,
        evidence: found.evidence,
        ...(found.proof ? { proof: found.proof } : {}),
      }
    : null;
  const both = baseline !== null && best !== null;
  return {
    device,
    baseline,
    best,
    speedup: both ? round3(baseline.medianMs / best.medianMs) : null,
    speedupCi95: both ? [round3(baseline.ci95Ms[0] / best.ci95Ms[1]), round3(baseline.ci95Ms[1] / best.ci95Ms[0])] : null,
    libraries: libraryFigures(libraries.filter((l) => l.device === device), best?.medianMs ?? null),
  };
}

/** The headline of every device of a campaign, in the campaign's device order. */
export function campaignHeadlines(store: Pick<Store, "evaluations" | "incumbents" | "libraryResults">, campaignId: string, devices: readonly string[]): Headline[] {
  const evaluations = store.evaluations(campaignId);
  const accepted = store.incumbents(campaignId);
  const libraries = store.libraryResults(campaignId);
  return devices.map((device) => deviceHeadline(evaluations, accepted, device, libraries));
}

/** The headline as text lines (the CLI's summary and `results`), each figure with what it pools. */
export function describeHeadline(h: Headline): string[] {
  const ms = (v: number) => v.toFixed(4);
  const lines: string[] = [];
  if (h.baseline) lines.push(`baseline ${ms(h.baseline.medianMs)} ms (95% CI ${ms(h.baseline.ci95Ms[0])}..${ms(h.baseline.ci95Ms[1])}; ${h.baseline.measurement})  ${JSON.stringify(h.baseline.params)}`);
  if (h.best) lines.push(`best     ${ms(h.best.medianMs)} ms (95% CI ${ms(h.best.ci95Ms[0])}..${ms(h.best.ci95Ms[1])}; ${h.best.measurement})  ${JSON.stringify(h.best.params)}`);
  if (h.speedup !== null && h.speedupCi95 !== null) {
    const source = h.best?.replayed ? "replayed from recorded data, not verified here" : "verified on this run";
    lines.push(`speedup  ${h.speedup.toFixed(2)}x (95% CI ${h.speedupCi95[0].toFixed(2)}x..${h.speedupCi95[1].toFixed(2)}x) over the baseline (${source})`);
  }
  if (h.best) lines.push(`evidence ${describeEvidence(h.best.evidence, h.best.proof)}`);
  for (const l of h.libraries) lines.push(`library  ${describeLibraryFigure(l)}`);
  return lines;
}
