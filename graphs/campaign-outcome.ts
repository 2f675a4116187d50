// A campaign's outcome as the commands report it: counts from the store, incumbents and stop reasons
// from the last checkpoint. Works for running, interrupted and finished campaigns alike.

import { existsSync } from "node:fs";
import type { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { type DeviceProgress, newDeviceProgress } from "../agents/context.ts";
import { countedEvaluations } from "../agents/history.ts";
import { failureCounts } from "../agents/profiler.ts";
import { campaignHeadlines, type Headline } from "../results/headline.ts";
import type { CampaignRecord, StopReason, Store } from "../results/types.ts";
import type { Params } from "../specs/schema.ts";
import { campaignStopReason } from "./campaign.ts";
import { checkpointPath, openCheckpoints, requireCampaign } from "./checkpoints.ts";
import { deviceCheckpoints, type DeviceCheckpoint } from "./device-threads.ts";

export interface DeviceOutcome {
  device: string;
  evaluations: number;
  confirms: number;
  infraErrors: number;
  failures: Partial<Record<string, number>>;
  stopReason: StopReason | null;
  baseline: { params: Params; medianMs: number; ci: [number, number] } | null;
  best: { params: Params; medianMs: number; ci: [number, number]; variantHash: string } | null;
  /** Baseline median over best median; null without both. */
  speedup: number | null;
  /**
   * Conservative range of the speedup from the two medians' 95% CIs (slowest best against fastest
   * baseline, and the reverse); null without both.
   */
  speedupCi: [number, number] | null;
  /** False when the best result was replayed from recorded data rather than built, run and checked now. */
  verified: boolean;
  diagnosis: string | null;
  /** The figures above as results/headline.ts computes them for every surface, with what each pools. */
  headline: Headline;
}

export interface CampaignOutcome {
  campaignId: string;
  spec: string;
  state: CampaignRecord["state"];
  /** Evaluations counted against the budget, all devices together. */
  evaluations: number;
  stopReason: StopReason | null;
  /** The first device's baseline, best and speedup (see `devices` for each device). */
  baseline: DeviceOutcome["baseline"];
  best: DeviceOutcome["best"];
  speedup: number | null;
  /** The first device's: false when its best was replayed from recorded data (or there is none). */
  verified: boolean;
  devices: DeviceOutcome[];
}

/** The campaign's outcome from the store (counts) and its last checkpoint (incumbents, stop reasons). */
export async function campaignOutcome(store: Store, id: string, saver?: SqliteSaver): Promise<CampaignOutcome> {
  const record = requireCampaign(store, id);
  const own = saver ?? (existsSync(checkpointPath(store.path)) ? openCheckpoints(store.path) : undefined);
  let checkpoints: Map<string, DeviceCheckpoint> = new Map();
  try {
    if (own) checkpoints = await deviceCheckpoints(own, id, record.config.devices);
  } finally {
    if (own && !saver) own.db.close();
  }
  const headlines = campaignHeadlines(store, id, record.config.devices);
  const devices = record.config.devices.map((name, i): DeviceOutcome => {
    const progress: DeviceProgress = checkpoints.get(name)?.progress ?? newDeviceProgress(name);
    const counted = countedEvaluations(store, id, name);
    const all = store.evaluations(id, { device: name });
    // The store's headline, not the checkpoint's summaries: the report and `results` read the same records.
    const headline = headlines[i]!;
    const baseline = headline.baseline ? { params: headline.baseline.params, medianMs: headline.baseline.medianMs, ci: headline.baseline.ci95Ms } : null;
    const inc = headline.best;
    const best = inc ? { params: inc.params, medianMs: inc.medianMs, ci: inc.ci95Ms, variantHash: inc.variantHash } : null;
    return {
      device: name,
      evaluations: counted.length,
      confirms: all.filter((e) => e.purpose === "confirm").length,
      infraErrors: all.filter((e) => e.status === "infra_error").length,
      failures: failureCounts(counted),
      stopReason: progress.stopReason,
      baseline,
      best,
      speedup: headline.speedup,
      speedupCi: headline.speedupCi95,
      verified: inc !== null && !inc.replayed,
      diagnosis: progress.diagnosis,
      headline,
    };
  });
  const first = devices[0]!;
  return {
    campaignId: id,
    spec: record.config.specName,
    state: record.state,
    evaluations: devices.reduce((n, d) => n + d.evaluations, 0),
    stopReason: record.stopReason ?? campaignStopReason([...checkpoints.values()].map((c) => c.progress)),
    baseline: first.baseline,
    best: first.best,
    speedup: first.speedup,
    verified: first.verified,
    devices,
  };
}

/** One line: evaluations, stop reason and each device's best. */
export function describeOutcome(outcome: CampaignOutcome): string {
  const perDevice = outcome.devices
    .map((d) => `${d.device}: ${d.evaluations} evaluations, ${d.best ? `best ${d.best.medianMs.toFixed(4)} ms${d.speedup ? ` (${d.speedup.toFixed(2)}x over the baseline)` : ""}` : "no verified variant"}`)
    .join("; ");
  return `${outcome.evaluations} evaluations, stopped: ${describeStop(outcome.stopReason)}; ${perDevice}`;
}

const STOPS: Record<StopReason, string> = {
  budget: "budget (every evaluation spent)",
  time: "time (the time budget is spent)",
  roofline: "roofline (the best is near the device's physical limit)",
  stalled: "stalled (no accepted improvement for a while)",
  exhausted: "exhausted (nothing left to try)",
  interrupted: "interrupted (stopped by the user; resume continues it)",
  device_down: "device_down (a device was unreachable; resume tries it again)",
};

/** A stop reason with what it means for the user; "not yet" while running. */
export function describeStop(reason: StopReason | null): string {
  return reason ? STOPS[reason] : "not yet";
}
