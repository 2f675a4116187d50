// Which evaluations of a campaign an export carries, for every export format (kernel-tuner-export.ts,
// t4-export.ts): template instantiations only (a rewritten source is not a point of the parameter space),
// never an infrastructure error (it says nothing about the configuration), one row per configuration, and a
// fault on any measurement of a configuration makes the row a failure, as in the report's verified view.

import { fail } from "../core/errors.ts";
import { configKey } from "../spaces/search-space.ts";
import type { SpaceParameter } from "../spaces/types.ts";
import type { EvaluationRecord } from "./types.ts";

export interface ExportRow {
  key: string;
  record: EvaluationRecord;
}

export function exportRows(evaluations: readonly EvaluationRecord[], given?: readonly SpaceParameter[]): { rows: ExportRow[]; parameters: readonly SpaceParameter[]; skipped: number } {
  const parameters = given ?? parametersSeen(evaluations);
  const rows = new Map<string, ExportRow>();
  const faulted = new Set<string>();
  let skipped = 0;
  for (const record of evaluations) {
    if (record.origin !== "template" || record.status === "infra_error") {
      skipped++;
      continue;
    }
    const key = configKey(parameters, record.params);
    if (faulted.has(key)) continue;
    if (record.status !== "ok") faulted.add(key);
    rows.set(key, { key, record });
  }
  return { rows: [...rows.values()], parameters, skipped };
}

export function requireDevice(devices: readonly string[], device: string): void {
  if (!devices.includes(device)) fail("USAGE", `export: expected one of the campaign's devices (${devices.join(", ")}), received ${JSON.stringify(device)}`);
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
