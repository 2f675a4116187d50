// T4 output files (the autotuning community's common result format): results[] with a configuration object,
// times.runtimes samples, times.compilation, an invalidity verdict and measurements (the objective value).

import { expectedReceived, fail } from "../core/errors.ts";
import type { Params, ParamValue } from "../specs/schema.ts";
import type { RawMeasurements } from "./kernel-tuner-cache.ts";
import { assignFinite, finiteOrUndefined, isRecord } from "./read-json.ts";
import { configKey } from "./search-space.ts";
import type { ReplayEntry, SpaceParameter } from "./types.ts";

export function isT4Output(raw: unknown): boolean {
  return isRecord(raw) && Array.isArray(raw.results) && "schema_version" in raw;
}

export function parseT4(raw: unknown, file: string): RawMeasurements {
  if (!isT4Output(raw)) fail("SPACE_INVALID", expectedReceived(file, "a T4 file with schema_version and results", raw));
  const doc = raw as { results: unknown[]; metadata?: unknown };
  const unit = isRecord(doc.metadata) && typeof doc.metadata.timeunit === "string" ? doc.metadata.timeunit : "milliseconds";
  // "miliseconds" is how the files in the wild spell it.
  const scale = /^mill?iseconds$/i.test(unit) ? 1 : /^microseconds$/i.test(unit) ? 1e-3 : /^seconds$/i.test(unit) ? 1e3 : undefined;
  if (scale === undefined) fail("SPACE_INVALID", expectedReceived(`${file}: metadata.timeunit`, "milliseconds, microseconds or seconds", unit));
  const names: string[] = [];
  const valueSets = new Map<string, Set<ParamValue>>();
  const entries: ReplayEntry[] = [];
  doc.results.forEach((r, i) => {
    const where = `${file}: results[${i}]`;
    if (!isRecord(r) || !isRecord(r.configuration)) fail("SPACE_INVALID", expectedReceived(where, "an object with a configuration", r));
    const config: Params = {};
    for (const [name, v] of Object.entries(r.configuration)) {
      if (typeof v !== "number" && typeof v !== "string") fail("SPACE_INVALID", expectedReceived(`${where}.configuration.${name}`, "a number or string", v));
      if (!valueSets.has(name)) {
        names.push(name);
        valueSets.set(name, new Set());
      }
      valueSets.get(name)!.add(v);
      config[name] = v;
    }
    const measurements = Array.isArray(r.measurements) ? r.measurements.filter(isRecord) : [];
    const time = measurements.find((m) => m.name === "time");
    const value = time ? finiteOrUndefined(time.value) : undefined;
    const entry: ReplayEntry = { config, value: null };
    if (r.invalidity === "correct" && value !== undefined) entry.value = value * scale;
    else entry.failure = typeof r.invalidity === "string" ? r.invalidity : "unknown";
    const times = isRecord(r.times) ? r.times : {};
    if (Array.isArray(times.runtimes) && times.runtimes.every((t) => typeof t === "number")) entry.samples = (times.runtimes as number[]).map((t) => t * scale);
    assignFinite(entry, { compileMs: times.compilation, frameworkMs: times.framework }, scale);
    entries.push(entry);
  });
  const parameters: SpaceParameter[] = names.map((name) => ({
    name,
    values: [...valueSets.get(name)!].sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b)))),
  }));
  const byKey = new Map<string, ReplayEntry>();
  for (const e of entries) byKey.set(configKey(parameters, e.config), e);
  return { kernelName: "unknown", device: "unknown", parameters, entries: byKey };
}
