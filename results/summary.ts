// Shared questions asked of a campaign's evaluations: which variants are verified, which is best per
// device, how the baseline compares, what failed and how. Pure functions over store records, used by the
// report, the dispatch export and the CLI's status output alike, so they can never disagree.

import type { CompileStats, EvalStatus, Roofline } from "../harness/types.ts";
import { canonicalParams } from "../harness/variant.ts";
import { evidenceOf } from "./evidence.ts";
import { cleanSuccesses, matchesPattern } from "./ledger-match.ts";
import type { Params } from "../specs/schema.ts";
import type { AcceptedRecord, EvaluationRecord, EvidenceLevel, LedgerEntry, ModelCallRecord, ProofSummary } from "./types.ts";

export interface VerifiedVariant {
  device: string;
  variantHash: string;
  params: Params;
  origin: EvaluationRecord["origin"];
  medianMs: number;
  ci95Ms: [number, number];
  samples: number;
  /** The evaluation the numbers come from (the latest ok one). */
  evaluationId: number;
  /** How many ok measurements (exploration plus confirmations) back this variant. */
  measurements: number;
  roofline?: Roofline;
  compile?: CompileStats;
  /** The numbers were replayed from recorded data, not measured by this campaign. */
  replayed: boolean;
  /** Some measurement of it ran outside the sandbox (--unsandboxed on a device that cannot make one). */
  unsandboxed: boolean;
  /** Some measurement of it also ran clean under AddressSanitizer and UBSan. */
  sanitized: boolean;
  /** The critic's verdict when this variant is its accepted incumbent (the numbers are then the critic's). */
  acceptedVerdict?: string;
}

export function devicesOf(evaluations: readonly EvaluationRecord[]): string[] {
  return [...new Set(evaluations.map((e) => e.device))];
}

/**
 * Variants verified on `device`, fastest first. A variant is verified when it has an ok evaluation and no
 * kernel fault on that device: a confirmation run that later finds a wrong result or a rejection
 * disqualifies it, while an infrastructure error says nothing about the kernel. The numbers are those of
 * its latest ok evaluation, because confirmation runs (interleaved with the incumbent) come last.
 */
export function verifiedVariants(evaluations: readonly EvaluationRecord[], device: string): VerifiedVariant[] {
  const byVariant = new Map<string, EvaluationRecord[]>();
  for (const e of evaluations) {
    if (e.device !== device) continue;
    const list = byVariant.get(e.variantHash) ?? [];
    list.push(e);
    byVariant.set(e.variantHash, list);
  }
  const out: VerifiedVariant[] = [];
  for (const list of byVariant.values()) {
    if (list.some((e) => e.status !== "ok" && e.status !== "infra_error")) continue;
    const oks = list.filter((e) => e.status === "ok");
    const latest = oks[oks.length - 1];
    if (latest === undefined || latest.result.status !== "ok") continue;
    const r = latest.result;
    out.push({
      device,
      variantHash: latest.variantHash,
      params: latest.params,
      origin: latest.origin,
      medianMs: r.stats.medianMs,
      ci95Ms: r.stats.ci95Ms,
      samples: r.stats.n,
      evaluationId: latest.id,
      measurements: oks.length,
      ...(r.roofline ? { roofline: r.roofline } : {}),
      ...(r.build ? { compile: r.build.stats } : {}),
      replayed: r.verification.replayed === true,
      unsandboxed: oks.some((e) => e.result.status === "ok" && e.result.verification.isolation === "unsandboxed"),
      sanitized: oks.some((e) => e.result.status === "ok" && e.result.verification.sanitized === true),
    });
  }
  return out.sort((a, b) => a.medianMs - b.medianMs || a.evaluationId - b.evaluationId);
}

/** A verified variant the critic accepted as its incumbent; its numbers are the critic's pooled ones. */
export type AcceptedVariant = VerifiedVariant & { acceptedVerdict: string; evidence: EvidenceLevel; proof?: ProofSummary };

