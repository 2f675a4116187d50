// Probes of the ledger's blame. A pattern is generalised from as few as two failures that share it, and once
// blamed nothing in it is measured again, so nothing could ever show the blame wrong: two launches that fail
// at large block widths with tile_size=20 blame tile_size=20 alone, and the fastest configurations, tile_size=20
// at small widths, are gone for the rest of the night. So each generalised pattern that removes enough of the
// space is tested once: the configuration in it least like the failures it was blamed on is measured. If that
// runs, a success matches the pattern and the ledger no longer stands on it (standingLedger); if it fails
// too, the blame is better founded than before and stays.

import type { Params } from "../specs/schema.ts";
import type { SearchSpace } from "../spaces/types.ts";
import type { LedgerEntry } from "../results/types.ts";
import { matchesPattern } from "../results/ledger-match.ts";
import { blockedByLedger, isGeneralised } from "./ledger.ts";

export interface LedgerProbe {
  params: Params;
  /** The entry it tests. */
  entry: LedgerEntry;
}

/**
 * The probe due now, if any. `ledger` holds the standing entries; `measured` every configuration this device
 * has measured. A pattern is due while nothing in it was measured beyond the failures it was blamed on, and
 * only when it removes at least total/budget of the space's configurations: the chance that the best
 * configuration is among them is then at least what the one evaluation costs of the budget.
 */
export function ledgerProbe(space: SearchSpace, ledger: readonly LedgerEntry[], measured: readonly Params[], budget: number): LedgerProbe | null {
  const count = space.parameters.length;
  const generalised = ledger.filter((e) => isGeneralised(e, count) && e.idea === undefined);
  if (generalised.length === 0) return null;
  const inPattern = new Map(generalised.map((e) => [e, measured.filter((m) => matchesPattern(m, e.pattern))]));
  const due = generalised.filter((e) => inPattern.get(e)!.length <= e.occurrences);
  if (due.length === 0) return null;
  const taken = new Set(measured.map((m) => space.key(m)));
  const valid = space.validConfigs();
  const need = Math.max(1, valid.length / Math.max(1, budget));
  let best: { entry: LedgerEntry; open: Params[] } | null = null;
  for (const entry of due) {
    // What the probe may pick: unmeasured, in the pattern, and not removed by another standing pattern.
    // Patterns too small to be worth a probe stay due every round, so they are turned away on the cheap count.
    const covered = valid.filter((c) => matchesPattern(c, entry.pattern));
    if (covered.length < need) continue;
    const others = generalised.filter((e) => e !== entry);
    const open = covered.filter((c) => !taken.has(space.key(c)) && !blockedByLedger(c, others, count));
    if (open.length >= need && (best === null || open.length > best.open.length)) best = { entry, open };
  }
  if (best === null) return null;
  // Nothing in a standing pattern ran cleanly: what was measured there failed, and the probe keeps away from it.
  return { params: farthestFrom(space, best.open, inPattern.get(best.entry)!), entry: best.entry };
}

/**
 * The candidate whose nearest failure is farthest away. Distance adds, per parameter, how far apart two
 * values are in the parameter's list as a fraction of its length, so a block width of 32 is far from 896
 * and 864 is close to it: what the failures have in common beyond the pattern is what the probe avoids.
 */
function farthestFrom(space: SearchSpace, candidates: readonly Params[], failures: readonly Params[]): Params {
  const position = space.parameters.map((p) => new Map(p.values.map((v, i) => [String(v), i / Math.max(1, p.values.length - 1)])));
  const at = (c: Params): number[] => space.parameters.map((p, j) => position[j]!.get(String(c[p.name])) ?? 0);
  const failed = failures.map(at);
  let best = candidates[0]!;
  let bestDistance = -1;
  for (const c of candidates) {
    const x = at(c);
    let nearest = Infinity;
    for (const f of failed) {
      let d = 0;
      for (let j = 0; j < x.length; j++) d += Math.abs(x[j]! - f[j]!);
      nearest = Math.min(nearest, d);
    }
    if (nearest > bestDistance) [best, bestDistance] = [c, nearest];
  }
  return best;
}
