// Search strategies see only the search space, the measured history and a budget.
// They are stateless: everything is derived from (seed, history), so a resumed campaign asks
// exactly the same questions again and a strategy can be tested without a runner.

import type { Params, ParamValue } from "../specs/schema.ts";

export interface SpaceParameter {
  name: string;
  values: readonly ParamValue[];
}

export interface SearchSpace {
  readonly parameters: readonly SpaceParameter[];
  /** True when the configuration satisfies every restriction. */
  isValid(config: Params): boolean;
  /** Canonical key (values in parameter order joined by commas, as Kernel Tuner's cache keys). */
  key(config: Params): string;
  /** All valid configurations, in a fixed order (computed lazily and cached). */
  validConfigs(): readonly Params[];
}

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
  /**
   * Returns up to `count` valid configurations not yet in `history`, deterministic for a given input.
   * An empty array means the strategy has nothing left to try (the space is exhausted).
   */
  propose(input: ProposeInput): Params[];
}
