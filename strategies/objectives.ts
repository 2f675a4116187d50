// A second objective beside time: a campaign can minimise time under a bound on another quantity the
// runner records for each variant, and the report shows the Pareto front of the two. The quantities are
// those every build reports (replayed KTT data included): registers per thread, shared memory per block and
// object size. (Energy would need the harness to report it; no recorded space here carries it.)

import { expectedReceived, fail } from "../core/errors.ts";
import type { EvalResult } from "../harness/types.ts";

export const METRICS = {
  registers: { unit: "registers per thread", of: (r: EvalResult) => r.build?.stats?.registersPerThread },
  shared_memory: { unit: "bytes of shared memory per block", of: (r: EvalResult) => r.build?.stats?.sharedMemoryBytes },
  object_size: { unit: "bytes of object code", of: (r: EvalResult) => r.build?.stats?.objectBytes },
} as const satisfies Record<string, { unit: string; of: (r: EvalResult) => number | undefined }>;

export type MetricName = keyof typeof METRICS;

/** Time is minimised only among variants whose `metric` is at most `max`. */
export interface Constraint {
  metric: MetricName;
  max: number;
}

const isMetric = (name: string): name is MetricName => Object.hasOwn(METRICS, name);

/** "registers<=64" as a constraint; anything else is a usage error naming what is accepted. */
export function parseConstraint(text: string): Constraint {
  const m = /^\s*([a-z_]+)\s*<=\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!m || !isMetric(m[1]!)) fail("USAGE", expectedReceived("--constraint", `METRIC<=NUMBER with METRIC one of ${Object.keys(METRICS).join(", ")}`, text));
  return { metric: m[1] as MetricName, max: Number(m[2]) };
}

export function describeConstraint(c: Constraint): string {
  return `${c.metric} <= ${c.max} (${METRICS[c.metric].unit})`;
}

/** The metric a result reports; undefined when its runner did not record it. */
export function metricOf(result: EvalResult, metric: MetricName): number | undefined {
  return METRICS[metric].of(result);
}

/**
 * True when an ok result satisfies every constraint. A result that does not report a constrained metric is
 * not feasible: the bound the user asked for cannot be shown to hold.
 */
export function feasible(result: EvalResult, constraints: readonly Constraint[] = []): boolean {
  if (result.status !== "ok") return false;
  return constraints.every((c) => {
    const v = metricOf(result, c.metric);
    return v !== undefined && v <= c.max;
  });
}

export interface TradeOff {
  time: number;
  metric: number;
}

/** Indices of the points no other point beats on both time and metric (ties kept once), fastest first. */
export function paretoFront(points: readonly TradeOff[]): number[] {
  const order = points.map((_, i) => i).sort((a, b) => points[a]!.time - points[b]!.time || points[a]!.metric - points[b]!.metric);
  const front: number[] = [];
  let lowest = Infinity;
  for (const i of order) {
    if (points[i]!.metric < lowest) {
      front.push(i);
      lowest = points[i]!.metric;
    }
  }
  return front;
}
