// A steady-state genetic algorithm over the value-index lattice. Stateless: the population is the best
// configurations measured so far (elitism), and each child comes from tournament selection among them,
// uniform crossover and mutation that moves a parameter to a neighbouring value (or, rarely, any value).

import { sampleUnvisited } from "./random.ts";
import { indexedStrategy, keyOfIndices } from "./space-index.ts";
import type { Strategy } from "./types.ts";

export interface GeneticOptions {
  name: string;
  population: number;
  /** Expected number of genes mutated per child (each mutates with probability mutationsPerChild / d). */
  mutationsPerChild: number;
  /** Probability a mutation jumps to any value instead of a neighbouring one. */
  jumpProbability: number;
  tournament: number;
  /** Share of each batch that is random immigrants, which keep the population from settling in one basin. */
  immigrants: number;
}

export function geneticStrategy(o: GeneticOptions): Strategy {
  return indexedStrategy(o.name, 0x47454e45, (input, { rng, index, rows }) => {
    const valid = Array.from({ length: input.history.length }, (_, i) => i).filter((i) => input.history[i]!.value !== null && rows[i]! >= 0);
    if (valid.length < Math.min(o.population, 4)) return sampleUnvisited(input, input.count, rng.int);
    valid.sort((a, b) => input.history[a]!.value! - input.history[b]!.value!);
    const parents = valid.slice(0, o.population).map((i) => rows[i]!);
    const taken = new Set<number>(rows);
    const d = index.d;
    const pick = (): number => {
      let best = rng.int(parents.length);
      for (let t = 1; t < o.tournament; t++) best = Math.min(best, rng.int(parents.length));
      return parents[best]!;
    };
    const out: number[] = [];
    const child = new Array<number>(d);
    let children = 0;
    for (let slot = 0; slot < input.count; slot++) if (rng.next() >= o.immigrants) children++;
    for (let attempt = 0; out.length < children && attempt < input.count * 200; attempt++) {
      const a = pick();
      const b = pick();
      for (let j = 0; j < d; j++) child[j] = index.x[(rng.next() < 0.5 ? a : b) * d + j]!;
      const rate = o.mutationsPerChild / d;
      for (let j = 0; j < d; j++) {
        if (index.cardinality[j]! < 2 || rng.next() >= rate) continue;
        if (rng.next() < o.jumpProbability) child[j] = rng.int(index.cardinality[j]!);
        else child[j] = Math.min(index.cardinality[j]! - 1, Math.max(0, child[j]! + (rng.next() < 0.5 ? -1 : 1)));
      }
      const r = index.rowOf.get(keyOfIndices(input.space, child));
      if (r === undefined || taken.has(r)) continue;
      taken.add(r);
      out.push(r);
    }
    const result = out.map((r) => index.configs[r]!);
    // Immigrants, and whatever the exhausted neighbourhood of the population could not supply, are random.
    if (result.length < input.count) {
      const extra = sampleUnvisited({ ...input, history: [...input.history, ...result.map((config) => ({ config, value: null }))] }, input.count - result.length, rng.int);
      result.push(...extra);
    }
    return result;
  });
}