/**
 * The best variant on a device: the critic's latest accepted incumbent that is still verified, or null.
 * Never the fastest median on its own: a variant the critic judged within the noise, never confirmed, or
 * whose acceptance a later check withdrew is not a win, and dispatch files must not ship it.
 */
export function bestVerified(evaluations: readonly EvaluationRecord[], device: string, accepted: readonly AcceptedRecord[]): AcceptedVariant | null {
  const verified = verifiedVariants(evaluations, device);
  const mine = accepted.filter((a) => a.incumbent.device === device);
  for (let i = mine.length - 1; i >= 0; i--) {
    const { incumbent, verdict } = mine[i]!;
    // A demotion naming the demoted variant itself is the critic saying no verified incumbent was left.
    if (verdict.startsWith(`demoted ${incumbent.variantHash}:`)) return null;
    const v = verified.find((x) => x.variantHash === incumbent.variantHash);
    if (!v) continue;
    // A fallback after a demotion was accepted earlier; that acceptance is the evidence, the demotion the context.
    const original = verdict.startsWith("demoted ")
      ? mine.slice(0, i).reverse().find((a) => a.incumbent.variantHash === v.variantHash && !a.verdict.startsWith("demoted "))?.verdict
      : undefined;
    // Incumbents recorded before evidence levels existed were at most sanitized: nothing proved them.
    const evidence = incumbent.evidence ?? evidenceOf(v, undefined);
    return {
      ...v,
      medianMs: incumbent.medianMs,
      ci95Ms: incumbent.ci95Ms,
      acceptedVerdict: original ? `${original} (incumbent again after: ${verdict})` : verdict,
      evidence,
      ...(incumbent.proof ? { proof: incumbent.proof } : {}),
    };
  }
  return null;
}

/** Best variant per device, in the order devices first appear; devices with none are absent. */
export function bestVerifiedPerDevice(evaluations: readonly EvaluationRecord[], accepted: readonly AcceptedRecord[]): Map<string, AcceptedVariant> {
  const out = new Map<string, AcceptedVariant>();
  for (const device of devicesOf(evaluations)) {
    const best = bestVerified(evaluations, device, accepted);
    if (best) out.set(device, best);
  }
  return out;
}

export function topK(evaluations: readonly EvaluationRecord[], device: string, k: number): VerifiedVariant[] {
  return verifiedVariants(evaluations, device).slice(0, k);
}

export interface FailureCount {
  status: Exclude<EvalStatus, "ok">;
  /** The reject reason, or the failure phase (runtime errors and timeouts); absent otherwise. */
  detail?: string;
  count: number;
}

