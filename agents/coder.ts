// The coder's job for one device: turn each proposal into a concrete, content-hashed Variant and put it
// in the store. A hash the store already holds a verdict for on this device is never measured again.

import { isNightshiftError } from "../core/errors.ts";
import { failureMessage } from "../harness/failure-message.ts";
import type { Variant } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import type { CampaignContext, DeviceProgress } from "./context.ts";
import { countedEvaluations, measuredHashes, storedVariant } from "./history.ts";
import { fillFromFallback, recordRefusal } from "./planner.ts";
import type { Proposal } from "./types.ts";

/**
 * What became of this device's latest model rewrite, for the model coder's next attempt: its failure, or
 * its time and whether the critic made it the incumbent. Null before the first rewrite was measured.
 */
export function previousRewriteVerdict(ctx: CampaignContext, progress: DeviceProgress): string | null {
  const last = countedEvaluations(ctx.store, ctx.campaignId, progress.device).filter((e) => e.origin === "model").at(-1);
  if (last === undefined) return null;
  const idea = ctx.store.variantIdea(last.variantHash);
  const what = `rewrite ${last.variantHash}${idea ? ` ("${idea.slice(0, 200)}")` : ""}`;
  if (last.result.status !== "ok") return `${what} failed: ${last.status}: ${failureMessage(last.result)}`.slice(0, 2000);
  const inc = progress.incumbent;
  if (inc?.variantHash === last.variantHash) return `${what} passed verification (${last.result.stats.medianMs.toFixed(4)} ms) and is the incumbent`;
  return `${what} passed verification (${last.result.stats.medianMs.toFixed(4)} ms) but was not accepted${inc ? ` (incumbent ${inc.medianMs.toFixed(4)} ms)` : ""}`;
}

export async function codeDevice(ctx: CampaignContext, progress: DeviceProgress): Promise<Partial<DeviceProgress>> {
  const measured = measuredHashes(ctx.store, ctx.campaignId, progress.device);
  // Only a verified incumbent may be a parent: rewrites never build on something the critic did not accept.
  const parent = progress.incumbent ? storedVariant(ctx.store, ctx.spec, progress.incumbent.variantHash) : null;
  const ledger = ctx.store.ledger(ctx.campaignId).filter((e) => e.device === progress.device);
  const feedback = previousRewriteVerdict(ctx, progress);
  const batch: string[] = [];
  /** One proposal into the batch: true when it became a new variant, otherwise why not (for a model's proposal, recorded). */
  const materialise = async (proposal: Proposal): Promise<boolean> => {
    const refuse = (reason: string, detail: string): false => {
      if (proposal.proposedBy === "model") recordRefusal(ctx, progress.device, "coder", { reason, detail });
      return false;
    };
    const written = await ctx.coder.write({
      spec: ctx.spec,
      device: progress.device,
      proposal,
      parentSource: parent?.source ?? ctx.spec.templateSource,
      parentHash: parent?.hash ?? null,
      feedback,
      ledger,
    });
    if (!written.ok) {
      ctx.emit({ type: "note", device: progress.device, message: `coder ${ctx.coder.name} produced no variant for ${JSON.stringify(proposal.params)}: ${written.reason}` });
      return refuse("no_variant", written.reason);
    }
    let variant: Variant;
    try {
      variant =
        written.origin === "template"
          ? makeVariant(ctx.spec, proposal.params)
          : makeVariant(ctx.spec, proposal.params, { source: written.source, origin: "model", ...(parent ? { parentHash: parent.hash } : {}) });
    } catch (error) {
      // A policy's proposal outside the space is the policy's mistake, not bad configuration: skip it.
      if (isNightshiftError(error) && error.code === "PARAMS_INVALID") {
        ctx.emit({ type: "note", device: progress.device, message: `proposal outside the search space skipped: ${error.message}` });
        return refuse("outside_space", error.message);
      }
      throw error;
    }
    if (measured.has(variant.hash) || batch.includes(variant.hash)) return refuse("duplicate", `variant ${variant.hash} is measured already or twice in this batch`);
    ctx.store.putVariant(variant);
    if (variant.origin === "model" && proposal.idea !== undefined) ctx.store.putVariantIdea(variant.hash, proposal.idea);
    batch.push(variant.hash);
    return true;
  };
  let missing = 0;
  for (const proposal of progress.proposals) if (!(await materialise(proposal))) missing++;
  if (missing > 0) {
    let filled = 0;
    // The strategy knows what was measured but not this round's batch, and may name some of it again.
    for (const proposal of await fillFromFallback(ctx, progress, missing + batch.length)) {
      if (filled >= missing) break;
      if (await materialise(proposal)) filled++;
    }
  }
  return { batch, proposals: [] };
}
