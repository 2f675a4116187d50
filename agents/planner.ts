// The planner's job for one device: how many variants this round may cost, the baseline first, then
// whatever the device's PlannerPolicy proposes from the measured history and the ledger.

import { makeVariant, resolveParams } from "../harness/variant.ts";
import type { CampaignContext, DeviceProgress } from "../graphs/campaign-state.ts";
import { blockedByLedger } from "./ledger.ts";
import { countedEvaluations, observations } from "./history.ts";
import { storePriors } from "./priors.ts";
import type { Proposal } from "./types.ts";

export function baselineHash(ctx: CampaignContext): string {
  return makeVariant(ctx.spec, ctx.spec.baseline).hash;
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
  const keys = new Set(records.filter((r) => r.origin === "template").map((r) => `${ctx.space.key(r.params)}|`));
  const ledger = ctx.store.ledger(ctx.campaignId).filter((e) => e.device === progress.device);
  const planned = await device.planner.plan({
    spec: ctx.spec,
    device: device.profile,
    space: ctx.space,
    history: observations(records),
    incumbent: progress.incumbent,
    baselineMs: progress.baseline?.medianMs ?? null,
    ledger,
    diagnosis: progress.diagnosis,
    count,
    seed: ctx.settings.seed,
    budget: { total: ctx.settings.budget, used },
    priors: [...storePriors(ctx.store, ctx.spec.name, progress.device, ctx.space), ...ctx.priors],
  });
  for (const proposal of planned) {
    const key = `${ctx.space.key(proposal.params)}|${proposal.idea ?? ""}`;
    // Model planners see the ledger as text and may still propose a blamed setting; parameter-only
    // proposals matching a generalised pattern are dropped here at no cost.
    if (keys.has(key) || (proposal.idea === undefined && blockedByLedger(proposal.params, ledger, ctx.space.parameters.length))) continue;
    keys.add(key);
    proposals.push(proposal);
  }
  if (proposals.length === 0) return { proposals: [], batch: [], explored: used, stopReason: "exhausted" };
  return { proposals: proposals.slice(0, count), batch: [], explored: used };
}
