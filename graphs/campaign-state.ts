// The campaign graph's state and the runtime context its nodes share.
// State is checkpointed after every super-step, so it holds only references and summaries (hashes,
// counts, incumbents, the round number); every measurement lives in the store. The context holds what
// cannot be checkpointed (the store, runners, policies) and is rebuilt on resume.

import { Annotation } from "@langchain/langgraph";
import type { CoderPolicy, CriticPolicy, Incumbent, PlannerPolicy, Proposal } from "../agents/types.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { StopReason, Store } from "../results/types.ts";
import type { EvalStatus, Runner } from "../runners/types.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";
import type { PriorData, SearchSpace } from "../strategies/types.ts";

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

export type DeviceUpdates = Record<string, Partial<DeviceProgress>>;

/** Every node writes per-device fields; each update merges into that device's entry only. */
function mergeDevices(current: Record<string, DeviceProgress>, update: DeviceUpdates): Record<string, DeviceProgress> {
  const next = { ...current };
  for (const [device, fields] of Object.entries(update)) next[device] = { ...(current[device] ?? newDeviceProgress(device)), ...fields };
  return next;
}

export const CampaignState = Annotation.Root({
  campaignId: Annotation<string>,
  round: Annotation<number>,
  devices: Annotation<Record<string, DeviceProgress>, DeviceUpdates>({ reducer: mergeDevices, default: () => ({}) }),
  /** Wall time spent running this campaign, summed over sessions (time while it was not running is not counted). */
  activeMs: Annotation<number>,
  stopReason: Annotation<StopReason | null>,
});

export type CampaignStateType = typeof CampaignState.State;
export type CampaignUpdate = typeof CampaignState.Update;

/** Knobs of the loop. All have defaults in run-campaign.ts; tests tighten them. */
export interface CampaignSettings {
  /** Evaluations per device (explore, kernel verdicts only). */
  budget: number;
  timeBudgetMs: number | null;
  batchSize: number;
  seed: number;
  /** Stop a device after this many counted evaluations without an accepted improvement (0: never). */
  stallAfter: number;
  /**
   * Kept so recorded campaigns' tuning still reads; it decides nothing since every would-be new best is
   * confirmed, close call or not.
   */
  closeFraction: number;
  /** Stop when the incumbent is within this fraction of the roofline floor. */
  rooflineFraction: number;
  /** Interleaved candidate/incumbent pairs measured before a new best is accepted. */
  confirmPairs: number;
  /** Delays before each retry of an infrastructure error; its length bounds the retries. */
  retryDelaysMs: number[];
  /** Rounds in a row with nothing but infrastructure errors before a device is given up for this session. */
  maxInfraRounds: number;
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
  | { type: "round"; round: number }
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
  | { type: "rejected"; device: string; variantHash: string; reason: string }
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
