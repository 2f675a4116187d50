import type { Rng } from "../core/rng.ts";

// An extremely randomised trees regressor (Geurts et al., 2006): each split takes the best of a few random
// thresholds on random features. Cheap to fit on a few thousand points, and the spread of the trees'
// predictions gives the uncertainty the acquisition function needs.

export interface ForestOptions {
  trees: number;
  /** Features tried per split. */
  featuresPerSplit: number;
  /** Nodes with fewer samples become leaves. */
  minSplit: number;
  maxDepth: number;
  /**
   * "random": one random threshold per feature (extra-trees). "best": the best threshold, found from a
   * histogram over the feature's values, which must then be integers in [0, MAX_BINS) (value indices).
   */
  split: "random" | "best";
  /** Fit each tree on a bootstrap resample (random forest); otherwise on all rows. */
  bootstrap: boolean;
}

export const MAX_BINS = 64;

export interface Forest {
  /** Per-tree predictions for row `row` of a row-major matrix with `d` columns, written into `out`. */
  predictInto(x: Float64Array, row: number, out: Float64Array): void;
  readonly trees: number;
}

// Flat node storage per tree: feature < 0 marks a leaf whose value is in `threshold`.
interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
}

export function fitForest(x: Float64Array, d: number, y: Float64Array, rng: Rng, options: ForestOptions): Forest {
  const n = y.length;
  const trees: Tree[] = [];
  for (let t = 0; t < options.trees; t++) trees.push(fitTree(x, d, y, n, rng, options));
  return {
    trees: trees.length,
    predictInto(q: Float64Array, row: number, out: Float64Array): void {
      const base = row * d;
      for (let t = 0; t < trees.length; t++) {
        const tree = trees[t]!;
        let node = 0;
        while (tree.feature[node]! >= 0) node = q[base + tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
        out[t] = tree.threshold[node]!;
      }
    },
  };
}

function fitTree(x: Float64Array, d: number, y: Float64Array, n: number, rng: Rng, o: ForestOptions): Tree {
  const cap = 2 * n + 1;
  const feature = new Int32Array(cap).fill(-1);
  const threshold = new Float64Array(cap);
  const left = new Int32Array(cap);
  const right = new Int32Array(cap);
  let count = 0;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = o.bootstrap ? rng.int(n) : i;
  const binSum = new Float64Array(MAX_BINS);
  const binCount = new Int32Array(MAX_BINS);
  const features = Array.from({ length: d }, (_, i) => i);

  const build = (start: number, end: number, depth: number): number => {
    const node = count++;
    let sum = 0;
    for (let i = start; i < end; i++) sum += y[idx[i]!]!;
    const size = end - start;
    const mean = sum / size;
    threshold[node] = mean;
    if (size < o.minSplit || depth >= o.maxDepth) return node;
    let bestScore = 0;
    let bestFeature = -1;
    let bestCut = 0;
    rng.shuffle(features);
    let tried = 0;
    for (let f = 0; f < d && tried < o.featuresPerSplit; f++) {
      const feat = features[f]!;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = start; i < end; i++) {
        const v = x[idx[i]! * d + feat]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi <= lo) continue;
      tried++;
      if (o.split === "best") {
        binSum.fill(0, lo, hi + 1);
        binCount.fill(0, lo, hi + 1);
        for (let i = start; i < end; i++) {
          const r = idx[i]!;
          const b = x[r * d + feat]!;
          binSum[b] += y[r]!;
          binCount[b]++;
        }
        let sl = 0;
        let nl = 0;
        for (let b = lo; b < hi; b++) {
          sl += binSum[b]!;
          nl += binCount[b]!;
          if (binCount[b] === 0 || nl === 0 || nl === size) continue;
          const sr = sum - sl;
          const nr = size - nl;
          const score = (sl * sl) / nl + (sr * sr) / nr - (sum * sum) / size;
          if (score > bestScore) {
            bestScore = score;
            bestFeature = feat;
            bestCut = b + 0.5;
          }
        }
        continue;
      }
      const cut = lo + rng.next() * (hi - lo);
      let sl = 0;
      let nl = 0;
      for (let i = start; i < end; i++) {
        const r = idx[i]!;
        if (x[r * d + feat]! <= cut) {
          sl += y[r]!;
          nl++;
        }
      }
      const nr = size - nl;
      if (nl === 0 || nr === 0) continue;
      const sr = sum - sl;
      // Variance reduction up to a constant: between-group sum of squares.
      const score = (sl * sl) / nl + (sr * sr) / nr - (sum * sum) / size;
      if (score > bestScore) {
        bestScore = score;
        bestFeature = feat;
        bestCut = cut;
      }
    }
    if (bestFeature < 0) return node;
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if (x[idx[i]! * d + bestFeature]! <= bestCut) i++;
      else {
        const t = idx[i]!;
        idx[i] = idx[j]!;
        idx[j] = t;
        j--;
      }
    }
    feature[node] = bestFeature;
    threshold[node] = bestCut;
    left[node] = build(start, i, depth + 1);
    right[node] = build(i, end, depth + 1);
    return node;
  };
  build(0, n, 0);
  return { feature, threshold, left, right };
}
