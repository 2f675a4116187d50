// A fast in-process replay campaign for benchmarking strategies: the strategy proposes batches, the measured
// data answers. Every proposal is checked, so a strategy that repeats itself or leaves the space is caught
// here as a bug rather than silently scored.

import { fail } from "../core/errors.ts";
import type { ReplayData, ReplayEntry } from "../spaces/types.ts";
import { makeRng, type Rng } from "./rng.ts";
import type { Observation, PriorData, Strategy } from "./types.ts";

export interface CampaignOptions {
  seed: number;
  budget: number;
  /** Configurations proposed per round (free device slots). */
  batch: number;
  priors?: readonly PriorData[];
  /**
   * The strategy observes one recorded sample (`times`) per evaluation instead of their mean, so it cannot
   * win on differences smaller than the noise. The trace keeps the mean: a run is scored on what it found.
   */
  noisy?: boolean;
}

function observed(entry: ReplayEntry, rng: Rng | null): number | null {
  if (entry.value === null || !rng || !entry.samples || entry.samples.length === 0) return entry.value;
  return entry.samples[rng.int(entry.samples.length)]!;
}

/** Objective per evaluation in order (null for a failed configuration). */
export function runReplayCampaign(strategy: Strategy, data: ReplayData, o: CampaignOptions): (number | null)[] {
  const space = data.space;
  const history: Observation[] = [];
  const trace: (number | null)[] = [];
  const seen = new Set<string>();
  const rng = o.noisy ? makeRng(o.seed, 0x6e6f6973) : null;
  const total = Math.min(o.budget, space.validConfigs().length);
  while (history.length < total) {
    const count = Math.min(o.batch, total - history.length);
    const proposals = strategy.propose({ space, history, count, seed: o.seed, budget: { total: o.budget, used: history.length }, ...(o.priors ? { priors: o.priors } : {}) });
    if (proposals.length === 0) break;
    if (proposals.length > count) fail("INTERNAL", `strategy ${strategy.name}: expected at most ${count} proposals, received ${proposals.length}`);
    for (const config of proposals) {
      const key = space.key(config);
      if (!space.isValid(config)) fail("INTERNAL", `strategy ${strategy.name}: proposed ${key}, which is not a valid configuration of ${data.file}`);
      if (seen.has(key)) fail("INTERNAL", `strategy ${strategy.name}: proposed ${key} again (seed ${o.seed}, after ${history.length} evaluations)`);
      const entry = data.entries.get(key);
      if (!entry) fail("REPLAY_MISS", `${data.file}: expected a measurement for ${key} (valid under the restrictions), received none`);
      seen.add(key);
      history.push({ config, value: observed(entry, rng) });
      trace.push(entry.value);
    }
  }
  return trace;
}

/** Other devices' data for the same kernel and parameters, for transfer. */
export function priorsFor(target: ReplayData, others: readonly ReplayData[]): PriorData[] {
  const names = target.parameters.map((p) => p.name).join(",");
  return others
    .filter((d) => d !== target && d.file !== target.file && d.kernelName === target.kernelName && d.parameters.map((p) => p.name).join(",") === names)
    .map((d) => ({ device: d.device || d.file, observations: [...d.entries.values()].map((e) => ({ config: e.config, value: e.value })) }));
}
