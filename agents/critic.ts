// The critic's job for one device: deterministic verdicts on the round's results, then (advisory) a
// diagnosis from the CriticPolicy. The harness has already checked correctness and cheating, so here:
// only ok variants may become incumbent; every would-be new best is re-measured interleaved with the
// incumbent and accepted only if the improvement exceeds the noise; a regression never replaces the
// incumbent; an incumbent that fails its own confirmation run is demoted; every failure goes into the
// ledger the planner reads. Finally the stop rules are applied.

import { median, medianCI } from "../core/stats.ts";
import { failureMessage } from "../harness/failure-message.ts";
import { isKernelFault, type EvalResult } from "../harness/types.ts";
import { cleanSuccesses, patternText } from "../results/ledger-match.ts";
import type { EvaluationRecord, Incumbent, StopReason } from "../results/types.ts";
import type { Params } from "../specs/schema.ts";
import { feasible } from "../strategies/objectives.ts";
import { confirmInterleaved } from "./confirm.ts";
import type { CampaignContext, DeviceProgress, ResultSummary } from "./context.ts";
import { countedEvaluations, storedVariant } from "./history.ts";
import { blamePatterns, patternKey, type FailureOutcome } from "./ledger.ts";
import { baselineHash } from "./planner.ts";
import { gateAcceptance, type Gate } from "./proof-gate.ts";
import { judgeImprovement } from "./significance.ts";

type OkRecord = EvaluationRecord & { result: Extract<EvalResult, { status: "ok" }> };

const isOk = (r: EvaluationRecord): r is OkRecord => r.result.status === "ok";

function summaryOf(r: OkRecord): ResultSummary {
  return { variantHash: r.variantHash, params: r.params, medianMs: r.result.stats.medianMs, ci95Ms: r.result.stats.ci95Ms };
}

function incumbentOf(device: string, r: OkRecord, gate: Extract<Gate, { pass: true }>, timing?: { medianMs: number; ci95Ms: [number, number] }): Incumbent {
  return {
    device,
    variantHash: r.variantHash,
    params: r.params,
    family: r.origin === "model" ? r.variantHash : "template",
    medianMs: timing?.medianMs ?? r.result.stats.medianMs,
    ci95Ms: timing?.ci95Ms ?? r.result.stats.ci95Ms,
    ...(r.result.build?.stats ? { compile: r.result.build.stats } : {}),
    ...(r.result.build?.occupancy ? { occupancy: r.result.build.occupancy } : {}),
    ...(r.result.roofline ? { roofline: r.result.roofline } : {}),
    evidence: gate.evidence,
    ...(gate.proof ? { proof: gate.proof } : {}),
  };
}

// ---- ledger ----

