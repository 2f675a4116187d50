// The model coder's line of attempts on one device: how many rewrites in a row have not become the
// parent, the last one (shown to the model for a repair), and the parent they were written against.
// Devices run side by side with parents and verdicts of their own, so each keeps its own line; a shared
// one would let one device's accepted rewrite reset another's failure streak.

import type { RecordedCampaign } from "./recorded.ts";

export interface DeviceLine {
  /** Rewrites written since one last became the parent (each either failed or is still being judged). */
  sinceSuccess: number;
  previousAttempt: string | null;
  lastParent: string | null;
  /** Hashes of the rewrites written for this device: a parent among them is a success. */
  readonly written: Set<string>;
}

export function freshLine(): DeviceLine {
  return { sinceSuccess: 0, previousAttempt: null, lastParent: null, written: new Set() };
}

/**
 * The line a device had when the campaign stopped, from what the store holds: the device's measured
 * rewrites and its accepted incumbents. Refused rewrites (never built) left no variant, so they do not
 * count here; a rewrite's verdict is ordered by when it was measured, not when it was written.
 */
export function rebuildLine(recorded: RecordedCampaign, device: string, maxFailures: number): DeviceLine {
  const { store, campaignId } = recorded;
  // Infra errors are no verdict on a rewrite: it is measured again.
  const measured = store.evaluations(campaignId, { device, purpose: "explore" }).filter((e) => e.status !== "infra_error");
  const rewrites = measured.filter((e) => e.origin === "model");
  const line = freshLine();
  const last = rewrites.at(-1);
  if (last === undefined) return line;
  for (const e of rewrites) line.written.add(e.variantHash);
  const accepted = store.incumbents(campaignId).filter((a) => a.incumbent.device === device).map((a) => a.incumbent.variantHash);
  const measuredAt = (hash: string | undefined): number => (hash === undefined ? -1 : (measured.find((e) => e.variantHash === hash)?.id ?? -1));

  const lastSuccess = measuredAt(accepted.filter((hash) => line.written.has(hash)).at(-1));
  const failures = new Set(rewrites.filter((e) => e.id > lastSuccess).map((e) => e.variantHash)).size;
  // Live, the streak starts again from 0 after every maxFailures rewrites (a restart), so n failures
  // in a row leave it at ((n - 1) mod maxFailures) + 1.
  line.sinceSuccess = failures === 0 ? 0 : ((failures - 1) % maxFailures) + 1;

  const parent = accepted.at(-1) ?? null;
  line.lastParent = parent;
  // Repair context is the last rewrite written against the current parent, never the parent itself.
  if (last.variantHash !== parent && last.id > measuredAt(parent ?? undefined)) line.previousAttempt = store.getVariant(last.variantHash)?.source ?? null;
  return line;
}
