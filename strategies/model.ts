// Model-based search: a tree-ensemble surrogate fitted on the measured history (log time; failures as a
// penalty above the worst time seen, so the model learns to steer away from regions that fail), choosing
// each batch from a candidate pool (random unvisited configurations, the one-parameter neighbours of the
// best ones, optionally children bred from the best, and with transfer the other devices' favourites) by a
// mix of lower confidence bound, Thompson-like draws and random slots. docs/strategies.md explains why.

import { type Rng } from "../core/rng.ts";
import type { Params } from "../specs/schema.ts";
import { coveringDesign } from "./covering-design.ts";
import { sampleUnvisited } from "./random.ts";
import { indexedStrategy, keyOfIndices, neighbourRows, priorScores, type SpaceIndex } from "./space-index.ts";
import { fitForest, MAX_BINS } from "./trees.ts";
import { valueFeatures, type ValueFeatures } from "./value-features.ts";
import type { ProposeInput, Strategy } from "./types.ts";

export interface ModelOptions {
  name: string;
  /** Random evaluations before the first model (at least; more for large budgets). */
  initialMin: number;
  /** "random": uniform; "covering": each slot shows as many parameter values not yet measured as it can. */
  initialDesign: "random" | "covering";
  /** Fraction of the budget spent on the initial random design, capped by initialMax. */
  initialFraction: number;
  initialMax: number;
  trees: number;
  minSplit: number;
  /** Random unvisited candidates scored per proposal. */
  randomCandidates: number;
  /** Neighbours of this many of the best configurations join the candidates. */
  neighbourhoodOf: number;
  /** Improvement threshold below the best log time: larger values favour exploration. */
  xi: number;
  /** Use other devices' data (rank-based prior feature and seeding) when the input carries priors. */
  transfer: boolean;
  /** Models fitted on at most this many observations (the best ones and a random share of the rest). */
  maxTrainingRows: number;
  /** Children bred from the best configurations (crossover and mutation) that join the candidates. */
  childCandidates: number;
  /** Population the children are bred from. */
  population: number;
  /** "ei": expected improvement; "lcb": mean minus kappa standard deviations; "mixed": lcb and Thompson-like slots. */
  acquisition: "ei" | "lcb" | "mixed";
  kappa: number;
  split: "random" | "best";
  bootstrap: boolean;
  /** Trees averaged by one Thompson-like draw. */
  thompsonTrees: number;
  /** Probability that a batch slot takes a uniform random configuration, rising to randomMax while stuck. */
  randomShare: number;
  randomMax: number;
  /** Evaluations without improvement after which the random share reaches randomMax. */
  stagnationScale: number;
  /** When above 0, the stagnation scale is at most this fraction of the budget, so a small budget escapes sooner. */
  stagnationFraction: number;
  /**
   * Probability that a slot takes the lowest confidence bound among candidates far from every one of the best
   * configurations (differing in at least distantFraction of the parameters): the model's best guess outside
   * the basin it is sure of. It rises to distantMax as the campaign stagnates, like the random share.
   */
  distantShare: number;
  distantMax: number;
  distantFraction: number;
  /** Search the whole space, failures included in the model, rather than the space the campaign's ledger leaves. */
  learnsFailures: boolean;
  /**
   * The log time a failure is given in the model: this fraction of the measured log range above the worst
   * time, or "median", the median measured log time (a failure says nothing about how fast its neighbours are).
   */
  failureAt: number | "median";
  /**
   * When above 1, a model slot (confidence bound or Thompson-like draw) skips candidates that differ in fewer
   * than this many parameters from a configuration already in the batch, while others are left: otherwise the
   * lowest bounds of one batch are mostly one-parameter variations of one configuration along the parameter
   * with the most values, and a batch measures one direction eight times.
   */
  batchSpread: number;
  /** Give the surrogate the value features of strategies/value-features.ts (powers of two, multiples). */
  valueFeatures: boolean;
  /**
   * What changes when other devices' data is given: cross-validation chooses the settings with and without it
   * separately (docs/strategies.md), since a model that starts from another device's ranking needs less exploring.
   */
  withPriors?: Partial<Omit<ModelOptions, "name" | "transfer" | "learnsFailures" | "withPriors">>;
}

const NO_VALUE_FEATURES: ValueFeatures = { columns: 0, x: new Float64Array(0) };

