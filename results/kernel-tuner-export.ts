// Exports one device's evaluations of a campaign as a Kernel Tuner cache file (the format of the files in
// the benchmark hub), so nightshift's measurements can be replayed, compared or plotted by other tuners
// (Kernel Tuner's simulation mode, KTdashboard). Which evaluations are exported: export-rows.ts.
// Failures by Kernel Tuner's three names: a compile failure is "CompilationFailedConfig"; everything else
// that ran but cannot be used (a runtime error, a timeout, a wrong result, a rejection) is
// "RuntimeFailedConfig": Kernel Tuner has no name for a failed check, and a replay must still see a failure.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fail } from "../core/errors.ts";
import type { SpaceParameter } from "../spaces/types.ts";
import type { ParamValue } from "../specs/schema.ts";
import { exportRows, requireDevice, type ExportRow } from "./export-rows.ts";
import type { Store } from "./types.ts";

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
  requireDevice(campaign.config.devices, device);
  const { rows, parameters, skipped } = exportRows(store.evaluations(campaignId, { device }), options.parameters);
  const profile = store.campaignProfiles(campaignId).find((p) => p.name === device);
  const entries = new Map(rows.map((row) => [row.key, toEntry(row, parameters)]));
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

function toEntry(row: ExportRow, parameters: readonly SpaceParameter[]): Record<string, unknown> {
  const r = row.record.result;
  const entry: Record<string, unknown> = Object.fromEntries(parameters.map((p) => [p.name, row.record.params[p.name]]));
  const common = { compile_time: r.build?.buildMs ?? 0, verification_time: 0, strategy_time: 0, framework_time: 0, timestamp: r.startedAt };
  if (r.status === "ok") return { ...entry, time: r.stats.meanMs, times: r.samplesMs, ...common, benchmark_time: r.samplesMs.reduce((a, b) => a + b, 0) };
  return { ...entry, time: r.status === "compile_error" ? "CompilationFailedConfig" : "RuntimeFailedConfig", ...common, benchmark_time: 0 };
}
