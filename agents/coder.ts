// The coder's job for one device: turn each proposal into a concrete, content-hashed Variant and put it
// in the store. A hash the store already holds a verdict for on this device is never measured again.

import { makeVariant } from "../harness/variant.ts";
import { isNightshiftError } from "../core/errors.ts";
import type { CampaignContext, DeviceProgress } from "../graphs/campaign-state.ts";
import type { Variant } from "../runners/types.ts";
import { measuredHashes, storedVariant } from "./history.ts";

export async function codeDevice(ctx: CampaignContext, progress: DeviceProgress): Promise<Partial<DeviceProgress>> {
  const measured = measuredHashes(ctx.store, ctx.campaignId, progress.device);
  // Only a verified incumbent may be a parent: rewrites never build on something the critic did not accept.
  const parent = progress.incumbent ? storedVariant(ctx.store, ctx.spec, progress.incumbent.variantHash) : null;
  const ledger = ctx.store.ledger(ctx.campaignId).filter((e) => e.device === progress.device);
  const batch: string[] = [];
  for (const proposal of progress.proposals) {
    const written = await ctx.coder.write({
      spec: ctx.spec,
      proposal,
      parentSource: parent?.source ?? ctx.spec.templateSource,
      parentHash: parent?.hash ?? null,
      feedback: progress.lastVerdict,
      ledger,
    });
    if (!written.ok) {
      ctx.emit({ type: "note", device: progress.device, message: `coder ${ctx.coder.name} produced no variant for ${JSON.stringify(proposal.params)}: ${written.reason}` });
      continue;
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
        continue;
      }
      throw error;
    }
    if (measured.has(variant.hash) || batch.includes(variant.hash)) continue;
    ctx.store.putVariant(variant);
    batch.push(variant.hash);
  }
  return { batch, proposals: [] };
}
