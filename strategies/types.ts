// Search strategies see only the search space, the measured history and a budget.
// They are stateless: everything is derived from (seed, history), so a resumed campaign asks
// exactly the same questions again and a strategy can be tested without a runner.

import type { SearchSpace } from "../spaces/types.ts";
import type { Params } from "../specs/schema.ts";

/** One measured configuration. `value` is the objective (lower is better); null when it failed. */
export interface Observation {
  config: Params;
  value: number | null;
}

/** Measured results of the same kernel on another device, for transfer. */
export interface PriorData {
  device: string;
  observations: readonly Observation[];
}

export interface ProposeInput {
  space: SearchSpace;
  /** Every evaluation so far in order, failures included (they count against the budget). */
  history: readonly Observation[];
  /** How many new configurations to propose (one per free device slot). */
  count: number;
  seed: number;
  budget: { total: number; used: number };
  priors?: readonly PriorData[];
}

export interface Strategy {
  readonly name: string;
  /** True when proposals depend on `priors` (the strategy benchmark measures transfer only for those). */
  readonly usesPriors?: boolean;
  /**
   * True when the strategy steers away from failing regions itself (its model learns from the failures in
   * the history): a campaign's ledger then does not narrow its space, since two early failures can blame a
   * setting that also holds the optimum.
   */
  readonly learnsFailures?: boolean;
  /**
   * Returns up to `count` valid configurations not yet in `history`, deterministic for a given input.
   * An empty array means the strategy has nothing left to try (the space is exhausted).
   */
  propose(input: ProposeInput): Params[];
}