function appendLedger(ctx: CampaignContext, device: string, failures: readonly FailureOutcome[], all: readonly EvaluationRecord[]): void {
  const parameterCount = ctx.space.parameters.length;
  const existing = ctx.store.ledger(ctx.campaignId).filter((e) => e.device === device);
  // The critic may run twice for one round after a kill; entries already written are not written again.
  const seen = new Set(existing.map((e) => `${e.status}|${e.variantHash}|${patternKey(e.pattern)}`));
  for (const f of failures) {
    // A failed rewrite is blamed on its idea, not on its parameters: the template at those settings may be fine.
    const idea = ctx.store.variantIdea(f.variantHash) ?? undefined;
    const pattern = idea !== undefined ? {} : f.params;
    const key = `${f.status}|${f.variantHash}|${patternKey(pattern)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    ctx.store.appendLedger(ctx.campaignId, { status: f.status, pattern, ...(idea !== undefined ? { idea } : {}), message: f.message, variantHash: f.variantHash, device, occurrences: 1 });
  }
  const known = new Set(existing.filter((e) => Object.keys(e.pattern).length < parameterCount).map((e) => `${e.status}|${patternKey(e.pattern)}`));
  // Parameter patterns are learned from template instantiations only; a rewrite's failure is its idea's.
  const templates = all.filter((r) => r.origin === "template");
  const failed = templates.filter((r) => !isOk(r)).map((r) => ({ variantHash: r.variantHash, params: r.params, status: r.status, message: failureMessage(r.result) }));
  // A variant that ran once and then failed its confirmation is no proof that its settings run.
  const succeeded = cleanSuccesses(ctx.store.evaluations(ctx.campaignId, { device }));
  for (const blamed of blamePatterns(failed, succeeded)) {
    const key = `${blamed.status}|${patternKey(blamed.pattern)}`;
    if (Object.keys(blamed.pattern).length >= parameterCount || known.has(key)) continue;
    known.add(key);
    const shared = patternText(blamed.pattern);
    ctx.store.appendLedger(ctx.campaignId, {
      status: blamed.status,
      pattern: blamed.pattern,
      message: `${blamed.occurrences} ${blamed.status} failures share ${shared} and no success does; e.g. ${blamed.example.message}`,
      variantHash: blamed.example.variantHash,
      device,
      occurrences: blamed.occurrences,
    });
  }
}

// ---- verdicts on a would-be new best ----

interface Decision {
  /** The new incumbent: the candidate when accepted, the fallback when the incumbent was demoted. */
  incumbent: Incumbent | null;
  /** True when the incumbent failed its own confirmation run and must stop being incumbent and parent. */
  demoted: boolean;
  verdict: string;
  failure?: FailureOutcome;
}

/**
 * Every new best is confirmed, not only close calls: a single process's median can be a quiet moment on
 * the machine. The candidate is re-measured interleaved with the incumbent and accepted only when the
 * bootstrap CI of the improvement excludes zero (and it won most pairs).
 */
async function decide(ctx: CampaignContext, device: string, incumbent: Incumbent, best: OkRecord, round: number): Promise<Decision> {
  const stats = best.result.stats;
  if (stats.medianMs >= incumbent.medianMs) {
    return { incumbent: null, demoted: false, verdict: `rejected ${best.variantHash}: ${stats.medianMs.toFixed(4)} ms is not faster than the incumbent's ${incumbent.medianMs.toFixed(4)} ms` };
  }
  const candidateVariant = storedVariant(ctx.store, ctx.spec, best.variantHash);
  const incumbentVariant = storedVariant(ctx.store, ctx.spec, incumbent.variantHash);
  const confirmation = await confirmInterleaved(ctx, device, candidateVariant, incumbentVariant);
  if (confirmation.kind === "inconclusive") return { incumbent: null, demoted: false, verdict: `not accepted ${best.variantHash}: confirmation incomplete (${confirmation.reason})` };
  if (confirmation.kind === "failed") {
    const who = confirmation.variant.hash === best.variantHash ? "candidate" : "incumbent";
    const message = `${who} failed its confirmation run: ${failureMessage(confirmation.result)}`;
    const failure = { variantHash: confirmation.variant.hash, params: confirmation.variant.params, status: confirmation.result.status, message };
    if (who === "candidate") return { incumbent: null, demoted: false, verdict: `not accepted ${best.variantHash}: ${message}`, failure };
    const fallback = lastVerifiedIncumbent(ctx, device, incumbent.variantHash);
    const to = fallback ? `the incumbent is ${fallback.variantHash} again` : "no verified incumbent is left";
    return { incumbent: fallback, demoted: true, verdict: `demoted ${incumbent.variantHash}: ${message}; ${to}; ${best.variantHash} not accepted`, failure };
  }
  const verdict = judgeImprovement(confirmation, { seed: ctx.settings.seed + round });
  if (!verdict.accepted) return { incumbent: null, demoted: false, verdict: `not accepted ${best.variantHash}: ${verdict.reason}` };
  // Proved last: a proof costs seconds, and only a variant that would otherwise be accepted needs one.
  const gate = await gateAcceptance(ctx, device, best, candidateVariant);
  if (!gate.pass) return { incumbent: null, demoted: false, verdict: gate.verdict, ...(gate.failure ? { failure: gate.failure } : {}) };
  const pooled = confirmation.candidate.flat();
  return {
    incumbent: incumbentOf(device, best, gate, { medianMs: median(pooled), ci95Ms: medianCI(pooled) }),
    demoted: false,
    verdict: `accepted ${best.variantHash} after interleaved confirmation: ${verdict.reason}`,
  };
}

