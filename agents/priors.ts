// Transfer between devices: what is already known about the same kernel elsewhere. Two sources, both
// handed to the planner as PlanInput.priors: the store's evaluations of the same spec on other devices
// (any campaign), and tuning-data files given with --prior (the device named by the file itself).

import { loadReplayData } from "../spaces/load.ts";
import type { Store } from "../results/types.ts";
import type { Observation, PriorData } from "../strategies/types.ts";

export function loadPriorFiles(files: readonly string[]): PriorData[] {
  return files.map((file) => {
    const data = loadReplayData(file);
    return { device: data.device, observations: [...data.entries.values()].map((e) => ({ config: e.config, value: e.value })) };
  });
}

/**
 * Template evaluations of `specName` on every device but `device`, one observation per configuration
 * (its latest verdict). Rewrites are left out: their parameters do not say what ran.
 */
export function storePriors(store: Store, specName: string, device: string): PriorData[] {
  const byDevice = new Map<string, Map<string, Observation>>();
  for (const e of store.evaluationsOfSpec(specName)) {
    if (e.device === device || e.purpose !== "explore" || e.status === "infra_error" || e.origin !== "template") continue;
    const seen = byDevice.get(e.device) ?? new Map<string, Observation>();
    byDevice.set(e.device, seen);
    seen.set(JSON.stringify(e.params), { config: e.params, value: e.status === "ok" ? e.medianMs : null });
  }
  return [...byDevice].map(([name, seen]) => ({ device: name, observations: [...seen.values()] }));
}
