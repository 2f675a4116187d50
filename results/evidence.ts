// How far a variant is known to be correct, as reports and the command line say it: from the harness's
// results (tested, sanitized, or recorded for replayed data) and the proof step's verdict (proved).

import type { ProofVerdict } from "../proofs/types.ts";
import type { ProblemSize } from "../specs/schema.ts";
import type { VerifiedVariant } from "./summary.ts";
import type { EvidenceLevel, ProofRecord, ProofSummary } from "./types.ts";

/** The latest proof verdict per variant hash. */
export function proofsByVariant(proofs: readonly ProofRecord[]): Map<string, ProofVerdict> {
  return new Map(proofs.map((p) => [p.variantHash, p.verdict]));
}

export function evidenceOf(v: Pick<VerifiedVariant, "replayed" | "sanitized">, proof: ProofVerdict | undefined): EvidenceLevel {
  if (v.replayed) return "recorded";
  if (proof?.status === "proved") return "proved";
  return v.sanitized ? "sanitized" : "tested";
}

/** "N 1–40" per size variable: the proved sizes in a line, however many there are. */
export function describeSizes(sizes: readonly ProblemSize[]): string {
  const names = [...new Set(sizes.flatMap((s) => Object.keys(s)))];
  const ranges = names.map((name) => {
    const values = sizes.map((s) => Number(s[name])).filter(Number.isFinite);
    return `${name} ${Math.min(...values)}–${Math.max(...values)}`;
  });
  return `${sizes.length} size${sizes.length === 1 ? "" : "s"}${ranges.length > 0 ? ` (${ranges.join(", ")})` : ""}`;
}

const sizeText = (size: ProblemSize): string =>
  Object.entries(size)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");

/** A proof verdict in short, as incumbents carry it and reports print it. */
export function proofSummary(verdict: ProofVerdict): ProofSummary {
  if (verdict.status === "proved") return { status: "proved", sizes: verdict.sizes };
  if (verdict.status === "refuted") {
    return { status: "refuted", reason: `at ${sizeText(verdict.size)}: ${verdict.output}[${verdict.index}] is ${verdict.received}, the reference gives ${verdict.expected} (${verdict.reason})` };
  }
  return { status: "unproven", reason: `${verdict.reason}${verdict.line !== undefined ? ` (line ${verdict.line})` : ""}` };
}

/** One line on a variant's evidence: the level, and where there was a proof, what it showed or why there is none. */
export function describeEvidence(level: EvidenceLevel, proof: ProofSummary | undefined): string {
  if (proof === undefined) return level === "recorded" ? "recorded (replayed data: nothing was run or checked by this campaign)" : `${level} (no proof attempted)`;
  if (proof.status === "proved") return `proved equivalent to the reference at ${describeSizes(proof.sizes ?? [])}`;
  if (proof.status === "refuted") return `**refuted** ${proof.reason ?? ""}`;
  return `${level}; not proved: ${proof.reason ?? "no reason given"}`;
}
