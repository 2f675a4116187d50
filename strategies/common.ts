// Helpers every strategy shares: visited keys, index encodings of configurations.

import type { Params } from "../specs/schema.ts";
import type { ProposeInput, SearchSpace } from "./types.ts";

export function visitedKeys(input: ProposeInput): Set<string> {
  const keys = new Set<string>();
  for (const o of input.history) keys.add(input.space.key(o.config));
  return keys;
}

/** Per-parameter maps from value to its index in the parameter's value list. */
export function valueIndexMaps(space: SearchSpace): Map<unknown, number>[] {
  return space.parameters.map((p) => new Map<unknown, number>(p.values.map((v, i) => [v, i])));
}

/** The configuration as value indices (the lattice the local searches move on). */
export function toIndices(maps: Map<unknown, number>[], space: SearchSpace, config: Params): number[] {
  return space.parameters.map((p, i) => maps[i]!.get(config[p.name]) ?? 0);
}
