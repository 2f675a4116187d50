// The runner contract: a batch of variants in, exactly one typed result per variant out, in order.
// Failures are values; a runner throws only for bugs and bad configuration. How a variant is judged is the
// harness's business (harness/protocol.ts); a runner only reaches a machine and schedules the work on it.

import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { ProtocolOptions } from "../harness/protocol.ts";
import type { EvalResult, Variant } from "../harness/types.ts";
import type { Params } from "../specs/schema.ts";

export interface RunOptions {
  signal?: AbortSignal;
  /** Called as each result is ready, so the caller can commit it before the batch finishes. */
  onResult?: (result: EvalResult) => void | Promise<void>;
  /** Whose work this is, when several campaigns share one device (a lane then shares it fairly between owners). */
  share?: ShareTag;
  /**
   * Run the batch on these inputs instead of the seeded cases (the critic's confirmation of a proof's
   * counterexample, harness/protocol.ts). A runner whose results are recorded rather than measured cannot.
   */
  inputs?: ProtocolOptions["inputs"];
}

/** An owner of work on a shared device and its weight: an owner of weight 2 gets twice the slots of weight 1 when both wait. */
export interface ShareTag {
  owner: string;
  weight: number;
}

export interface Runner {
  readonly device: HardwareProfile;
  run(batch: readonly Variant[], options?: RunOptions): Promise<EvalResult[]>;
  close(): Promise<void>;
  /**
   * Present when the runner's time is simulated rather than spent (a replay answers at once): what the given
   * runs cost when they were measured, in order: a configuration's first run its build and run, every later
   * one (a confirmation) its run. Time budgets of such a device are charged this, not the wall clock.
   */
  recordedCostMs?(configurations: readonly Params[]): number;
}