export function modelStrategy(o: ModelOptions): Strategy {
  return indexedStrategy(o.name, 0x4d4f444c, (input, { rng, index, rows }) => {
    const visited = new Uint8Array(index.configs.length);
    for (const r of rows) if (r >= 0) visited[r] = 1;
    const prior = o.transfer && input.priors && input.priors.length > 0 ? priorScores(input.space, index, input.priors) : undefined;
    const validCount = input.history.filter((h) => h.value !== null).length;
    const initial = Math.min(o.initialMax, Math.max(o.initialMin, Math.round(o.initialFraction * input.budget.total)));
    // The initial design: random without other devices' data; with it, their best, for one batch's worth
    // (initialMin) before the model, which has their ranking as a feature, takes over. It is counted in what
    // has been measured rather than proposed, because a campaign measures its baseline before it asks.
    const design = prior ? o.initialMin : initial;
    if (validCount < Math.max(2, design) && input.history.length < 3 * design) {
      if (prior) return bestByPrior(index, prior, visited, input.count);
      if (o.initialDesign === "covering") return coveringDesign(index, rows, visited, rng, input.count).map((r) => index.configs[r]!);
      return sampleUnvisited(input, input.count, rng.int);
    }
    const chosen = chooseByModel(input, index, rows, visited, prior, rng, prior && o.withPriors ? { ...o, ...o.withPriors } : o);
    if (chosen.length < input.count) {
      // The pool ran dry (a nearly exhausted space): fill up with whatever is left.
      const taken = new Set(chosen);
      for (let r = 0; r < index.configs.length && chosen.length < input.count; r++) if (!visited[r] && !taken.has(r)) chosen.push(r);
    }
    return chosen.map((r) => index.configs[r]!);
  }, { usesPriors: o.transfer, learnsFailures: o.learnsFailures });
}

function bestByPrior(index: SpaceIndex, prior: Float64Array, visited: Uint8Array, count: number): Params[] {
  const order = Array.from({ length: index.configs.length }, (_, r) => r).filter((r) => !visited[r]);
  order.sort((a, b) => prior[a]! - prior[b]! || a - b);
  return order.slice(0, count).map((r) => index.configs[r]!);
}

