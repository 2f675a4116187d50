// Policy interfaces of the agents. Each role has an offline policy (the default, no LLM) and an LLM
// policy (llm/). The graph nodes (graphs/) call these; the deterministic checks of the critic are not
// a policy and can never be overridden by one.

import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";
import type { CompileStats, EvalStatus, Occupancy, Roofline } from "../runners/types.ts";
import type { Observation, PriorData, SearchSpace } from "../strategies/types.ts";

/** The best variant the critic has accepted on one device. Only these may be parents. */
export interface Incumbent {
  device: string;
  variantHash: string;
  params: Params;
  /** Family: the source the parameters instantiate ("template" or the hash of an accepted rewrite). */
  family: string;
  medianMs: number;
  ci95Ms: [number, number];
  compile?: CompileStats;
  occupancy?: Occupancy;
  roofline?: Roofline;
}

/** What the critic learned from a failure, so the planner does not pay for it twice. */
export interface LedgerEntry {
  status: EvalStatus;
  /** The smallest parameter assignment blamed for the failure (e.g. {VEC: 8, TILE: 4}); empty if unknown. */
  pattern: Params;
  /** Code-change idea that failed, for model rewrites. */
  idea?: string;
  message: string;
  variantHash: string;
  device: string;
  occurrences: number;
}

export interface Proposal {
  params: Params;
  /** A code change for the coder to make (model planners only). Absent: instantiate the template. */
  idea?: string;
  rationale?: string;
  expectedEffect?: string;
  proposedBy: "strategy" | "model";
}

export interface PlanInput {
  spec: KernelSpec;
  device: HardwareProfile;
  space: SearchSpace;
  /** Evaluations on this device, in order. */
  history: readonly Observation[];
  incumbent: Incumbent | null;
  baselineMs: number | null;
  ledger: readonly LedgerEntry[];
  /** The critic's latest diagnosis of the bottleneck, if any. */
  diagnosis: string | null;
  count: number;
  seed: number;
  budget: { total: number; used: number };
  /** Results of the same kernel on other devices (the store, --prior files), for transfer. */
  priors?: readonly PriorData[];
}

export interface PlannerPolicy {
  readonly name: string;
  plan(input: PlanInput): Promise<Proposal[]>;
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
