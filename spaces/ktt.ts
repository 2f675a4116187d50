// KTT (Kernel Tuning Toolkit) output files: Results[] each with a Configuration (Name/Value pairs), a Status and
// ComputationResults with Duration (in the Metadata.TimeUnit, microseconds by default) and CompilationData.

import { expectedReceived, fail } from "../core/errors.ts";
import type { Params, ParamValue } from "../specs/schema.ts";
import type { RawMeasurements } from "./kernel-tuner-cache.ts";
import { assignFinite, finiteOrUndefined, isRecord } from "./read-json.ts";
import { configKey } from "./search-space.ts";
import type { ReplayEntry, SpaceParameter } from "./types.ts";

const UNIT_TO_MS: Record<string, number> = { Nanoseconds: 1e-6, Microseconds: 1e-3, Milliseconds: 1, Seconds: 1e3 };

export function isKttOutput(raw: unknown): boolean {
  return isRecord(raw) && isRecord(raw.Metadata) && Array.isArray(raw.Results);
}

export function parseKtt(raw: unknown, file: string): RawMeasurements {
  if (!isKttOutput(raw)) fail("SPACE_INVALID", expectedReceived(file, "a KTT output with Metadata and Results", raw));
  const doc = raw as { Metadata: Record<string, unknown>; Results: unknown[] };
  const unit = typeof doc.Metadata.TimeUnit === "string" ? doc.Metadata.TimeUnit : "Microseconds";
  const scale = UNIT_TO_MS[unit];
  if (scale === undefined) fail("SPACE_INVALID", expectedReceived(`${file}: Metadata.TimeUnit`, Object.keys(UNIT_TO_MS).join(" | "), unit));
  const names: string[] = [];
  const valueSets = new Map<string, Set<ParamValue>>();
  const rows: Array<{ config: Params; entry: Omit<ReplayEntry, "config"> }> = [];
  doc.Results.forEach((r, i) => {
    const where = `${file}: Results[${i}]`;
    if (!isRecord(r) || !Array.isArray(r.Configuration)) fail("SPACE_INVALID", expectedReceived(where, "an object with a Configuration list", r));
    const config: Params = {};
    for (const pair of r.Configuration) {
      if (!isRecord(pair) || typeof pair.Name !== "string" || (typeof pair.Value !== "number" && typeof pair.Value !== "string")) {
        fail("SPACE_INVALID", expectedReceived(`${where}.Configuration`, "Name/Value pairs", pair));
      }
      if (!valueSets.has(pair.Name)) {
        names.push(pair.Name);
        valueSets.set(pair.Name, new Set());
      }
      valueSets.get(pair.Name)!.add(pair.Value);
      config[pair.Name] = pair.Value;
    }
    const results = Array.isArray(r.ComputationResults) ? r.ComputationResults.filter(isRecord) : [];
    const ok = r.Status === "Ok";
    // A configuration may launch several kernels; its time is the sum of their durations.
    const durations = results.map((c) => finiteOrUndefined(c.Duration));
    const entry: Omit<ReplayEntry, "config"> = { value: null };
    if (ok && durations.length > 0 && durations.every((d) => d !== undefined)) {
      entry.value = (durations as number[]).reduce((a, b) => a + b, 0) * scale;
    } else {
      entry.failure = typeof r.Status === "string" && r.Status !== "Ok" ? r.Status : "NoDuration";
    }
    const compilation = results[0] && isRecord(results[0].CompilationData) ? results[0].CompilationData : undefined;
    if (compilation) {
      assignFinite(entry, {
        registers: compilation.RegistersCount,
        localMemoryBytes: compilation.LocalMemorySize,
        constantMemoryBytes: compilation.ConstantMemorySize,
        privateMemoryBytes: compilation.PrivateMemorySize,
      });
    }
    assignFinite(entry, { frameworkMs: r.TotalOverhead }, scale);
    rows.push({ config, entry });
  });
  const parameters: SpaceParameter[] = names.map((name) => ({
    name,
    values: [...valueSets.get(name)!].sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b)))),
  }));
  const entries = new Map<string, ReplayEntry>();
  for (const { config, entry } of rows) {
    for (const p of parameters) if (config[p.name] === undefined) fail("SPACE_INVALID", expectedReceived(`${file}: a configuration`, `a value for "${p.name}"`, config));
    entries.set(configKey(parameters, config), { config, ...entry });
  }
  return {
    kernelName: isRecord(doc.Results[0]) && typeof doc.Results[0].KernelName === "string" ? doc.Results[0].KernelName : "unknown",
    device: typeof doc.Metadata.Device === "string" ? doc.Metadata.Device : "unknown",
    parameters,
    entries,
  };
}
