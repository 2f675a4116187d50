// Transfer between devices: what is already known about the same kernel elsewhere. Two sources, both
// handed to the planner as PlanInput.priors: the store's evaluations of the same spec on other devices
// (any campaign), and tuning-data files given with --prior (the device named by the file itself).

import { fail } from "../core/errors.ts";
import type { Store } from "../results/types.ts";
import { loadReplayData } from "../spaces/load.ts";
import type { ReplayData, SearchSpace } from "../spaces/types.ts";
import type { Observation, PriorData } from "../strategies/types.ts";

/**
 * Each file's measurements as observations in the space's terms. A spec parameter the file lacks is
 * filled in only when the spec fixes it at one value (a constant); otherwise the file is of another
 * kernel or another version of it, which is bad configuration, said at start-up.
 */
export function loadPriorFiles(files: readonly string[], space: SearchSpace): PriorData[] {
  return files.map((file) => priorFromData(loadReplayData(file), space));
}

/** One file's measurements, already read (the strategy benchmark reads each file once for all its runs). */
export function priorFromData(data: ReplayData, space: SearchSpace): PriorData {
  const names = data.parameters.map((p) => p.name);
  const missing = space.parameters.filter((p) => !names.includes(p.name));
  if (missing.some((p) => p.values.length !== 1)) {
    fail("USAGE", `--prior ${data.file}: expected tuning data with the spec's parameters {${space.parameters.map((p) => p.name).join(", ")}}, received {${names.join(", ")}}`);
  }
  const fixed = Object.fromEntries(missing.map((p) => [p.name, p.values[0]!]));
  return { device: data.device, observations: [...data.entries.values()].map((e) => ({ config: { ...e.config, ...fixed }, value: e.value })) };
}

/**
 * Template evaluations of `specName` on every device but `device`, one observation per configuration
 * (its latest verdict). Rewrites are left out: their parameters do not say what ran. Evaluations of an
 * older version of the spec with other parameters are left out too: they do not fit the space.
 */
export function storePriors(store: Store, specName: string, device: string, space: SearchSpace): PriorData[] {
  const byDevice = new Map<string, Map<string, Observation>>();
  for (const e of store.evaluationsOfSpec(specName)) {
    if (e.device === device || e.purpose !== "explore" || e.status === "infra_error" || e.origin !== "template") continue;
    if (!space.parameters.every((p) => p.name in e.params)) continue;
    const seen = byDevice.get(e.device) ?? new Map<string, Observation>();
    byDevice.set(e.device, seen);
    seen.set(space.key(e.params), { config: e.params, value: e.status === "ok" ? e.medianMs : null });
  }
  return [...byDevice].map(([name, seen]) => ({ device: name, observations: [...seen.values()] }));
}