function chooseByModel(
  input: ProposeInput,
  index: SpaceIndex,
  rows: Int32Array,
  visited: Uint8Array,
  prior: Float64Array | undefined,
  rng: Rng,
  o: ModelOptions,
): number[] {
  const d = index.d;
  const extra = o.valueFeatures ? valueFeatures(input.space, index) : NO_VALUE_FEATURES;
  const own = d + extra.columns;
  const width = prior ? own + 1 : own;
  // Tree splits work on histograms of small integers: parameters with very many values share bins.
  const binScale = index.cardinality.map((c) => (c > MAX_BINS ? MAX_BINS / c : 1));
  // The configuration's own columns: value indices, then the derived value features.
  const feature = (r: number, j: number): number => (j < d ? Math.floor(index.x[r * d + j]! * binScale[j]!) : extra.x[r * extra.columns + j - d]!);
  // Training set: log time for valid (times are positive; the log evens out devices and kernels that differ
  // by orders of magnitude), and for failed the log time failureAt gives them.
  const logs = measuredLogTimes(input.history);
  const [lo, hi] = logs.length > 0 ? [logs[0]!, logs[logs.length - 1]!] : [0, 1];
  const penalty = failureLogTime(logs, o.failureAt);
  let train = Array.from({ length: input.history.length }, (_, i) => i).filter((i) => rows[i]! >= 0);
  if (train.length > o.maxTrainingRows) {
    // Keep the best half of the allowance (where precision matters) and a random sample of the rest.
    const sorted = train.slice().sort((a, b) => (input.history[a]!.value ?? Infinity) - (input.history[b]!.value ?? Infinity));
    const keep = sorted.slice(0, o.maxTrainingRows >> 1);
    const rest = rng.shuffle(sorted.slice(o.maxTrainingRows >> 1)).slice(0, o.maxTrainingRows - keep.length);
    train = keep.concat(rest);
  }
  const n = train.length;
  const x = new Float64Array(n * width);
  const y = new Float64Array(n);
  train.forEach((h, i) => {
    const r = rows[h]!;
    for (let j = 0; j < own; j++) x[i * width + j] = feature(r, j);
    if (prior) x[i * width + own] = priorBin(prior[r]!);
    const v = input.history[h]!.value;
    y[i] = v !== null && v > 0 ? Math.log(v) : penalty;
  });
  const forest = fitForest(x, width, y, rng, {
    trees: o.trees,
    featuresPerSplit: Math.max(1, Math.ceil(width / 2)),
    minSplit: o.minSplit,
    maxDepth: 30,
    split: o.split,
    bootstrap: o.bootstrap,
  });

  // Candidate pool.
  const pool = new Set<number>();
  const order = Array.from({ length: input.history.length }, (_, i) => i)
    .filter((i) => input.history[i]!.value !== null && rows[i]! >= 0)
    .sort((a, b) => input.history[a]!.value! - input.history[b]!.value!);
  for (const h of order.slice(0, o.neighbourhoodOf)) for (const r of neighbourRows(input.space, index, rows[h]!)) if (!visited[r]) pool.add(r);
  // Random slots draw from the candidates that are not neighbours of the best (those are the model's to pick).
  const neighbours = new Set(pool);
  const free = index.configs.length - input.history.length;
  if (free <= o.randomCandidates * 2) {
    for (let r = 0; r < index.configs.length; r++) if (!visited[r]) pool.add(r);
  } else {
    let added = 0;
    for (let tries = 0; added < o.randomCandidates && tries < o.randomCandidates * 4; tries++) {
      const r = rng.int(index.configs.length);
      if (!visited[r] && !pool.has(r)) {
        pool.add(r);
        added++;
      }
    }
  }
  if (o.childCandidates > 0 && order.length >= 2) {
    for (const r of breedChildren(input, index, order.slice(0, o.population).map((h) => rows[h]!), visited, rng, o.childCandidates)) pool.add(r);
  }
  if (prior) {
    // The configurations the other devices liked best are always candidates.
    const top = Array.from({ length: index.configs.length }, (_, r) => r).filter((r) => !visited[r]);
    top.sort((a, b) => prior[a]! - prior[b]! || a - b);
    for (const r of top.slice(0, o.randomCandidates >> 2)) pool.add(r);
  }

  const candidates = [...pool];
  const nTrees = o.trees;
  // preds[c * nTrees + t]: tree t's prediction for candidate c.
  const preds = new Float64Array(candidates.length * nTrees);
  const mean = new Float64Array(candidates.length);
  const sd = new Float64Array(candidates.length);
  const q = new Float64Array(width);
  const one = new Float64Array(nTrees);
  candidates.forEach((r, c) => {
    for (let j = 0; j < own; j++) q[j] = feature(r, j);
    if (prior) q[own] = priorBin(prior[r]!);
    forest.predictInto(q, 0, one);
    preds.set(one, c * nTrees);
    let m = 0;
    for (const p of one) m += p;
    m /= nTrees;
    let v = 0;
    for (const p of one) v += (p - m) * (p - m);
    mean[c] = m;
    sd[c] = Math.sqrt(v / nTrees);
  });
  const taken = new Uint8Array(candidates.length);
  const out: number[] = [];
  const tooClose = (c: number): boolean => o.batchSpread > 1 && out.some((p) => differingParameters(index, candidates[c]!, p) < o.batchSpread);
  const argmin = (score: (c: number) => number): void => {
    let best = -1;
    let bestScore = Infinity;
    for (const spread of o.batchSpread > 1 ? [true, false] : [false]) {
      for (let c = 0; c < candidates.length; c++) {
        if (taken[c] || (spread && tooClose(c))) continue;
        const s = score(c);
        if (s < bestScore || (s === bestScore && best >= 0 && candidates[c]! < candidates[best]!)) {
          bestScore = s;
          best = c;
        }
      }
      if (best >= 0) break;
    }
    if (best >= 0) {
      taken[best] = 1;
      out.push(candidates[best]!);
    }
  };
  const threshold = lo - o.xi;
  // Evaluations since the best was last improved: the longer the model has been stuck, the more of each
  // batch goes to uniform random configurations, the only move that is never trapped in a basin.
  let bestValue = Infinity;
  let lastImprovement = 0;
  input.history.forEach((h, i) => {
    if (h.value !== null && h.value < bestValue) {
      bestValue = h.value;
      lastImprovement = i + 1;
    }
  });
  const scale = o.stagnationFraction > 0 ? Math.min(o.stagnationScale, o.stagnationFraction * input.budget.total) : o.stagnationScale;
  const stagnation = (input.history.length - lastImprovement) / Math.max(1, scale);
  const epsilon = Math.min(o.randomMax, o.randomShare + (o.randomMax - o.randomShare) * stagnation);
  const distantShare = Math.min(o.distantMax, o.distantShare + (o.distantMax - o.distantShare) * stagnation);
  const distant = distantShare > 0 ? distantCandidates(index, candidates, order.slice(0, o.neighbourhoodOf).map((h) => rows[h]!), o.distantFraction) : null;
  for (let slot = 0; slot < input.count && out.length < candidates.length; slot++) {
    if (distant && rng.next() < distantShare && distant.some((c) => !taken[c])) {
      let best = -1;
      for (const c of distant) if (!taken[c] && (best < 0 || mean[c]! - o.kappa * sd[c]! < mean[best]! - o.kappa * sd[best]!)) best = c;
      taken[best] = 1;
      out.push(candidates[best]!);
      continue;
    }
    if (rng.next() < epsilon) {
      const spare = candidates.map((_, c) => c).filter((c) => !taken[c] && !neighbours.has(candidates[c]!));
      if (spare.length > 0) {
        const c = spare[rng.int(spare.length)]!;
        taken[c] = 1;
        out.push(candidates[c]!);
        continue;
      }
    }
    // Slots alternate between the model's consensus and Thompson-like draws (a few random trees), which
    // spreads a batch over several promising regions and keeps exploring where the trees disagree.
    const exploit = o.acquisition !== "mixed" || slot % 2 === 0;
    if (exploit && o.acquisition === "ei") argmin((c) => -expectedImprovement(mean[c]!, sd[c]!, threshold));
    else if (exploit) argmin((c) => mean[c]! - o.kappa * sd[c]!);
    else {
      const picks = Array.from({ length: o.thompsonTrees }, () => rng.int(nTrees));
      argmin((c) => {
        let s = 0;
        for (const t of picks) s += preds[c * nTrees + t]!;
        return s;
      });
    }
  }
  return out;
}

