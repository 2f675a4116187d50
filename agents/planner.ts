// The planner's job for one device: how many variants this round may cost, the baseline first, then
// whatever the device's PlannerPolicy proposes from the measured history and the ledger.

import { makeVariant, resolveParams } from "../harness/variant.ts";
import type { CampaignContext, DeviceProgress } from "./context.ts";
import { cleanSuccesses, patternText } from "../results/ledger-match.ts";
import { countedEvaluations, observations } from "./history.ts";
import { blockedByLedger, standingLedger } from "./ledger.ts";
import { ledgerProbe, type LedgerProbe } from "./ledger-probe.ts";
import { storePriors } from "./priors.ts";
import type { EvaluationRecord } from "../results/types.ts";
import type { PlanInput, Proposal } from "./types.ts";

export function baselineHash(ctx: CampaignContext): string {
  return makeVariant(ctx.spec, ctx.spec.baseline).hash;
}

/** What a planner policy sees for this device now: the space, the history, the ledger, the budget, the priors. */
export function planInput(ctx: CampaignContext, progress: DeviceProgress, records: readonly EvaluationRecord[], count: number): PlanInput {
  return {
    spec: ctx.spec,
    device: ctx.devices.get(progress.device)!.profile,
    space: ctx.space,
    history: observations(records, ctx.settings.constraints),
    incumbent: progress.incumbent,
    baselineMs: progress.baseline?.medianMs ?? null,
    ledger: standingLedger(
      ctx.store.ledger(ctx.campaignId).filter((e) => e.device === progress.device),
      cleanSuccesses(ctx.store.evaluations(ctx.campaignId, { device: progress.device })),
    ),
    diagnosis: progress.diagnosis,
    count,
    seed: ctx.settings.seed,
    budget: { total: ctx.settings.budget, used: records.length },
    priors: [...storePriors(ctx.store, ctx.spec.name, progress.device, ctx.space), ...ctx.priors],
  };
}

/** Template instantiations: what parameter patterns are learned from and tested on (a rewrite's failure is its idea's). */
function templates(records: readonly EvaluationRecord[]): EvaluationRecord[] {
  return records.filter((r) => r.origin === "template");
}

/** A model proposal that came to nothing, recorded so the report can say how many there were. */
export function recordRefusal(ctx: CampaignContext, device: string, role: "planner" | "coder", refusal: { reason: string; detail: string }): void {
  ctx.store.appendRefusedProposal({ campaignId: ctx.campaignId, device, role, ...refusal });
}

/**
 * Up to `count` parameter-only proposals from the device's offline policy (a model planner's search
 * strategy), to fill the places of proposals that came to nothing: a model that proposes only duplicates
 * or unusable ideas must not end the night early.
 */
export async function fillFromFallback(ctx: CampaignContext, progress: DeviceProgress, count: number): Promise<Proposal[]> {
  const planner = ctx.devices.get(progress.device)!.planner;
  const offline = planner.fallback ?? planner;
  const records = countedEvaluations(ctx.store, ctx.campaignId, progress.device);
  const proposals = await offline.plan(planInput(ctx, progress, records, count));
  return proposals.filter((p) => p.idea === undefined);
}

export async function planDevice(ctx: CampaignContext, progress: DeviceProgress): Promise<Partial<DeviceProgress>> {
  const device = ctx.devices.get(progress.device)!;
  // The store, not the state, says what was spent: a node killed mid-round may have committed results.
  const records = countedEvaluations(ctx.store, ctx.campaignId, progress.device);
  const used = records.length;
  const remaining = ctx.settings.budget - used;
  if (remaining <= 0) return { proposals: [], batch: [], explored: used, stopReason: "budget" };
  const count = Math.min(ctx.settings.batchSize, remaining);

  // The baseline goes alone in the first round: it is measured first and is the incumbent to beat
  // before anything else is judged (in a shared batch a fast failure could finish before it).
  if (!records.some((r) => r.variantHash === baselineHash(ctx))) {
    const params = resolveParams(ctx.spec, ctx.spec.baseline);
    return { proposals: [{ params, proposedBy: "strategy", rationale: "the baseline: every speedup is relative to it" }], batch: [], explored: used };
  }
  const proposals: Proposal[] = [];
  // Template instantiations already measured cost nothing to recognise here (the coder checks hashes too).
  const measured = templates(records).map((r) => r.params);
  const keys = new Set(measured.map((params) => `${ctx.space.key(params)}|`));
  const input = planInput(ctx, progress, records, count);
  const ledger = input.ledger;
  // A strategy that learns from failures searches the whole space: the ledger advises it and needs no probe.
  const probe = device.planner.learnsFailures === true ? null : ledgerProbe(ctx.space, ledger, measured, ctx.settings.budget);
  const probing: Proposal | null = probe && { params: probe.params, proposedBy: "strategy", rationale: probeRationale(probe) };
  // A round of one that a probe takes does not ask the planner: a model's proposal would be paid for and dropped.
  const planned = probing && count === 1 ? [] : await device.planner.plan({ ...input, count: probing ? count - 1 : count, onRefused: (r) => recordRefusal(ctx, progress.device, "planner", r) });
  for (const proposal of probing ? [probing, ...planned] : planned) {
    const key = `${ctx.space.key(proposal.params)}|${proposal.idea ?? ""}`;
    // Model planners see the ledger as text and may still propose a blamed setting; parameter-only
    // proposals matching a generalised pattern are dropped here at no cost, unless they come from a strategy
    // that learns from failures itself and chose to search the whole space.
    const advised = device.planner.learnsFailures === true && proposal.proposedBy === "strategy";
    const blocked = !advised && proposal !== probing && proposal.idea === undefined && blockedByLedger(proposal.params, ledger, ctx.space.parameters.length);
    const reason = keys.has(key) ? "already_measured" : blocked ? "ledgered_failure" : null;
    if (reason !== null) {
      if (proposal.proposedBy === "model") recordRefusal(ctx, progress.device, "planner", { reason, detail: `${ctx.space.key(proposal.params)} dropped by the planner` });
      continue;
    }
    keys.add(key);
    proposals.push(proposal);
  }
  if (proposals.length === 0) return { proposals: [], batch: [], explored: used, stopReason: "exhausted" };
  return { proposals: proposals.slice(0, count), batch: [], explored: used };
}

function probeRationale(probe: LedgerProbe): string {
  return `tests the ledger's blame of ${patternText(probe.entry.pattern)} (${probe.entry.occurrences} ${probe.entry.status} failures): the configuration there least like them`;
}
