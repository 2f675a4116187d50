// Exports one device's evaluations of a campaign as a Kernel Tuner cache file (the format of the files in
// the benchmark hub), so nightshift's measurements can be replayed, compared or plotted by other tuners.
//
// Outcome mapping (Kernel Tuner knows three failure names):
//   ok                                  -> time = mean of the samples (Kernel Tuner's definition), times = samples
//   compile_error                       -> "CompilationFailedConfig"
//   runtime_error, timeout              -> "RuntimeFailedConfig"
//   wrong_result, rejected              -> "RuntimeFailedConfig": the configuration ran but its result cannot be
//                                          used; Kernel Tuner has no name for a failed check, and a replay of the
//                                          export must still see a failure, never a time
//   infra_error                         -> left out: it says nothing about the configuration
// Only template instantiations are exported: a rewritten source is not a point of the parameter space.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fail } from "../core/errors.ts";
import type { ParamValue } from "../specs/schema.ts";
import type { SpaceParameter } from "../strategies/types.ts";
import { configKey } from "../strategies/space.ts";
import type { EvaluationRecord, Store } from "./types.ts";

export interface KernelTunerCache {
  device_name: string;
  kernel_name: string;
  problem_size: unknown;
  tune_params_keys: string[];
  tune_params: Record<string, ParamValue[]>;
  objective: "time";
  cache: Record<string, Record<string, unknown>>;
}

export interface KernelTunerExportOptions {
  /** The tunable parameters in key order with all their values (the spec's); default: the values seen. */
  parameters?: readonly SpaceParameter[];
  kernelName?: string;
  problemSize?: unknown;
}

export interface KernelTunerExport {
  cache: KernelTunerCache;
  /** Evaluations not exported (rewrites, infrastructure errors), for the caller to mention. */
  skipped: number;
}

export function kernelTunerCache(store: Store, campaignId: string, device: string, options: KernelTunerExportOptions = {}): KernelTunerExport {
  const campaign = store.getCampaign(campaignId);
  if (campaign === null) fail("CAMPAIGN_NOT_FOUND", `export: expected a campaign id in ${JSON.stringify(store.path)}, received ${JSON.stringify(campaignId)}`);
  if (!campaign.config.devices.includes(device)) {
    fail("USAGE", `export: expected one of the campaign's devices (${campaign.config.devices.join(", ")}), received ${JSON.stringify(device)}`);
  }
  const evaluations = store.evaluations(campaignId, { device });
  const parameters = options.parameters ?? parametersSeen(evaluations);
  const profile = store.campaignProfiles(campaignId).find((p) => p.name === device);

  const entries = new Map<string, Record<string, unknown>>();
  const faulted = new Set<string>();
  let skipped = 0;
  for (const e of evaluations) {
    if (e.origin !== "template" || e.status === "infra_error") {
      skipped++;
      continue;
    }
    const key = configKey(parameters, e.params);
    // A fault on any measurement of a configuration makes it a failure, as in the report's verified view.
    if (faulted.has(key)) continue;
    const entry = toEntry(e, parameters);
    if (typeof entry.time === "string") faulted.add(key);
    entries.set(key, entry);
  }
  return {
    cache: {
      device_name: profile?.gpu?.model ?? profile?.cpu?.model ?? device,
      kernel_name: options.kernelName ?? campaign.config.specName,
      problem_size: options.problemSize ?? null,
      tune_params_keys: parameters.map((p) => p.name),
      tune_params: Object.fromEntries(parameters.map((p) => [p.name, [...p.values]])),
      objective: "time",
      cache: Object.fromEntries(entries),
    },
    skipped,
  };
}

export function writeKernelTunerCache(path: string, exported: KernelTunerExport): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(exported.cache) + "\n");
  return path;
}

function toEntry(e: EvaluationRecord, parameters: readonly SpaceParameter[]): Record<string, unknown> {
  const r = e.result;
  const entry: Record<string, unknown> = Object.fromEntries(parameters.map((p) => [p.name, e.params[p.name]]));
  const common = {
    compile_time: r.build?.buildMs ?? 0,
    verification_time: 0,
    strategy_time: 0,
    framework_time: 0,
    timestamp: r.startedAt,
  };
  if (r.status === "ok") {
    return { ...entry, time: r.stats.meanMs, times: r.samplesMs, ...common, benchmark_time: r.samplesMs.reduce((a, b) => a + b, 0) };
  }
  const failure = r.status === "compile_error" ? "CompilationFailedConfig" : "RuntimeFailedConfig";
  return { ...entry, time: failure, ...common, benchmark_time: 0 };
}

/** Values seen per parameter, sorted, in the order the first evaluated variant lists its parameters. */
function parametersSeen(evaluations: readonly EvaluationRecord[]): SpaceParameter[] {
  const names = evaluations.length > 0 ? Object.keys(evaluations[0]!.params) : [];
  return names.map((name) => {
    const values = [...new Set(evaluations.map((e) => e.params[name]!).filter((v) => v !== undefined))];
    values.sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b))));
    return { name, values };
  });
}
