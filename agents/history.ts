// What a device has already measured in a campaign, read from the store. The store, not graph state,
// is the truth: after a kill the interrupted node runs again, and only the store knows which of its
// evaluations were committed before the process died.

import { fail } from "../core/errors.ts";
import type { Variant } from "../harness/types.ts";
import type { EvaluationRecord, Store } from "../results/types.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { feasible, type Constraint } from "../strategies/objectives.ts";
import type { Observation } from "../strategies/types.ts";

/** Explore evaluations that count against the budget: infrastructure errors never do. */
export function countedEvaluations(store: Store, campaignId: string, device: string): EvaluationRecord[] {
  return store.evaluations(campaignId, { device, purpose: "explore" }).filter((e) => e.status !== "infra_error");
}

/** Hashes with a kernel verdict on this device; such a variant is never measured again. */
export function measuredHashes(store: Store, campaignId: string, device: string): Set<string> {
  return new Set(countedEvaluations(store, campaignId, device).map((e) => e.variantHash));
}

/**
 * The strategy's view of the history: every counted evaluation in order, failures as null. A variant outside
 * the campaign's constraints is null too: for the search it is as useless as one that failed.
 */
export function observations(records: readonly EvaluationRecord[], constraints: readonly Constraint[] = []): Observation[] {
  return records.map((e) => ({ config: e.params, value: e.medianMs !== null && feasible(e.result, constraints) ? e.medianMs : null }));
}

/** Rebuilds the Variant a stored hash refers to, so nodes pass hashes instead of sources. */
export function storedVariant(store: Store, spec: KernelSpec, hash: string): Variant {
  const record = store.getVariant(hash);
  if (!record) fail("INTERNAL", `variant ${hash}: expected it in the store (the coder puts every variant it makes), received nothing`);
  return {
    hash: record.hash,
    spec,
    params: record.params,
    source: record.source,
    origin: record.origin,
    ...(record.parentHash ? { parentHash: record.parentHash } : {}),
  };
}

