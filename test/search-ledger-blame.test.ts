// The ledger's blame, computed with agreement masks, against the definition enumerated by brute force: the
// unique smallest subset of two failures' shared settings that no success matches (else the shared
// settings themselves), on random histories.

import { describe, expect, it } from "vitest";
import { blamePatterns, patternKey, type FailureOutcome } from "../agents/ledger.ts";
import { matchesPattern } from "../results/ledger-match.ts";
import type { Params } from "../specs/schema.ts";
import { testSeed } from "./support/seed.ts";

/** The definition, enumerated: every pair, every subset of what the pair shares. */
function reference(failures: readonly FailureOutcome[], successes: readonly Params[]): Array<{ pattern: Params; occurrences: number }> {
  const found = new Map<string, { pattern: Params; occurrences: number }>();
  for (let i = 0; i < failures.length; i++) {
    for (let j = i + 1; j < failures.length; j++) {
      const a = failures[i]!.params;
      const b = failures[j]!.params;
      const shared = Object.fromEntries(Object.entries(a).filter(([k, v]) => String(b[k]) === String(v)));
      const keys = Object.keys(shared);
      if (keys.length === 0) continue;
      const consistent = (p: Params) => !successes.some((s) => matchesPattern(s, p)) && failures.filter((f) => matchesPattern(f.params, p)).length >= 2;
      if (!consistent(shared)) continue;
      const subsets: Params[] = [];
      for (let mask = 1; mask < 1 << keys.length; mask++) subsets.push(Object.fromEntries(keys.filter((_, k) => mask & (1 << k)).map((k) => [k, shared[k]!])));
      const ok = subsets.filter(consistent);
      const smallest = Math.min(...ok.map((p) => Object.keys(p).length));
      const minimal = ok.filter((p) => Object.keys(p).length === smallest);
      const pattern = minimal.length === 1 ? minimal[0]! : shared;
      const key = patternKey(pattern);
      if (!found.has(key)) found.set(key, { pattern, occurrences: failures.filter((f) => matchesPattern(f.params, pattern)).length });
    }
  }
  const all = [...found.values()];
  return all.filter((p) => !all.some((q) => q !== p && Object.keys(q.pattern).length < Object.keys(p.pattern).length && matchesPattern(p.pattern, q.pattern)));
}

describe("the ledger's blame", () => {
  it("equals the enumerated definition on random histories", () => {
    const { rng, describe: seed } = testSeed();
    for (let trial = 0; trial < 60; trial++) {
      const names = ["a", "b", "c", "d", "e", "f"].slice(0, 2 + rng.int(5));
      const values = names.map(() => 2 + rng.int(3));
      const config = (): Params => Object.fromEntries(names.map((n, i) => [n, rng.int(values[i]!)]));
      // Failures concentrate on a = 0 so that blame has something to find; successes are anywhere else.
      const failures: FailureOutcome[] = Array.from({ length: 2 + rng.int(10) }, (_, i) => ({ variantHash: `f${i}`, params: { ...config(), a: rng.next() < 0.7 ? 0 : 1 }, status: "compile_error", message: "" }));
      const successes = Array.from({ length: rng.int(20) }, () => ({ ...config(), a: 1 + rng.int(values[0]! - 1) }));
      const got = blamePatterns(failures, successes).map((p) => ({ pattern: p.pattern, occurrences: p.occurrences }));
      expect(got, `${seed()}, trial ${trial}`).toEqual(reference(failures, successes));
    }
  });
});
