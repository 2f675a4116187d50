// The durable store's interface. Append-only: an evaluation is committed before any decision uses it,
// so a crash loses nothing and a resumed campaign never measures the same variant twice on a device.

import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { CompileStats, EvalResult, EvalStatus, Occupancy, Roofline, Variant } from "../harness/types.ts";
import type { ProofVerdict } from "../proofs/types.ts";
import type { Params, ProblemSize } from "../specs/schema.ts";

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
  /** How far it is known to be correct (absent in incumbents recorded before proofs existed). */
  evidence?: EvidenceLevel;
  /** The proof step's verdict, in short (absent when proofs were off or the device replays recorded data). */
  proof?: ProofSummary;
}

/**
 * How far an accepted variant is known to be correct: "tested" (the harness's seeded cases at the spec's
 * sizes), "sanitized" (those cases also ran clean under AddressSanitizer and UBSan), "proved" (also the
 * same function of its inputs as the reference over the reals, at every size the proof covered).
 * "recorded": replayed measurements, whose correctness was judged when they were recorded, not here.
 */
export type EvidenceLevel = "recorded" | "tested" | "sanitized" | "proved";

/** A proof verdict as reports show it. */
export interface ProofSummary {
  status: "proved" | "refuted" | "unproven";
  /** The problem sizes the variant was proved at (proved only). */
  sizes?: ProblemSize[];
  /** Why it is not proved: the difference found (refuted) or what stopped the proof (unproven). */
  reason?: string;
}

/** The proof step's verdict on one variant, as the store keeps it. */
export interface ProofRecord {
  campaignId: string;
  variantHash: string;
  verdict: ProofVerdict;
  createdAt: string;
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

export type CampaignState = "running" | "finished" | "failed";

/**
 * Why a campaign or device stopped. "interrupted": the user stopped it; "device_down": a device was given
 * up as unreachable for this session. Both leave the campaign resumable. (Stores and checkpoints written
 * before "device_down" existed say "interrupted" for an unreachable device.)
 */
export type StopReason = "budget" | "time" | "roofline" | "stalled" | "exhausted" | "interrupted" | "device_down";

export interface CampaignConfig {
  specDir: string;
  specId: string;
  specName: string;
  devices: string[];
  /** Evaluations per device. */
  budget: number;
  timeBudgetSeconds?: number;
  strategy: string;
  seed: number;
  batchSize: number;
  /** Model configuration (issue: LLM agents), recorded for the evidence trail. */
  models?: Record<string, string>;
  /** Anything else the campaign needs to resume exactly as it began (CLI options). */
  options?: Record<string, unknown>;
}

export interface CampaignRecord {
  id: string;
  config: CampaignConfig;
  state: CampaignState;
  stopReason: StopReason | null;
  createdAt: string;
  updatedAt: string;
}

export interface EvaluationRecord {
  id: number;
  campaignId: string;
  variantHash: string;
  device: string;
  params: Params;
  origin: Variant["origin"];
  status: EvalResult["status"];
  medianMs: number | null;
  /** The full typed result, raw samples included. */
  result: EvalResult;
  /** Re-measurements of an existing variant (confirmation runs) are kept but do not count against the budget. */
  purpose: "explore" | "confirm";
  createdAt: string;
}

export interface VariantRecord {
  hash: string;
  specId: string;
  params: Params;
  source: string;
  origin: Variant["origin"];
  parentHash: string | null;
  createdAt: string;
}

export interface ModelCallRecord {
  campaignId: string;
  role: "planner" | "coder" | "critic";
  model: string;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
  costUsd: number;
  ok: boolean;
  error?: string;
  variantHash?: string;
}

/**
 * A model proposal refused before it cost a build: the planner's checks (outside the space, already
 * measured, a ledgered failure, a repeat) or the coder's (no usable rewrite, a rewrite identical to a
 * measured variant). The offline strategy fills its place in the batch.
 */
export interface RefusedProposal {
  campaignId: string;
  device: string;
  role: "planner" | "coder";
  reason: string;
  detail: string;
}

/** One measurement of a spec's library baseline (harness/library.ts) on a device of a campaign. */
export interface LibraryResultRecord {
  campaignId: string;
  device: string;
  /** The baseline's name in the spec (libraryBaselines[].name). */
  name: string;
  variantHash: string;
  status: EvalResult["status"];
  medianMs: number | null;
  result: EvalResult;
  createdAt: string;
}

/** An improvement the critic accepted, as it was at that moment. The latest per device is the incumbent. */
export interface AcceptedRecord {
  campaignId: string;
  incumbent: Incumbent;
  /**
   * The critic's reason, e.g. "accepted ... after interleaved confirmation: ...". A verdict beginning
   * "demoted <hash>:" records that the incumbent <hash> failed its own confirmation run: `incumbent` is
   * then the earlier incumbent the critic fell back to, or <hash> itself when no verified one was left
   * (the device then has no incumbent until a later round's first verified variant).
   */
  verdict: string;
  createdAt: string;
}

export interface Store {
  readonly path: string;
  createCampaign(config: CampaignConfig, profiles: HardwareProfile[]): CampaignRecord;
  getCampaign(id: string): CampaignRecord | null;
  /** The device profiles as they were when the campaign began (profile files may change later). */
  campaignProfiles(id: string): HardwareProfile[];
  listCampaigns(): CampaignRecord[];
  setCampaignState(id: string, state: CampaignState, stopReason: StopReason | null): void;
  /** Idempotent: a variant is stored once per hash. */
  putVariant(variant: Variant): void;
  getVariant(hash: string): VariantRecord | null;
  /** Records the code-change idea a model rewrite applied (once per variant; the first one stays). */
  putVariantIdea(hash: string, idea: string): void;
  variantIdea(hash: string): string | null;
  /** Appends one evaluation in its own transaction (committed when this returns). */
  appendEvaluation(campaignId: string, variant: Variant, result: EvalResult, purpose: EvaluationRecord["purpose"]): EvaluationRecord;
  evaluations(campaignId: string, filter?: { device?: string; purpose?: EvaluationRecord["purpose"] }): EvaluationRecord[];
  /** Evaluations of the same kernel (spec name) on other devices and campaigns, for transfer. */
  evaluationsOfSpec(specName: string): EvaluationRecord[];
  /** Records an accepted improvement (the variant must already be stored through appendEvaluation). */
  appendIncumbent(campaignId: string, incumbent: Incumbent, verdict: string): void;
  /** Accepted improvements in the order they were accepted. */
  incumbents(campaignId: string): AcceptedRecord[];
  appendLedger(campaignId: string, entry: LedgerEntry): void;
  ledger(campaignId: string): LedgerEntry[];
  appendModelCall(call: ModelCallRecord): void;
  modelCalls(campaignId: string): ModelCallRecord[];
  appendRefusedProposal(refusal: RefusedProposal): void;
  refusedProposals(campaignId: string): RefusedProposal[];
  appendLibraryResult(campaignId: string, name: string, result: EvalResult): LibraryResultRecord;
  /** Library baseline measurements in the order they were made. */
  libraryResults(campaignId: string): LibraryResultRecord[];
  appendProof(campaignId: string, variantHash: string, verdict: ProofVerdict): ProofRecord;
  /** Proof verdicts in the order they were reached. */
  proofs(campaignId: string): ProofRecord[];
  close(): void;
}
