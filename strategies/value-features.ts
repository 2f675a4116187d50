// Features of a parameter's values that their order does not show. The surrogate's trees split a parameter by
// the order of its values, and no few splits of 16, 32, 48, ..., 256 set apart the powers of two or the
// multiples of 64, yet that is what decides speed where hardware works in warps or wavefronts (convolution
// on MI250X: every block width that is not a power of two is more than ten times slower than the best).
// For each integer parameter where they add something the order does not, two columns: the exponent of the
// largest power of two dividing the value, and whether the value is a power of two.

import type { SpaceIndex } from "./space-index.ts";
import type { SearchSpace } from "../spaces/types.ts";

export interface ValueFeatures {
  /** Number of derived columns (0 when no parameter has any). */
  readonly columns: number;
  /** Row-major, configs.length x columns, small non-negative integers. */
  readonly x: Float64Array;
}

const memo = new WeakMap<SpaceIndex, ValueFeatures>();

export function valueFeatures(space: SearchSpace, index: SpaceIndex): ValueFeatures {
  const hit = memo.get(index);
  if (hit) return hit;
  // Per derived column: the parameter it reads and the feature of each of that parameter's values.
  const derived: { param: number; byValue: number[] }[] = [];
  space.parameters.forEach((p, j) => {
    const values = p.values;
    if (values.length < 3 || !values.every((v) => typeof v === "number" && Number.isSafeInteger(v) && v > 0)) return;
    const ints = values as number[];
    const twos = ints.map(twoAdicExponent);
    const powers = ints.map((v, i) => (v === 2 ** twos[i]! ? 1 : 0));
    if (!orderedLike(ints, twos)) derived.push({ param: j, byValue: twos });
    if (powers.includes(0) && powers.includes(1)) derived.push({ param: j, byValue: powers });
  });
  const n = index.configs.length;
  const x = new Float64Array(n * derived.length);
  for (let r = 0; r < n; r++) {
    derived.forEach((f, c) => (x[r * derived.length + c] = f.byValue[index.x[r * index.d + f.param]!]!));
  }
  const features: ValueFeatures = { columns: derived.length, x };
  memo.set(index, features);
  return features;
}

/** The exponent of the largest power of two dividing a positive integer (capped: a feature is a small bin). */
function twoAdicExponent(v: number): number {
  let e = 0;
  while (v % 2 === 0 && e < 40) {
    v /= 2;
    e++;
  }
  return e;
}

/** Whether sorting by `feature` keeps the values' order (then a split on it is a split on the value). */
function orderedLike(values: readonly number[], feature: readonly number[]): boolean {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  for (let k = 1; k < order.length; k++) if (feature[order[k]!]! < feature[order[k - 1]!]!) return false;
  return true;
}
