// A numeric view of a search space shared by the model-based and evolutionary strategies: each valid
// configuration as a row of value indices, and a key -> row map. It depends only on the space, so it is
// computed once per space object (memoised; strategies stay stateless with respect to the history).

import { makeRng, type Rng } from "../core/rng.ts";
import type { SearchSpace } from "../spaces/types.ts";
import type { Params } from "../specs/schema.ts";
import type { Observation, PriorData, ProposeInput, Strategy } from "./types.ts";

export interface SpaceIndex {
  readonly configs: readonly Params[];
  /** Number of parameters (columns). */
  readonly d: number;
  /** Row-major value indices, configs.length x d. */
  readonly x: Float64Array;
  readonly rowOf: ReadonlyMap<string, number>;
  /** Number of values of each parameter. */
  readonly cardinality: readonly number[];
}

const memo = new WeakMap<SearchSpace, SpaceIndex>();

export function indexSpace(space: SearchSpace): SpaceIndex {
  const hit = memo.get(space);
  if (hit) return hit;
  const configs = space.validConfigs();
  const params = space.parameters;
  const d = params.length;
  const maps = params.map((p) => new Map<unknown, number>(p.values.map((v, i) => [v, i])));
  const x = new Float64Array(configs.length * d);
  const rowOf = new Map<string, number>();
  configs.forEach((c, r) => {
    for (let i = 0; i < d; i++) x[r * d + i] = maps[i]!.get(c[params[i]!.name]) ?? 0;
    rowOf.set(space.key(c), r);
  });
  const index: SpaceIndex = { configs, d, x, rowOf, cardinality: params.map((p) => p.values.length) };
  memo.set(space, index);
  return index;
}

/** The key of a configuration given as value indices (same format as space.key). */
export function keyOfIndices(space: SearchSpace, indices: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < space.parameters.length; i++) parts.push(String(space.parameters[i]!.values[indices[i]!]));
  return parts.join(",");
}

/** Rows of the history in order (-1 for a configuration that is not a valid configuration of the space). */
export function historyRows(space: SearchSpace, index: SpaceIndex, history: readonly Observation[]): Int32Array {
  const rows = new Int32Array(history.length);
  history.forEach((o, i) => (rows[i] = index.rowOf.get(space.key(o.config)) ?? -1));
  return rows;
}

/** What a strategy over the indexed space starts each proposal from. */
export interface IndexedInput {
  /** Seeded by the campaign seed, the history length and the strategy's own tag: a resumed campaign draws alike. */
  rng: Rng;
  index: SpaceIndex;
  /** The row of every observation in the history (-1 for one outside the space). */
  rows: Int32Array;
}

/** A strategy that works on the indexed space (genetic, model): the shared start of every proposal, once. */
export function indexedStrategy(
  name: string,
  tag: number,
  propose: (input: ProposeInput, indexed: IndexedInput) => Params[],
  traits: Pick<Strategy, "usesPriors" | "learnsFailures"> = {},
): Strategy {
  return {
    name,
    ...traits,
    propose(input: ProposeInput): Params[] {
      const rng = makeRng(input.seed, input.history.length, tag);
      const index = indexSpace(input.space);
      return propose(input, { rng, index, rows: historyRows(input.space, index, input.history) });
    },
  };
}

/** Rows that differ from `row` in exactly one parameter (any other value of it) and are valid. */
export function neighbourRows(space: SearchSpace, index: SpaceIndex, row: number): number[] {
  const out: number[] = [];
  const base = Array.from(index.x.subarray(row * index.d, (row + 1) * index.d));
  for (let i = 0; i < index.d; i++) {
    const own = base[i]!;
    for (let v = 0; v < index.cardinality[i]!; v++) {
      if (v === own) continue;
      base[i] = v;
      const r = index.rowOf.get(keyOfIndices(space, base));
      if (r !== undefined) out.push(r);
    }
    base[i] = own;
  }
  return out;
}

/**
 * Per row, the mean over prior devices of the rank-normalised objective (0 = best there, 1 = worst or
 * failed, 0.5 when a device did not measure it). Ranks rather than times, because devices differ in
 * speed by large factors while the order of configurations transfers much better.
 */
export function priorScores(space: SearchSpace, index: SpaceIndex, priors: readonly PriorData[]): Float64Array | undefined {
  if (priors.length === 0) return undefined;
  const hit = priorMemo.get(priors);
  if (hit && hit.space === space) return hit.scores;
  const scores = computePriorScores(space, index, priors);
  priorMemo.set(priors, { space, scores });
  return scores;
}

const priorMemo = new WeakMap<readonly PriorData[], { space: SearchSpace; scores: Float64Array }>();

function computePriorScores(space: SearchSpace, index: SpaceIndex, priors: readonly PriorData[]): Float64Array {
  const sum = new Float64Array(index.configs.length);
  for (const prior of priors) {
    const ranked = prior.observations
      .map((o) => ({ row: index.rowOf.get(space.key(o.config)), value: o.value }))
      .filter((o): o is { row: number; value: number | null } => o.row !== undefined);
    const seen = new Uint8Array(index.configs.length);
    const valid = ranked.filter((o) => o.value !== null).sort((a, b) => a.value! - b.value!);
    valid.forEach((o, i) => {
      sum[o.row] += valid.length > 1 ? i / (valid.length - 1) : 0;
      seen[o.row] = 1;
    });
    for (const o of ranked) {
      if (o.value === null) {
        sum[o.row] += 1;
        seen[o.row] = 1;
      }
    }
    for (let r = 0; r < seen.length; r++) if (!seen[r]) sum[r] += 0.5;
  }
  for (let r = 0; r < sum.length; r++) sum[r] /= priors.length;
  return sum;
}
