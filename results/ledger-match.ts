// What the ledger's patterns say about configurations: which configurations a pattern covers, and which
// configurations ran cleanly and so disprove any pattern covering them. The critic blames patterns
// (agents/ledger.ts); the planner and the report read what still stands.

import type { Params } from "../specs/schema.ts";
import type { EvaluationRecord } from "./types.ts";

/** True when the configuration has every setting the pattern names (compared as text: 1 and "1" are one setting); an empty pattern matches nothing. */
export function matchesPattern(params: Params, pattern: Params): boolean {
  const keys = Object.keys(pattern);
  return keys.length > 0 && keys.every((k) => k in params && String(params[k]) === String(pattern[k]));
}

/** A pattern as the ledger's messages and rationales write it: `tile_size=20, use_method=1`. */
export function patternText(pattern: Params): string {
  return Object.entries(pattern).map(([k, v]) => `${k}=${v}`).join(", ");
}

/**
 * The configurations that ran on a device and never failed there, from all its evaluations (confirmations
 * included: a variant whose confirmation failed was not a success). Template instantiations only: a
 * rewrite's result says nothing about the parameters. An infrastructure error says nothing about the kernel.
 */
export function cleanSuccesses(evaluations: readonly EvaluationRecord[]): Params[] {
  const templates = evaluations.filter((e) => e.origin === "template" && e.status !== "infra_error");
  const failed = new Set(templates.filter((e) => e.status !== "ok").map((e) => `${e.device}|${e.variantHash}`));
  const out = new Map<string, Params>();
  for (const e of templates) if (e.status === "ok" && !failed.has(`${e.device}|${e.variantHash}`)) out.set(`${e.device}|${e.variantHash}`, e.params);
  return [...out.values()];
}
