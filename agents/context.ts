// What the agents share while a campaign runs: per-device progress (the graph checkpoints it), the loop's
// settings, and the runtime context (store, runners, policies) that cannot be checkpointed and is rebuilt
// on resume. The graph (graphs/) wires the agents together around these; the agents never import the graph.

import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { EvalStatus } from "../harness/types.ts";
import type { Incumbent, StopReason, Store } from "../results/types.ts";
import type { Runner } from "../runners/types.ts";
import type { SearchSpace } from "../spaces/types.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";
import type { Constraint } from "../strategies/objectives.ts";
import type { PriorData } from "../strategies/types.ts";
import type { ProofPolicy } from "./proof-gate.ts";
import type { CoderPolicy, CriticPolicy, PlannerPolicy, Proposal } from "./types.ts";

export interface ResultSummary {
  variantHash: string;
  params: Params;
  medianMs: number;
  ci95Ms: [number, number];
}

/** Everything the graph remembers about one device. Results of different devices are never mixed. */
export interface DeviceProgress {
  device: string;
  /** Evaluations counted against the budget (a summary; the store's count is authoritative). */
  explored: number;
  /** Interleaved re-measurements; kept in the store, not counted against the budget. */
  confirms: number;
  infraErrors: number;
  failures: Partial<Record<EvalStatus, number>>;
  baseline: ResultSummary | null;
  /** True once the baseline has a kernel verdict (it may have failed, then there is no baseline time). */
  baselineMeasured: boolean;
  incumbent: Incumbent | null;
  /** `explored` when the critic last accepted an improvement (for the stall rule). */
  lastImprovementAt: number;
  diagnosis: string | null;
  /** The planner's output for this round, consumed by the coder. */
  proposals: Proposal[];
  /** Variant hashes the coder made this round, consumed by the profiler and the critic. */
  batch: string[];
  /** Rounds in a row that ended with only infrastructure errors. */
  infraStreak: number;
  /** Rounds in a row in which nothing new could be measured (every proposal already measured or unusable). */
  idleRounds: number;
  lastVerdict: string | null;
  stopReason: StopReason | null;
}

export function newDeviceProgress(device: string): DeviceProgress {
  return {
    device,
    explored: 0,
    confirms: 0,
    infraErrors: 0,
    failures: {},
    baseline: null,
    baselineMeasured: false,
    incumbent: null,
    lastImprovementAt: 0,
    diagnosis: null,
    proposals: [],
    batch: [],
    infraStreak: 0,
    idleRounds: 0,
    lastVerdict: null,
    stopReason: null,
  };
}

/** Knobs of the loop. All have defaults in run-campaign.ts; tests tighten them. */
export interface CampaignSettings {
  /** Evaluations per device (explore, kernel verdicts only). */
  budget: number;
  timeBudgetMs: number | null;
  batchSize: number;
  seed: number;
  /** Stop a device after this many counted evaluations without an accepted improvement (0: never). */
  stallAfter: number;
  /** Stop when the incumbent is within this fraction of the roofline floor. */
  rooflineFraction: number;
  /** Interleaved candidate/incumbent pairs measured before a new best is accepted. */
  confirmPairs: number;
  /** Delays before each retry of an infrastructure error; its length bounds the retries. */
  retryDelaysMs: number[];
  /** Rounds in a row with nothing but infrastructure errors before a device is given up for this session. */
  maxInfraRounds: number;
  /** Bounds on other recorded objectives: time is minimised among the variants within them. */
  constraints?: readonly Constraint[];
  /** Whether would-be incumbents are proved equivalent to the reference (agents/proof-gate.ts); default off. */
  proofs?: ProofPolicy;
  /** The user allowed untrusted code without a sandbox where none can be made (proofs then run unsandboxed too). */
  unsandboxed?: boolean;
}

export interface CampaignDevice {
  profile: HardwareProfile;
  runner: Runner;
  planner: PlannerPolicy;
}

export type CampaignEvent =
  | {
      type: "started";
      campaignId: string;
      budget: number;
      /** Where each device stands as this session begins (non-zero on resume). */
      devices: Array<{ device: string; explored: number; baselineMs: number | null; bestMs: number | null; failures: Partial<Record<EvalStatus, number>> }>;
    }
  /** A device begins its next round (devices run their rounds independently). */
  | { type: "round"; round: number; device: string }
  | {
      type: "evaluation";
      device: string;
      purpose: "explore" | "confirm";
      variantHash: string;
      params: Params;
      status: EvalStatus;
      medianMs: number | null;
      message: string;
      buildMs: number | null;
    }
  | { type: "accepted"; device: string; incumbent: Incumbent; speedup: number | null; reason: string }
  /** A library baseline of the spec was measured on the device (agents/libraries.ts). */
  | { type: "library"; device: string; name: string; status: EvalStatus; medianMs: number | null; message: string }
  | { type: "rejected"; device: string; variantHash: string; reason: string }
  /** The proof step's verdict on a would-be incumbent (`sizes`: how many sizes it was proved at). */
  | { type: "proof"; device: string; variantHash: string; status: "proved" | "refuted" | "unproven"; sizes: number; reason: string | null }
  /** The incumbent failed its own confirmation run; `incumbent` is the one it fell back to, if any. */
  | { type: "demoted"; device: string; variantHash: string; incumbent: Incumbent | null; reason: string }
  | { type: "device_stopped"; device: string; reason: StopReason }
  /** Something worth telling the user that changes no verdict (a policy's unusable output, a failed diagnosis). */
  | { type: "note"; device: string; message: string };

export interface CampaignContext {
  campaignId: string;
  store: Store;
  spec: KernelSpec;
  space: SearchSpace;
  devices: ReadonlyMap<string, CampaignDevice>;
  coder: CoderPolicy;
  critic: CriticPolicy;
  settings: CampaignSettings;
  /** Results of this kernel from --prior files; the store's other devices are read each round. */
  priors: readonly PriorData[];
  /** Active time of earlier sessions plus this session's so far. */
  activeMs(): number;
  signal?: AbortSignal;
  emit(event: CampaignEvent): void;
}
