// One evaluation as a flat row, the way `nightshift results --json` and the daemon's API list them.

import type { EvaluationRecord } from "./types.ts";

export interface EvaluationRow {
  id: number;
  device: string;
  purpose: EvaluationRecord["purpose"];
  variantHash: string;
  params: EvaluationRecord["params"];
  status: EvaluationRecord["status"];
  medianMs: number | null;
  ci95Ms: [number, number] | null;
  createdAt: string;
}

export function evaluationRow(e: EvaluationRecord): EvaluationRow {
  return {
    id: e.id,
    device: e.device,
    purpose: e.purpose,
    variantHash: e.variantHash,
    params: e.params,
    status: e.status,
    medianMs: e.medianMs,
    ci95Ms: e.result.status === "ok" ? e.result.stats.ci95Ms : null,
    createdAt: e.createdAt,
  };
}
