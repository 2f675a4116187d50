// The failure ledger: what went wrong, and which parameter setting is to blame, so the planner does not
// pay for the same mistake twice. A pattern is generalised beyond one configuration only when the
// evidence singles it out: at least two failures of the same kind share it, no success matches it, and
// it is the unique smallest such subset (two equally small candidates mean the cause is still unknown).

import type { EvalResult, EvalStatus } from "../harness/types.ts";
import { canonicalParams } from "../harness/variant.ts";
import { matchesPattern } from "../results/ledger-match.ts";
import type { LedgerEntry } from "../results/types.ts";
import type { SearchSpace } from "../spaces/types.ts";
import type { Params } from "../specs/schema.ts";

export interface FailureOutcome {
  variantHash: string;
  params: Params;
  status: EvalStatus;
  message: string;
}

export interface BlamedPattern {
  status: EvalStatus;
  pattern: Params;
  /** Failures of that status the pattern matches. */
  occurrences: number;
  example: FailureOutcome;
}

/** Subsets of the intersection are enumerated; beyond this many shared keys the intersection is kept as is. */
const MAX_ENUMERATED_KEYS = 12;
/** Only the most recent failures of a kind are paired, so a long campaign stays cheap. */
const MAX_FAILURES_PAIRED = 200;

export function patternKey(pattern: Params): string {
  return canonicalParams(pattern);
}

function intersection(a: Params, b: Params): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(a)) if (k in b && String(b[k]) === String(v)) out[k] = v;
  return out;
}

/**
 * The unique smallest subset of `shared` that no success matches; else `shared` itself when no success
 * matches it, else null. Two failures share `shared`, so both match every non-empty subset of it. A success
 * matches a subset exactly when the subset lies within the keys on which it agrees with `shared`, so the
 * subsets some success matches are the subsets of the successes' agreement masks.
 */
function minimalBlame(shared: Params, successes: ReadonlyArray<Readonly<Record<string, string>>>): Params | null {
  const keys = Object.keys(shared);
  const wanted = keys.map((k) => String(shared[k]));
  const agreement = (s: Readonly<Record<string, string>>): number => {
    let mask = 0;
    for (let i = 0; i < keys.length; i++) if (s[keys[i]!] === wanted[i]) mask |= 1 << i;
    return mask;
  };
  if (keys.length > MAX_ENUMERATED_KEYS) return successes.some((s) => keys.every((k, i) => s[k] === wanted[i])) ? null : shared;
  const full = (1 << keys.length) - 1;
  const matched = new Uint8Array(full + 1);
  for (const s of successes) matched[agreement(s)] = 1;
  for (let bit = 1; bit <= full; bit <<= 1) for (let m = full; m > 0; m--) if (m & bit && matched[m]) matched[m ^ bit] = 1;
  if (matched[full]) return null;
  let smallest = keys.length + 1;
  let found = 0;
  let unique = full;
  for (let m = 1; m <= full; m++) {
    if (matched[m]) continue;
    const size = popcount(m);
    if (size < smallest) [smallest, found, unique] = [size, 1, m];
    else if (size === smallest) found++;
  }
  if (found !== 1) return shared;
  return Object.fromEntries(keys.filter((_, i) => unique & (1 << i)).map((k) => [k, shared[k]!]));
}

function popcount(m: number): number {
  let n = 0;
  for (let x = m; x; x &= x - 1) n++;
  return n;
}

/**
 * Patterns shared by failures of the same kind and contradicted by no success. Patterns that are more
 * specific than another found pattern are dropped: the general one already covers them.
 */
