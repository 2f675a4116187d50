// Policy interfaces of the agents. Each role has an offline policy (the default, no LLM) and an LLM
// policy (llm/). The graph nodes (graphs/) call these; the deterministic checks of the critic are not
// a policy and can never be overridden by one.

import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { CompileStats, EvalStatus, Occupancy, Roofline } from "../harness/types.ts";
import type { Incumbent, LedgerEntry } from "../results/types.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";
import type { ProposeInput } from "../strategies/types.ts";

export interface Proposal {
  params: Params;
  /** A code change for the coder to make (model planners only). Absent: instantiate the template. */
  idea?: string;
  rationale?: string;
  expectedEffect?: string;
  proposedBy: "strategy" | "model";
}

/** What a search strategy sees (the space, this device's evaluations in order, the budget, priors from other devices), and more. */
export interface PlanInput extends ProposeInput {
  spec: KernelSpec;
  device: HardwareProfile;
  incumbent: Incumbent | null;
  baselineMs: number | null;
  ledger: readonly LedgerEntry[];
  /** The critic's latest diagnosis of the bottleneck, if any. */
  diagnosis: string | null;
  /** Told of each model proposal the policy refused (the campaign records it for the report). */
  onRefused?: (refusal: { reason: string; detail: string }) => void;
}

export interface PlannerPolicy {
  readonly name: string;
  /** True when its proposals come from a strategy that learns from failures (the ledger advises it, never filters it). */
  readonly learnsFailures?: boolean;
  plan(input: PlanInput): Promise<Proposal[]>;
  /**
   * The offline policy this one falls back to (a model planner's search strategy). The coder asks it to
   * fill the places of proposals that came to nothing, without another model call.
   */
  readonly fallback?: PlannerPolicy;
}

export interface CoderInput {
  spec: KernelSpec;
  /** The device the variant is for: devices run side by side, each with its own parent and verdicts. */
  device: string;
  proposal: Proposal;
  /** The source of the best verified variant (the parent); the template when none. */
  parentSource: string;
  parentHash: string | null;
  /** Latest feedback on the previous rewrite (e.g. the compile log or mismatch), bounded. */
  feedback: string | null;
  /** The critic's ledger, so a model coder does not repeat a failed code change (optional). */
  ledger?: readonly LedgerEntry[];
}

export type CoderOutput =
  | { ok: true; source: string; summary: string; origin: "template" | "model" }
  | { ok: false; reason: string };

export interface CoderPolicy {
  readonly name: string;
  write(input: CoderInput): Promise<CoderOutput>;
}

export interface DiagnoseInput {
  spec: KernelSpec;
  device: HardwareProfile;
  incumbent: Incumbent | null;
  /** Results of this round (statuses and key metrics), bounded. */
  round: ReadonlyArray<{ params: Params; status: EvalStatus; medianMs?: number; compile?: CompileStats; occupancy?: Occupancy; roofline?: Roofline }>;
}

/** Adds a diagnosis (one bottleneck per round) after the deterministic checks have decided. */
export interface CriticPolicy {
  readonly name: string;
  diagnose(input: DiagnoseInput): Promise<string | null>;
}
