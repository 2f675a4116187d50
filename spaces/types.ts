// The space of configurations a kernel can be tuned over (from a spec's parameters and restrictions, or from
// recorded tuning data), and the one shape every tuning-data reader produces, whatever file format it came
// from, so replay runners and strategy benchmarks never care whether the data was a Kernel Tuner cache, a
// KTT output or a T4 file.

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


export interface ReplayEntry {
  config: Params;
  /** Mean time in ms (the objective, lower is better); null when the configuration failed. */
  value: number | null;
  /** Why it failed, as the source file says it (e.g. "CompilationFailedConfig", "ComputationFailed"). */
  failure?: string;
  /** Raw timing samples in ms. */
  samples?: number[];
  compileMs?: number;
  benchmarkMs?: number;
  verificationMs?: number;
  frameworkMs?: number;
  registers?: number;
  localMemoryBytes?: number;
  constantMemoryBytes?: number;
  privateMemoryBytes?: number;
  /** Other numeric metrics the file records (e.g. "GFLOP/s", "GB/s"). */
  metrics?: Record<string, number>;
}

export type ReplayFormat = "kernel-tuner-cache" | "ktt" | "t4";

export interface ReplayData {
  /** Path of the file the data came from. */
  file: string;
  format: ReplayFormat;
  kernelName: string;
  device: string;
  problemSize?: unknown;
  /** Tunable parameters in key order. */
  parameters: SpaceParameter[];
  /** Restrictions (Python syntax, core/expr.ts); from a T1 file when one was given, otherwise none. */
  restrictions: string[];
  /** Fixed values the restrictions may read (T1 parameters with one value that the data does not vary). */
  constants: Record<string, number>;
  /** Every measured configuration by key (space.key). */
  entries: ReadonlyMap<string, ReplayEntry>;
  objective: { name: string; direction: "min"; unit: "ms" };
  /**
   * The space to search: with restrictions, the configurations satisfying them (each must be in `entries`);
   * without, exactly the configurations the file holds (a brute-force file is its own valid space).
   */
  space: SearchSpace;
}