export function blamePatterns(failures: readonly FailureOutcome[], successes: readonly Params[]): BlamedPattern[] {
  const byStatus = new Map<EvalStatus, FailureOutcome[]>();
  for (const f of failures) byStatus.set(f.status, [...(byStatus.get(f.status) ?? []), f]);
  const found = new Map<string, BlamedPattern>();
  // Values are compared as text (a recorded 1 and "1" are the same setting), converted once.
  const texts = successes.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, String(v)])));
  for (const [status, group] of byStatus) {
    const recent = group.slice(-MAX_FAILURES_PAIRED);
    // Many pairs share one intersection: each is judged once.
    const blamed = new Map<string, Params | null>();
    for (let i = 0; i < recent.length; i++) {
      for (let j = i + 1; j < recent.length; j++) {
        const shared = intersection(recent[i]!.params, recent[j]!.params);
        if (Object.keys(shared).length === 0) continue;
        const sharedKey = patternKey(shared);
        if (!blamed.has(sharedKey)) blamed.set(sharedKey, minimalBlame(shared, texts));
        const pattern = blamed.get(sharedKey)!;
        if (!pattern) continue;
        const key = `${status}|${patternKey(pattern)}`;
        if (found.has(key)) continue;
        const matched = recent.filter((f) => matchesPattern(f.params, pattern));
        found.set(key, { status, pattern, occurrences: matched.length, example: matched[0]! });
      }
    }
  }
  const all = [...found.values()];
  return all.filter(
    (p) => !all.some((q) => q !== p && q.status === p.status && Object.keys(q.pattern).length < Object.keys(p.pattern).length && matchesPattern(p.pattern, q.pattern)),
  );
}

/** True when the entry generalises beyond one configuration (and so removes part of the space). */
export function isGeneralised(entry: LedgerEntry, parameterCount: number): boolean {
  const keys = Object.keys(entry.pattern).length;
  return keys > 0 && keys < parameterCount;
}

/**
 * The entries that still stand: without the patterns a success matches. A blamed pattern claims that no
 * configuration in it runs; one that did (a probe, agents/ledger-probe.ts) disproves it, and the
 * configurations it removed are searchable again. The entries stay in the store, for the report.
 */
export function standingLedger(ledger: readonly LedgerEntry[], successes: readonly Params[]): LedgerEntry[] {
  return ledger.filter((e) => Object.keys(e.pattern).length === 0 || !successes.some((s) => matchesPattern(s, e.pattern)));
}

/** True when the configuration matches a generalised ledger pattern (one covering more than one configuration). */
export function blockedByLedger(config: Params, ledger: readonly LedgerEntry[], parameterCount: number): LedgerEntry | undefined {
  return ledger.find((e) => isGeneralised(e, parameterCount) && matchesPattern(config, e.pattern));
}

/**
 * Restricted spaces by base space and the patterns that restrict them. A ledger changes only when a round
 * teaches it something, so most rounds get the same space object back, and what strategies derive from a
 * space (its valid configurations, their index) is computed once rather than every round.
 */
const restricted = new WeakMap<SearchSpace, Map<string, SearchSpace>>();

/** The search space without the configurations the ledger already blames, so no strategy proposes them. */
export function restrictSpace(space: SearchSpace, ledger: readonly LedgerEntry[]): SearchSpace {
  const count = space.parameters.length;
  const blocking = ledger.filter((e) => isGeneralised(e, count));
  if (blocking.length === 0) return space;
  const signature = blocking.map((e) => patternKey(e.pattern)).join("\n");
  const known = restricted.get(space) ?? new Map<string, SearchSpace>();
  restricted.set(space, known);
  const hit = known.get(signature);
  if (hit) return hit;
  let valid: readonly Params[] | null = null;
  let validKeys: Set<string> | null = null;
  const validConfigs = (): readonly Params[] => (valid ??= space.validConfigs().filter((c) => !blockedByLedger(c, blocking, count)));
  const narrowed: SearchSpace = {
    parameters: space.parameters,
    key: (config) => space.key(config),
    // Planners ask this of every measured configuration every round: a lookup, not the restrictions again.
    isValid: (config) => (validKeys ??= new Set(validConfigs().map((c) => space.key(c)))).has(space.key(config)),
    validConfigs,
  };
  // Devices of one campaign have ledgers of their own; a handful of recent signatures per space is plenty.
  if (known.size >= 8) known.delete(known.keys().next().value!);
  known.set(signature, narrowed);
  return narrowed;
}
