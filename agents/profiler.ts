// The profiler's job for one device: send the round's variants to the device's runner and commit every
// result to the store the moment it exists, before anything decides on it. Infrastructure errors are
// retried with backoff (bounded) and recorded, but never counted against the kernel or the budget.

import { setTimeout as sleep } from "node:timers/promises";
import { fail } from "../core/errors.ts";
import { failureMessage } from "../harness/failure-message.ts";
import type { EvalResult, EvalStatus, Variant } from "../harness/types.ts";
import type { EvaluationRecord } from "../results/types.ts";
import type { RunOptions } from "../runners/types.ts";
import type { CampaignContext, DeviceProgress } from "./context.ts";
import { countedEvaluations, storedVariant } from "./history.ts";

/** Runs a batch on one device and commits each result as it arrives (results are returned in batch order). */
export async function runAndCommit(
  ctx: CampaignContext,
  deviceName: string,
  variants: readonly Variant[],
  purpose: EvaluationRecord["purpose"],
  options: Pick<RunOptions, "inputs"> = {},
): Promise<EvalResult[]> {
  const device = ctx.devices.get(deviceName)!;
  const byHash = new Map(variants.map((v) => [v.hash, v]));
  const committed = new Set<string>();
  const commit = (raw: EvalResult): void => {
    const variant = byHash.get(raw.variantHash);
    if (!variant || committed.has(variant.hash)) return;
    // After a stop request the runner answers unrun variants with infrastructure errors: they measured
    // nothing, so they are not evidence about the device and are not recorded.
    if (raw.status === "infra_error" && ctx.signal?.aborted) return;
    // Results are filed under the device the campaign names, so histories of devices never mix.
    const result: EvalResult = raw.device === deviceName ? raw : { ...raw, device: deviceName };
    ctx.store.appendEvaluation(ctx.campaignId, variant, result, purpose);
    committed.add(variant.hash);
    ctx.emit({
      type: "evaluation",
      device: deviceName,
      purpose,
      variantHash: variant.hash,
      params: variant.params,
      status: result.status,
      medianMs: result.status === "ok" ? result.stats.medianMs : null,
      message: failureMessage(result),
      buildMs: result.build?.buildMs ?? null,
    });
  };
  const results = await device.runner.run(variants, { ...options, ...(ctx.signal ? { signal: ctx.signal } : {}), onResult: commit });
  if (results.length !== variants.length) {
    fail("INTERNAL", `runner ${device.runner.device.name}: expected ${variants.length} results (one per variant), received ${results.length}`);
  }
  // A runner that does not call onResult still has every result committed here.
  for (const result of results) commit(result);
  return results;
}

/** Runs variants, retrying only retryable infrastructure errors; returns the last result of each. */
export async function runWithRetries(
  ctx: CampaignContext,
  deviceName: string,
  variants: readonly Variant[],
  purpose: EvaluationRecord["purpose"],
): Promise<{ results: EvalResult[]; infraErrors: number }> {
  const last = new Map<string, EvalResult>();
  let pending = [...variants];
  let infraErrors = 0;
  for (let attempt = 0; pending.length > 0; attempt++) {
    const results = await runAndCommit(ctx, deviceName, pending, purpose);
    results.forEach((r, i) => last.set(pending[i]!.hash, r));
    infraErrors += results.filter((r) => r.status === "infra_error").length;
    const retry = pending.filter((_, i) => {
      const r = results[i]!;
      return r.status === "infra_error" && r.retryable;
    });
    const delay = ctx.settings.retryDelaysMs[attempt];
    if (retry.length === 0 || delay === undefined || ctx.signal?.aborted) break;
    await sleep(delay);
    pending = retry;
  }
  return { results: variants.map((v) => last.get(v.hash)!), infraErrors };
}

export function failureCounts(records: readonly EvaluationRecord[]): Partial<Record<EvalStatus, number>> {
  const counts: Partial<Record<EvalStatus, number>> = {};
  for (const r of records) if (r.status !== "ok") counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

export async function profileDevice(ctx: CampaignContext, progress: DeviceProgress): Promise<Partial<DeviceProgress>> {
  // This node may be running for the second time after a kill: whatever the store already holds a verdict
  // for is skipped, and the budget left is recounted from the store so it is honoured exactly.
  const before = countedEvaluations(ctx.store, ctx.campaignId, progress.device);
  const measured = new Set(before.map((e) => e.variantHash));
  const remaining = ctx.settings.budget - before.length;
  const pending = progress.batch
    .filter((hash) => !measured.has(hash))
    .slice(0, Math.max(0, remaining))
    .map((hash) => storedVariant(ctx.store, ctx.spec, hash));
  const { results, infraErrors } = pending.length > 0 ? await runWithRetries(ctx, progress.device, pending, "explore") : { results: [], infraErrors: 0 };
  const counted = countedEvaluations(ctx.store, ctx.campaignId, progress.device);
  const onlyInfra = results.length > 0 && results.every((r) => r.status === "infra_error");
  return {
    explored: counted.length,
    failures: failureCounts(counted),
    infraErrors: progress.infraErrors + infraErrors,
    // Results of an aborted run say nothing about the device's health.
    infraStreak: ctx.signal?.aborted || results.length === 0 ? progress.infraStreak : onlyInfra ? progress.infraStreak + 1 : 0,
  };
}
