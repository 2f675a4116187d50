// The report's section for a campaign with constraints: per device and constrained metric, the Pareto front
// of time against that metric over every verified variant, so a user sees what the bound cost and what a
// looser or tighter one would buy.

import { describeConstraint, metricOf, paretoFront, type Constraint } from "../strategies/objectives.ts";
import type { CampaignRecord, EvaluationRecord } from "./types.ts";

/** The campaign's constraints as its configuration recorded them. */
export function campaignConstraints(campaign: CampaignRecord): Constraint[] {
  return (campaign.config.options?.constraints as Constraint[] | undefined) ?? [];
}

export interface FrontPoint {
  variantHash: string;
  params: EvaluationRecord["params"];
  medianMs: number;
  metric: number;
  withinBound: boolean;
}

/** The Pareto front of one device's verified explore evaluations: median time against `constraint.metric`. */
export function deviceFront(evaluations: readonly EvaluationRecord[], device: string, constraint: Constraint): FrontPoint[] {
  const points: FrontPoint[] = [];
  for (const e of evaluations) {
    if (e.device !== device || e.purpose !== "explore" || e.result.status !== "ok") continue;
    const metric = metricOf(e.result, constraint.metric);
    if (metric !== undefined) points.push({ variantHash: e.variantHash, params: e.params, medianMs: e.result.stats.medianMs, metric, withinBound: metric <= constraint.max });
  }
  return paretoFront(points.map((p) => ({ time: p.medianMs, metric: p.metric }))).map((i) => points[i]!);
}

export function paretoSection(campaign: CampaignRecord, evaluations: readonly EvaluationRecord[]): string[] {
  const constraints = campaignConstraints(campaign);
  if (constraints.length === 0) return [];
  const out = ["## Pareto fronts", "", `Time was minimised under ${constraints.map(describeConstraint).join(" and ")}. No variant on a front is both faster and lower than another.`, ""];
  for (const device of campaign.config.devices) {
    for (const c of constraints) {
      const front = deviceFront(evaluations, device, c);
      out.push(`### ${device}: time against ${c.metric}`, "");
      if (front.length === 0) {
        out.push(`No verified variant reported ${c.metric}.`, "");
        continue;
      }
      out.push(`| median (ms) | ${c.metric} | within the bound | parameters | variant |`, "|---|---|---|---|---|");
      for (const p of front) {
        const params = Object.entries(p.params).map(([k, v]) => `${k}=${v}`).join(", ");
        out.push(`| ${p.medianMs.toPrecision(4)} | ${p.metric} | ${p.withinBound ? "yes" : "no"} | ${params} | \`${p.variantHash}\` |`);
      }
      out.push("");
    }
  }
  return out;
}