/** A variant with a kernel fault in any run on the device (explore or confirm) is no longer verified. */
function faulted(ctx: CampaignContext, device: string): Set<string> {
  return new Set(ctx.store.evaluations(ctx.campaignId, { device }).filter((e) => isKernelFault(e.result)).map((e) => e.variantHash));
}

/** The latest incumbent the store recorded for the device that is still verified, other than `not`. */
function lastVerifiedIncumbent(ctx: CampaignContext, device: string, not: string): Incumbent | null {
  const bad = faulted(ctx, device);
  const rows = ctx.store.incumbents(ctx.campaignId).filter((a) => a.incumbent.device === device);
  for (let i = rows.length - 1; i >= 0; i--) {
    const inc = rows[i]!.incumbent;
    if (inc.variantHash !== not && !bad.has(inc.variantHash)) return inc;
  }
  return null;
}

/**
 * Records the critic's decision on the incumbent. After a kill the critic runs the round again and, from
 * the same committed runs and seed, reaches the same verdict: a row already recorded is not repeated.
 */
function recordIncumbent(ctx: CampaignContext, incumbent: Incumbent, verdict: string): void {
  const latest = ctx.store.incumbents(ctx.campaignId).filter((a) => a.incumbent.device === incumbent.device).at(-1);
  if (latest?.verdict === verdict && latest.incumbent.variantHash === incumbent.variantHash) return;
  ctx.store.appendIncumbent(ctx.campaignId, incumbent, verdict);
}

// ---- stop rules ----

/**
 * Time spent on a device. A device whose time is simulated (a replay answers at once) is charged what its
 * runner says the evaluated configurations cost; that is summed from the store rather than kept by the
 * runner so that a resumed campaign keeps the time spent before it stopped.
 */
function spentMs(ctx: CampaignContext, device: string): number {
  const runner = ctx.devices.get(device)?.runner;
  if (!runner?.recordedCostMs) return ctx.activeMs();
  return runner.recordedCostMs(ctx.store.evaluations(ctx.campaignId, { device }).filter((e) => e.status !== "infra_error").map((e) => e.params));
}

function stopReason(ctx: CampaignContext, p: DeviceProgress): StopReason | null {
  const s = ctx.settings;
  if (p.explored >= s.budget) return "budget";
  if (s.timeBudgetMs !== null && spentMs(ctx, p.device) >= s.timeBudgetMs) return "time";
  const roof = p.incumbent?.roofline;
  if (p.incumbent && roof && roof.floorMs > 0 && p.incumbent.medianMs <= roof.floorMs * (1 + s.rooflineFraction)) return "roofline";
  if (s.stallAfter > 0 && p.incumbent && p.explored - p.lastImprovementAt >= s.stallAfter) return "stalled";
  if (p.infraStreak >= s.maxInfraRounds) return "device_down";
  if (p.idleRounds >= 3) return "exhausted";
  return null;
}

