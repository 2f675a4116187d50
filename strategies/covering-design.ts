// An initial design that covers each parameter's values rather than leaving them to chance: every slot takes,
// among a random sample of unvisited configurations, the one that shows the most values not yet measured
// (as a Latin hypercube stratifies each axis). A tree model cannot place a value it has never seen: with eight
// random configurations a value a fifth of the space holds is missing a sixth of the time, and when that
// value is the one the optimum needs, the model is sure of a basin without it.

import type { Rng } from "../core/rng.ts";
import type { SpaceIndex } from "./space-index.ts";

/** Configurations sampled per slot to choose from. */
const SAMPLED = 256;

/**
 * Up to `count` unvisited rows: each the sampled row with the most parameter values no row in `seen` (the
 * history's rows, failures included: they were measured too) nor an earlier pick has. Ties go to the earlier
 * draw, so the choice among equals is random.
 */
export function coveringDesign(index: SpaceIndex, seen: ArrayLike<number>, visited: Uint8Array, rng: Rng, count: number): number[] {
  const d = index.d;
  const shown = index.cardinality.map((c) => new Uint8Array(c));
  const show = (r: number): void => {
    for (let j = 0; j < d; j++) shown[j]![index.x[r * d + j]!] = 1;
  };
  for (let i = 0; i < seen.length; i++) if (seen[i]! >= 0) show(seen[i]!);
  const free: number[] = [];
  let freeCount = 0;
  for (let r = 0; r < visited.length; r++) if (!visited[r]) freeCount++;
  // A nearly exhausted space is listed; otherwise rows are drawn and the visited ones skipped.
  if (freeCount <= SAMPLED * 2) for (let r = 0; r < visited.length; r++) if (!visited[r]) free.push(r);
  const taken = new Set<number>();
  const out: number[] = [];
  for (let slot = 0; slot < count && taken.size < freeCount; slot++) {
    const sample = free.length > 0 ? rng.shuffle(free.filter((r) => !taken.has(r))).slice(0, SAMPLED) : drawFree(visited, taken, rng, SAMPLED);
    let best = -1;
    let bestGain = -1;
    for (const r of sample) {
      let gain = 0;
      for (let j = 0; j < d; j++) if (!shown[j]![index.x[r * d + j]!]) gain++;
      if (gain > bestGain) [best, bestGain] = [r, gain];
    }
    if (best < 0) break;
    taken.add(best);
    out.push(best);
    show(best);
  }
  return out;
}

function drawFree(visited: Uint8Array, taken: ReadonlySet<number>, rng: Rng, want: number): number[] {
  const out = new Set<number>();
  for (let tries = 0; out.size < want && tries < want * 4; tries++) {
    const r = rng.int(visited.length);
    if (!visited[r] && !taken.has(r)) out.add(r);
  }
  return [...out];
}