/** Failures counted per kind, most frequent first; every evaluation counts, confirmations included. */
export function failuresByKind(evaluations: readonly EvaluationRecord[], device?: string): FailureCount[] {
  const counts = new Map<string, FailureCount>();
  for (const e of evaluations) {
    if (e.status === "ok" || (device !== undefined && e.device !== device)) continue;
    const r = e.result;
    const detail = r.status === "rejected" ? r.reason : r.status === "runtime_error" || r.status === "timeout" ? r.phase : undefined;
    const key = `${e.status}/${detail ?? ""}`;
    const entry = counts.get(key) ?? { status: e.status as FailureCount["status"], ...(detail ? { detail } : {}), count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.status.localeCompare(b.status));
}

export interface ConvergencePoint {
  /** 1-based position among the device's exploration evaluations (the budget's unit). */
  index: number;
  status: EvalStatus;
  /** The median when ok. */
  valueMs: number | null;
  /** Ok when measured, but a later run of the same variant found a kernel fault: not counted as best. */
  disqualified: boolean;
  /** Best verified median so far (null until the first one). */
  bestMs: number | null;
}

/**
 * Best-so-far per exploration step; confirmation runs do not spend budget and are left out. The line
 * follows the critic's accepted incumbents (each from the step its variant was first measured), the same
 * records bestVerified reads, so the plot and the report name the same best: an accepted variant a later
 * run found faulty (a demoted one included) never counts, not even before it was caught. A fast median the
 * critic never accepted is a point on the plot, never the best.
 */
export function convergence(evaluations: readonly EvaluationRecord[], device: string, accepted: readonly AcceptedRecord[]): ConvergencePoint[] {
  const faulted = new Set(evaluations.filter((e) => e.device === device && e.status !== "ok" && e.status !== "infra_error").map((e) => e.variantHash));
  const explored = evaluations.filter((e) => e.device === device && e.purpose === "explore");
  const firstStep = new Map<string, number>();
  explored.forEach((e, i) => firstStep.has(e.variantHash) || firstStep.set(e.variantHash, i + 1));
  const steps = accepted
    .filter((a) => a.incumbent.device === device && firstStep.has(a.incumbent.variantHash) && !faulted.has(a.incumbent.variantHash))
    .map((a) => ({ step: firstStep.get(a.incumbent.variantHash)!, medianMs: a.incumbent.medianMs }));
  let best: number | null = null;
  return explored.map((e, i) => {
    const index = i + 1;
    const value = e.status === "ok" ? e.medianMs : null;
    const disqualified = value !== null && faulted.has(e.variantHash);
    for (const s of steps) if (s.step <= index) best = s.medianMs;
    return { index, status: e.status, valueMs: value, disqualified, bestMs: best };
  });
}

export interface LedgerLesson {
  status: EvalStatus;
  pattern: Params;
  device: string;
  message: string;
  /** Highest occurrence count recorded for this lesson (entries are appended as counts grow). */
  occurrences: number;
  idea?: string;
  /**
   * A configuration matching the pattern that later ran on the device (the ledger's probe, usually): the
   * lesson was disproved and no longer restricts the search (agents/ledger.ts, standingLedger).
   */
  liftedBy?: Params;
}

/** One line per distinct lesson (device, status, pattern, idea), most frequent first; `evaluations` say which were lifted. */
export function ledgerLessons(entries: readonly LedgerEntry[], evaluations: readonly EvaluationRecord[] = []): LedgerLesson[] {
  const lessons = new Map<string, LedgerLesson>();
  const ran = new Map<string, Params[]>();
  const ranOn = (device: string): Params[] => {
    let hit = ran.get(device);
    if (!hit) ran.set(device, (hit = cleanSuccesses(evaluations.filter((e) => e.device === device))));
    return hit;
  };
  for (const e of entries) {
    const key = [e.device, e.status, canonicalParams(e.pattern), e.idea ?? ""].join("|");
    const prior = lessons.get(key);
    const occurrences = Math.max(prior?.occurrences ?? 0, e.occurrences);
    const liftedBy = Object.keys(e.pattern).length > 0 ? ranOn(e.device).find((p) => matchesPattern(p, e.pattern)) : undefined;
    lessons.set(key, { status: e.status, pattern: e.pattern, device: e.device, message: e.message, occurrences, ...(e.idea ? { idea: e.idea } : {}), ...(liftedBy ? { liftedBy } : {}) });
  }
  return [...lessons.values()].sort((a, b) => b.occurrences - a.occurrences);
}

export interface ModelUsage {
  role: ModelCallRecord["role"];
  model: string;
  calls: number;
  failed: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  latencyMs: number;
}

export function modelUsage(calls: readonly ModelCallRecord[]): ModelUsage[] {
  const usage = new Map<string, ModelUsage>();
  for (const c of calls) {
    const key = `${c.role}|${c.model}`;
    const u = usage.get(key) ?? { role: c.role, model: c.model, calls: 0, failed: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, latencyMs: 0 };
    u.calls++;
    if (!c.ok) u.failed++;
    u.tokensIn += c.tokensIn;
    u.tokensOut += c.tokensOut;
    u.costUsd += c.costUsd;
    u.latencyMs += c.latencyMs;
    usage.set(key, u);
  }
  return [...usage.values()];
}
