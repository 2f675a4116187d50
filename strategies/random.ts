// Uniform random sampling without replacement: the baseline every other strategy must beat.

import { makeRng } from "../core/rng.ts";
import type { Params } from "../specs/schema.ts";
import { visitedKeys } from "./common.ts";
import type { ProposeInput, Strategy } from "./types.ts";

export const randomStrategy: Strategy = {
  name: "random",
  propose(input: ProposeInput): Params[] {
    const rng = makeRng(input.seed, input.history.length, 0x52414e44);
    return sampleUnvisited(input, input.count, rng.int);
  },
};

/** Up to `count` distinct valid configurations not in the history, drawn uniformly. */
export function sampleUnvisited(input: ProposeInput, count: number, int: (n: number) => number): Params[] {
  const all = input.space.validConfigs();
  const visited = visitedKeys(input);
  const free = all.length - visited.size;
  const want = Math.min(count, Math.max(0, free));
  const out: Params[] = [];
  const chosen = new Set<string>();
  // Rejection sampling is fast while most of the space is unvisited; otherwise list what is left.
  if (free > all.length / 4) {
    let tries = 0;
    while (out.length < want && tries < want * 50) {
      tries++;
      const c = all[int(all.length)]!;
      const k = input.space.key(c);
      if (visited.has(k) || chosen.has(k)) continue;
      chosen.add(k);
      out.push(c);
    }
    if (out.length === want) return out;
  }
  const rest = all.filter((c) => {
    const k = input.space.key(c);
    return !visited.has(k) && !chosen.has(k);
  });
  while (out.length < want && rest.length > 0) {
    const j = int(rest.length);
    out.push(rest[j]!);
    rest[j] = rest[rest.length - 1]!;
    rest.pop();
  }
  return out;
}
