// Interleaved confirmation of a would-be new best against the incumbent (A B A B ...), each run a fresh
// process through the device's runner, recorded as purpose "confirm" (never counted against the budget).
// The critic may run twice for one round after a kill: the runs this round already committed are reused
// in their order, so a resumed critic measures nothing twice and reaches the same verdict.

import { failureMessage } from "../harness/failure-message.ts";
import type { EvalResult, Variant } from "../harness/types.ts";
import type { EvaluationRecord } from "../results/types.ts";
import type { CampaignContext } from "./context.ts";
import { CampaignInterrupted } from "./interrupted.ts";
import { runWithRetries } from "./profiler.ts";

export type Confirmation =
  | { kind: "measured"; candidate: number[][]; incumbent: number[][] }
  | { kind: "failed"; variant: Variant; result: EvalResult }
  | { kind: "inconclusive"; reason: string };

/**
 * The confirmation runs committed by this round's critic on a device: the confirm rows after the device's
 * last explore row. A round's explore rows are all committed before its critic runs and the next round's
 * only after it has finished, so this names exactly (campaign, device, round) without a round column.
 */
export function confirmationsThisRound(ctx: CampaignContext, device: string): EvaluationRecord[] {
  const all = ctx.store.evaluations(ctx.campaignId, { device });
  let lastExplore = -1;
  all.forEach((e, i) => {
    if (e.purpose === "explore") lastExplore = i;
  });
  return all.slice(lastExplore + 1).filter((e) => e.purpose === "confirm");
}

/** Alternates candidate and incumbent runs, reusing this round's committed runs of the same pair in order. */
export async function confirmInterleaved(ctx: CampaignContext, device: string, candidate: Variant, incumbent: Variant): Promise<Confirmation> {
  // Infrastructure errors were retried when they happened; only the verdicts that followed are reused.
  const committed = confirmationsThisRound(ctx, device).filter((e) => e.status !== "infra_error");
  let reused = 0;
  const samples = { candidate: [] as number[][], incumbent: [] as number[][] };
  for (let pair = 0; pair < ctx.settings.confirmPairs; pair++) {
    for (const [variant, into] of [
      [candidate, samples.candidate],
      [incumbent, samples.incumbent],
    ] as const) {
      const earlier = committed[reused];
      let result: EvalResult;
      if (earlier?.variantHash === variant.hash) {
        result = earlier.result;
        reused++;
      } else {
        reused = committed.length; // out of step: nothing later can be this pair's, in this order
        result = (await runWithRetries(ctx, device, [variant], "confirm")).results[0]!;
        // A stop request mid-confirmation: the runs cut short were not committed, and the critic runs
        // again on resume rather than store a verdict on a confirmation the user cut short.
        if (ctx.signal?.aborted) throw new CampaignInterrupted();
      }
      if (result.status === "infra_error") return { kind: "inconclusive", reason: failureMessage(result) };
      if (result.status !== "ok") return { kind: "failed", variant, result };
      into.push(result.samplesMs);
    }
  }
  return { kind: "measured", ...samples };
}
