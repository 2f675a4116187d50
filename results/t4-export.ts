// Exports one device's evaluations of a campaign as a T4 file (the autotuning community's common result
// format, read by spaces/t4.ts), so other tools can load nightshift's measurements. Which evaluations are
// exported: export-rows.ts. Times are in milliseconds; the objective is the mean of the samples, as in
// Kernel Tuner's caches. Failures by T4's invalidity names: "compile" for a compile failure, "correctness"
// for a wrong result or a rejected check, "runtime" for a crash or a timeout.

import { fail } from "../core/errors.ts";
import type { EvalStatus } from "../harness/types.ts";
import type { SpaceParameter } from "../spaces/types.ts";
import { exportRows, requireDevice, type ExportRow } from "./export-rows.ts";
import type { Store } from "./types.ts";

export const T4_SCHEMA_VERSION = "1.0.0";

const INVALIDITY: Partial<Record<EvalStatus, string>> = { compile_error: "compile", wrong_result: "correctness", rejected: "correctness", runtime_error: "runtime", timeout: "runtime" };

export function t4Export(store: Store, campaignId: string, device: string, parameters?: readonly SpaceParameter[]): { document: unknown; skipped: number } {
  const campaign = store.getCampaign(campaignId);
  if (campaign === null) fail("CAMPAIGN_NOT_FOUND", `export: expected a campaign id in ${JSON.stringify(store.path)}, received ${JSON.stringify(campaignId)}`);
  requireDevice(campaign.config.devices, device);
  const exported = exportRows(store.evaluations(campaignId, { device }), parameters);
  return {
    document: {
      schema_version: T4_SCHEMA_VERSION,
      metadata: { timeunit: "milliseconds", kernel: campaign.config.specName, device, exported_by: "nightshift", campaign: campaignId },
      results: exported.rows.map((row) => toResult(row, exported.parameters)),
    },
    skipped: exported.skipped,
  };
}

function toResult(row: ExportRow, parameters: readonly SpaceParameter[]): Record<string, unknown> {
  const r = row.record.result;
  const configuration = Object.fromEntries(parameters.map((p) => [p.name, row.record.params[p.name]]));
  const times = { compilation: r.build?.buildMs ?? 0, framework: 0, search_algorithm: 0, validation: 0 };
  if (r.status === "ok") {
    return {
      timestamp: r.startedAt,
      configuration,
      times: { ...times, runtimes: r.samplesMs },
      invalidity: "correct",
      correctness: 1,
      measurements: [{ name: "time", value: r.stats.meanMs, unit: "milliseconds" }],
      objectives: ["time"],
    };
  }
  return { timestamp: r.startedAt, configuration, times, invalidity: INVALIDITY[r.status] ?? "runtime", correctness: 0, measurements: [], objectives: ["time"] };
}
