// The failure ledger: what went wrong, and which parameter setting is to blame, so the planner does not
// pay for the same mistake twice. A pattern is generalised beyond one configuration only when the
// evidence singles it out: at least two failures of the same kind share it, no success matches it, and
// it is the unique smallest such subset (two equally small candidates mean the cause is still unknown).

import type { Params } from "../specs/schema.ts";
import type { EvalResult, EvalStatus } from "../runners/types.ts";
import type { SearchSpace } from "../strategies/types.ts";
import { canonicalParams } from "../harness/variant.ts";
import type { LedgerEntry } from "./types.ts";

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

export function matchesPattern(params: Params, pattern: Params): boolean {
  const keys = Object.keys(pattern);
  return keys.length > 0 && keys.every((k) => k in params && String(params[k]) === String(pattern[k]));
}

export function patternKey(pattern: Params): string {
  return canonicalParams(pattern);
}

function intersection(a: Params, b: Params): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(a)) if (k in b && String(b[k]) === String(v)) out[k] = v;
  return out;
}

function subsets(pattern: Params): Params[] {
  const keys = Object.keys(pattern);
  const out: Params[] = [];
  for (let mask = 1; mask < 1 << keys.length; mask++) {
    const sub: Params = {};
    keys.forEach((k, i) => {
      if (mask & (1 << i)) sub[k] = pattern[k]!;
    });
    out.push(sub);
  }
  return out;
}

/** The unique smallest subset of `shared` that no success matches and at least two failures do; else `shared`. */
function minimalBlame(shared: Params, failures: readonly Params[], successes: readonly Params[]): Params | null {
  const consistent = (p: Params): boolean =>
    !successes.some((s) => matchesPattern(s, p)) && failures.filter((f) => matchesPattern(f, p)).length >= 2;
  if (!consistent(shared)) return null;
  if (Object.keys(shared).length > MAX_ENUMERATED_KEYS) return shared;
  const candidates = subsets(shared).filter(consistent);
  const smallest = Math.min(...candidates.map((c) => Object.keys(c).length));
  const minimal = candidates.filter((c) => Object.keys(c).length === smallest);
  return minimal.length === 1 ? minimal[0]! : shared;
}

/**
 * Patterns shared by failures of the same kind and contradicted by no success. Patterns that are more
 * specific than another found pattern are dropped: the general one already covers them.
 */
export function blamePatterns(failures: readonly FailureOutcome[], successes: readonly Params[]): BlamedPattern[] {
  const byStatus = new Map<EvalStatus, FailureOutcome[]>();
  for (const f of failures) byStatus.set(f.status, [...(byStatus.get(f.status) ?? []), f]);
  const found = new Map<string, BlamedPattern>();
  for (const [status, group] of byStatus) {
    const recent = group.slice(-MAX_FAILURES_PAIRED);
    const params = recent.map((f) => f.params);
    for (let i = 0; i < recent.length; i++) {
      for (let j = i + 1; j < recent.length; j++) {
        const shared = intersection(recent[i]!.params, recent[j]!.params);
        if (Object.keys(shared).length === 0) continue;
        const pattern = minimalBlame(shared, params, successes);
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

/** True when the configuration matches a generalised ledger pattern (one covering more than one configuration). */
export function blockedByLedger(config: Params, ledger: readonly LedgerEntry[], parameterCount: number): LedgerEntry | undefined {
  return ledger.find((e) => Object.keys(e.pattern).length > 0 && Object.keys(e.pattern).length < parameterCount && matchesPattern(config, e.pattern));
}

/** The search space without the configurations the ledger already blames, so no strategy proposes them. */
export function restrictSpace(space: SearchSpace, ledger: readonly LedgerEntry[]): SearchSpace {
  const count = space.parameters.length;
  if (!ledger.some((e) => Object.keys(e.pattern).length > 0 && Object.keys(e.pattern).length < count)) return space;
  let valid: readonly Params[] | null = null;
  return {
    parameters: space.parameters,
    key: (config) => space.key(config),
    isValid: (config) => space.isValid(config) && !blockedByLedger(config, ledger, count),
    validConfigs: () => (valid ??= space.validConfigs().filter((c) => !blockedByLedger(c, ledger, count))),
  };
}

const firstLine = (text: string, pattern: RegExp): string => {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => pattern.test(l)) ?? lines[0] ?? "").slice(0, 200);
};

/** One bounded line describing a failure, for the ledger and the logs. */
export function failureMessage(result: EvalResult): string {
  switch (result.status) {
    case "ok":
      return "ok";
    case "compile_error":
      return `compile error: ${firstLine(result.log, /error/i)}`;
    case "runtime_error":
      return `runtime error in the ${result.phase} (exit ${result.exitCode ?? "none"}, signal ${result.signal ?? "none"}): ${firstLine(result.stderrTail, /./)}`;
    case "timeout":
      return `timed out in the ${result.phase} after ${result.limitMs} ms`;
    case "wrong_result":
      return `wrong result at index ${result.firstBadIndex} of ${result.output} (expected ${result.expected}, received ${result.received}; ${result.distribution} inputs, seed ${result.seed})`;
    case "rejected":
      return `rejected (${result.reason}): ${result.detail.slice(0, 200)}`;
    case "infra_error":
      return `infrastructure error: ${result.cause.slice(0, 200)}`;
  }
}
