// An accepted, verified variant as the dispatch files take it, for tests that build dispatch tables by hand.

import type { AcceptedVariant } from "../../results/summary.ts";
import type { Params } from "../../specs/schema.ts";

export function acceptedVariant(device: string, params: Params, medianMs: number, overrides: Partial<AcceptedVariant> = {}): AcceptedVariant {
  return {
    device,
    variantHash: `${device}-hash`.padEnd(16, "0").slice(0, 16),
    params,
    origin: "template",
    medianMs,
    ci95Ms: [medianMs * 0.99, medianMs * 1.01],
    samples: 15,
    evaluationId: 1,
    measurements: 1,
    replayed: false,
    unsandboxed: false,
    sanitized: false,
    acceptedVerdict: "first verified variant",
    evidence: overrides.replayed ? "recorded" : "tested",
    ...overrides,
  };
}