/** How many parameters rows `a` and `b` of the index set differently. */
function differingParameters(index: SpaceIndex, a: number, b: number): number {
  let differ = 0;
  for (let j = 0; j < index.d; j++) if (index.x[a * index.d + j] !== index.x[b * index.d + j]) differ++;
  return differ;
}

/** Candidates (by position) differing from each of `from` in at least `fraction` of the parameters. */
function distantCandidates(index: SpaceIndex, candidates: readonly number[], from: readonly number[], fraction: number): number[] {
  const need = Math.max(1, Math.ceil(fraction * index.d));
  const out: number[] = [];
  candidates.forEach((r, c) => {
    if (from.every((f) => differingParameters(index, r, f) >= need)) out.push(c);
  });
  return out;
}

/** Expected improvement below `threshold` of a normal(mean, sd) prediction (minimisation). */
export function expectedImprovement(mean: number, sd: number, threshold: number): number {
  if (sd <= 1e-12) return Math.max(0, threshold - mean);
  const z = (threshold - mean) / sd;
  return (threshold - mean) * normCdf(z) + sd * normPdf(z);
}

function normPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

function normCdf(z: number): number {
  // Abramowitz and Stegun 7.1.26 via erf.
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** Uniform crossover of two parents from a tournament, then about one neighbouring-value mutation. */
function breedChildren(input: ProposeInput, index: SpaceIndex, parents: number[], visited: Uint8Array, rng: Rng, want: number): number[] {
  const d = index.d;
  const out = new Set<number>();
  const child = new Array<number>(d);
  const pick = (): number => parents[Math.min(rng.int(parents.length), rng.int(parents.length))]!;
  for (let attempt = 0; out.size < want && attempt < want * 4; attempt++) {
    const a = pick();
    const b = pick();
    for (let j = 0; j < d; j++) child[j] = index.x[(rng.next() < 0.5 ? a : b) * d + j]!;
    for (let j = 0; j < d; j++) {
      if (index.cardinality[j]! < 2 || rng.next() >= 1.5 / d) continue;
      if (rng.next() < 0.2) child[j] = rng.int(index.cardinality[j]!);
      else child[j] = Math.min(index.cardinality[j]! - 1, Math.max(0, child[j]! + (rng.next() < 0.5 ? -1 : 1)));
    }
    const r = index.rowOf.get(keyOfIndices(input.space, child));
    if (r !== undefined && !visited[r]) out.add(r);
  }
  return [...out];
}

/** The log times of the successful measurements, ascending. */
export function measuredLogTimes(history: ProposeInput["history"]): number[] {
  return history.filter((h) => h.value !== null && h.value > 0).map((h) => Math.log(h.value!)).sort((a, b) => a - b);
}

/**
 * The log time the model gives a failure (see ModelOptions.failureAt), from the measured log times in
 * ascending order; with none measured the range is taken as [0, 1]. The median of an even count is the upper
 * middle value, a time that was really measured.
 */
export function failureLogTime(sortedLogs: readonly number[], at: number | "median"): number {
  const [lo, hi] = sortedLogs.length > 0 ? [sortedLogs[0]!, sortedLogs[sortedLogs.length - 1]!] : [0, 1];
  if (at !== "median") return hi + at * Math.max(hi - lo, 1e-9);
  return sortedLogs.length > 0 ? sortedLogs[sortedLogs.length >> 1]! : hi;
}

/** The prior rank in [0, 1] as an integer bin, so every model feature is a small integer. */
function priorBin(p: number): number {
  return Math.round(p * (MAX_BINS - 1));
}