export async function criticDevice(ctx: CampaignContext, progress: DeviceProgress, round: number): Promise<Partial<DeviceProgress>> {
  const device = progress.device;
  const records = countedEvaluations(ctx.store, ctx.campaignId, device);
  const inBatch = new Set(progress.batch);
  const results = records.filter((r) => inBatch.has(r.variantHash));
  const next: DeviceProgress = { ...progress, explored: records.length, idleRounds: results.length === 0 ? progress.idleRounds + 1 : 0 };

  const baseHash = baselineHash(ctx);
  const base = results.find((r) => r.variantHash === baseHash);
  if (base) {
    next.baselineMeasured = true;
    if (isOk(base)) next.baseline = summaryOf(base);
  }

  const failures: FailureOutcome[] = results
    .filter((r) => !isOk(r))
    .map((r) => ({ variantHash: r.variantHash, params: r.params, status: r.status, message: failureMessage(r.result) }));
  // Only variants within the campaign's constraints compete; the baseline stays the reference for speedups.
  const ok = results.filter((r): r is OkRecord => isOk(r) && feasible(r.result, ctx.settings.constraints)).sort((a, b) => a.result.stats.medianMs - b.result.stats.medianMs);
  const verdicts: string[] = [];
  if (!next.incumbent) {
    // The first verified variant (the baseline when it passed) is the reference everything else must beat;
    // one the proof step turns away is passed over for the next fastest.
    const baseFirst = [...ok.filter((r) => r.variantHash === baseHash), ...ok.filter((r) => r.variantHash !== baseHash)];
    let first: OkRecord | undefined;
    let gate: Gate | undefined;
    for (const candidate of baseFirst) {
      gate = await gateAcceptance(ctx, device, candidate, storedVariant(ctx.store, ctx.spec, candidate.variantHash));
      if (gate.pass) {
        first = candidate;
        break;
      }
      verdicts.push(gate.verdict);
      if (gate.failure) failures.push(gate.failure);
      ctx.emit({ type: "rejected", device, variantHash: candidate.variantHash, reason: gate.verdict });
    }
    if (first && gate?.pass) {
      next.incumbent = incumbentOf(device, first, gate);
      next.lastImprovementAt = records.length;
      const verdict = `first verified variant ${first.variantHash}: ${first.result.stats.medianMs.toFixed(4)} ms`;
      verdicts.push(verdict);
      // Reports and dispatch files follow what the critic accepted, not merely the fastest median.
      recordIncumbent(ctx, next.incumbent, verdict);
      const speedup = next.baseline ? next.baseline.medianMs / next.incumbent.medianMs : null;
      ctx.emit({ type: "accepted", device, incumbent: next.incumbent, speedup, reason: verdict });
    }
  }
  const turnedAway = new Set(failures.map((f) => f.variantHash));
  const best = ok.find((r) => r.variantHash !== next.incumbent?.variantHash && !turnedAway.has(r.variantHash));
  if (next.incumbent && best) {
    const decision = await decide(ctx, device, next.incumbent, best, round);
    verdicts.push(decision.verdict);
    if (decision.failure) failures.push(decision.failure);
    if (decision.demoted) {
      const demoted = next.incumbent;
      next.incumbent = decision.incumbent;
      // With no verified incumbent left the row names the demoted one; its verdict says it was demoted.
      recordIncumbent(ctx, decision.incumbent ?? demoted, decision.verdict);
      ctx.emit({ type: "demoted", device, variantHash: demoted.variantHash, incumbent: decision.incumbent, reason: decision.verdict });
    } else if (decision.incumbent) {
      next.incumbent = decision.incumbent;
      next.lastImprovementAt = records.length;
      recordIncumbent(ctx, decision.incumbent, decision.verdict);
      const speedup = next.baseline ? next.baseline.medianMs / decision.incumbent.medianMs : null;
      ctx.emit({ type: "accepted", device, incumbent: decision.incumbent, speedup, reason: decision.verdict });
    } else {
      ctx.emit({ type: "rejected", device, variantHash: best.variantHash, reason: decision.verdict });
    }
  }
  appendLedger(ctx, device, failures, records);
  next.confirms = ctx.store.evaluations(ctx.campaignId, { device, purpose: "confirm" }).length;
  next.lastVerdict = verdicts.length > 0 ? verdicts.join("; ") : failures.length > 0 ? failures.map((f) => f.message).join("; ").slice(0, 500) : null;

  try {
    next.diagnosis = await ctx.critic.diagnose({
      spec: ctx.spec,
      device: ctx.devices.get(device)!.profile,
      incumbent: next.incumbent,
      round: results.map((r) => ({
        params: r.params as Params,
        status: r.status,
        ...(isOk(r) ? { medianMs: r.result.stats.medianMs, ...(r.result.roofline ? { roofline: r.result.roofline } : {}) } : {}),
        ...(r.result.build?.stats ? { compile: r.result.build.stats } : {}),
        ...(r.result.build?.occupancy ? { occupancy: r.result.build.occupancy } : {}),
      })),
    });
  } catch (error) {
    // A diagnosis is advice; a policy that fails to give one must not stop the campaign.
    ctx.emit({ type: "note", device, message: `critic ${ctx.critic.name} gave no diagnosis (${(error as Error).message}); continuing without one` });
  }

  const reason = stopReason(ctx, next);
  if (reason) ctx.emit({ type: "device_stopped", device, reason });
  return { ...next, stopReason: reason, batch: [] };
}
