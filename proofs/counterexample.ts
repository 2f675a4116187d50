// Concrete inputs that show a difference. The two sides are exact polynomials that differ, so a random
// point of a large enough grid separates them with high probability (Schwartz-Zippel); the search keeps
// the point where the difference is largest relative to the tolerance the harness will apply, and only
// uses small integers, which every floating dtype represents exactly.

import type { Tolerance } from "../specs/schema.ts";
import { polyEvaluate, polySub, type Poly } from "./exact/poly.ts";
import { qAbs, qToNumber, qToString, type Q } from "./exact/rational.ts";
import type { Layout } from "./run/layout.ts";

export interface Counterexample {
  readonly values: Record<string, number[]>;
  readonly expected: string;
  readonly received: string;
  /** |received - expected| / (atol + rtol |expected|), as the harness would measure it in float64. */
  readonly toleranceMultiple: number;
}

/** A small deterministic generator (mulberry32) so counterexamples repeat for a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Small random integers for every input: any inputs show a fault that does not depend on the data. */
export function randomInputs(layout: Layout, seed: number): Record<string, number[]> {
  const random = seededRandom(seed);
  const out: Record<string, number[]> = {};
  for (const b of layout.buffers) {
    if (b.intent !== "out") out[b.name] = Array.from({ length: b.length }, () => Math.floor(random() * 7) - 3);
  }
  return out;
}

/**
 * Values for every input, chosen so that expected and received differ clearly. Variables outside the
 * inputs (poison, out-of-bounds reads) stand for what the harness would really hold: NaN for poison, an
 * unknown value past a buffer; they are set to 0 in the exact values and reported in the text.
 */
export function findCounterexample(layout: Layout, expected: Poly, received: Poly, tolerance: Tolerance, seed: number): Counterexample {
  const random = seededRandom(seed);
  const diff = polySub(received, expected);
  const foreign = [...diff.variables(), ...received.variables()].filter((v) => v >= layout.inputs);
  const poison = foreign.some((v) => v < layout.firstFree);
  const beyond = foreign.some((v) => v >= layout.firstFree);
  let best: { values: Map<number, number>; score: number; e: Q; r: Q } | undefined;
  for (let attempt = 0; attempt < 64; attempt++) {
    const range = attempt < 16 ? 3 : attempt < 40 ? 9 : 33;
    const values = new Map<number, number>();
    for (let v = 0; v < layout.inputs; v++) values.set(v, Math.floor(random() * (2 * range + 1)) - range);
    const valueOf = (id: number): Q => values.get(id) ?? 0;
    const e = polyEvaluate(expected, valueOf);
    const r = polyEvaluate(received, valueOf);
    const d = qToNumber(qAbs(polyEvaluate(diff, valueOf)));
    const score = d / (tolerance.atol + tolerance.rtol * Math.abs(qToNumber(e)));
    if (!best || score > best.score) best = { values, score, e, r };
    // Clear beyond doubt: more than 1 in absolute terms and more than 1% of the expected value.
    if (d > 1 && d > 0.01 * Math.abs(qToNumber(e)) && score > 1e3) break;
  }
  const chosen = best!;
  const out: Record<string, number[]> = {};
  for (const b of layout.buffers) {
    if (b.intent === "out") continue;
    out[b.name] = Array.from({ length: b.length }, (_, i) => chosen.values.get(b.first + i) ?? 0);
  }
  let received_ = qToString(chosen.r);
  if (poison) received_ = "NaN (the poison the harness fills outputs with: never overwritten, or read back)";
  else if (beyond) received_ = `${received_} plus terms in values read past the end of a buffer`;
  return {
    values: out,
    expected: qToString(chosen.e),
    received: received_,
    toleranceMultiple: poison || beyond ? Number.POSITIVE_INFINITY : chosen.score,
  };
}
