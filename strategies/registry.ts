// Every search strategy by name. DEFAULT_STRATEGY is the one campaigns use unless told otherwise.
// Hyperparameters here are general (no per-kernel or per-device constants); docs/strategies.md has the
// benchmark they were chosen on.

import { fail } from "../core/errors.ts";
import { geneticStrategy } from "./genetic.ts";
import { modelStrategy, type ModelOptions } from "./model.ts";
import { randomStrategy } from "./random.ts";
import type { Strategy } from "./types.ts";

/** Hyperparameters of the model-based strategies (general choices; see docs/strategies.md). */
export const MODEL_DEFAULTS: Omit<ModelOptions, "name"> = {
  initialMin: 8,
  initialDesign: "random",
  initialFraction: 0.05,
  initialMax: 30,
  trees: 24,
  minSplit: 4,
  randomCandidates: 1500,
  neighbourhoodOf: 5,
  xi: 0.01,
  transfer: true,
  maxTrainingRows: 1200,
  childCandidates: 0,
  population: 20,
  acquisition: "mixed",
  kappa: 2,
  thompsonTrees: 2,
  split: "best",
  bootstrap: true,
  randomShare: 0.1,
  randomMax: 0.5,
  stagnationScale: 60,
  stagnationFraction: 0,
  distantShare: 0,
  distantMax: 0,
  distantFraction: 1 / 3,
  learnsFailures: false,
  failureAt: 0.25,
  batchSpread: 0,
  valueFeatures: false,
};

const STRATEGIES: readonly Strategy[] = [
  randomStrategy,
  geneticStrategy({ name: "genetic", population: 20, mutationsPerChild: 1.5, jumpProbability: 0.2, tournament: 2, immigrants: 0.15 }),
  modelStrategy({ ...MODEL_DEFAULTS, name: "trees" }),
  // With other devices' data the model starts from their ranking and explores less: cross-validation chose a
  // smaller confidence bonus and the neighbours of the 10 best there, and the defaults from scratch. The value
  // features (powers of two) were chosen over the same setting without them (docs/strategies.md).
  modelStrategy({ ...MODEL_DEFAULTS, name: "hybrid", childCandidates: 300, valueFeatures: true, withPriors: { kappa: 1, neighbourhoodOf: 10 } }),
];

export const STRATEGY_NAMES: readonly string[] = STRATEGIES.map((s) => s.name);

// "trees" and "hybrid" tie over 20 seeds on the development spaces (docs/strategies.md); "hybrid" screens a
// wider candidate pool, which is the safer bet on spaces larger than these.
export const DEFAULT_STRATEGY = "hybrid";

export function getStrategy(name: string): Strategy {
  const found = STRATEGIES.find((s) => s.name === name);
  if (!found) fail("STRATEGY_UNKNOWN", `search strategy: expected one of ${STRATEGY_NAMES.join(", ")}, received ${JSON.stringify(name)}`);
  return found;
}
