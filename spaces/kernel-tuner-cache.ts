// Kernel Tuner cache files (.json or .json.gz): tune_params, tune_params_keys and a cache of entries keyed by
// the values joined by commas. A failed configuration stores a failure name in `time` instead of a number.

import { expectedReceived, fail } from "../core/errors.ts";
import type { Params, ParamValue } from "../specs/schema.ts";
import { assignFinite, finiteOrUndefined, isRecord } from "./read-json.ts";
import { configKey } from "./search-space.ts";
import type { ReplayEntry, SpaceParameter } from "./types.ts";

export interface RawMeasurements {
  kernelName: string;
  device: string;
  problemSize?: unknown;
  parameters: SpaceParameter[];
  entries: Map<string, ReplayEntry>;
}

const NON_METRICS = new Set(["time", "times", "compile_time", "benchmark_time", "verification_time", "framework_time", "strategy_time", "timestamp"]);

export function isKernelTunerCache(raw: unknown): boolean {
  return isRecord(raw) && isRecord(raw.cache) && Array.isArray(raw.tune_params_keys);
}

export function parseKernelTunerCache(raw: unknown, file: string): RawMeasurements {
  if (!isKernelTunerCache(raw)) fail("SPACE_INVALID", expectedReceived(file, "a Kernel Tuner cache with tune_params_keys, tune_params and cache", raw));
  const doc = raw as Record<string, unknown>;
  const keys = doc.tune_params_keys as unknown[];
  const tuneParams = doc.tune_params;
  if (!isRecord(tuneParams)) fail("SPACE_INVALID", expectedReceived(`${file}: tune_params`, "an object of value lists", tuneParams));
  const parameters: SpaceParameter[] = keys.map((name) => {
    const values = typeof name === "string" ? tuneParams[name] : undefined;
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === "number" || typeof v === "string")) {
      fail("SPACE_INVALID", expectedReceived(`${file}: tune_params[${JSON.stringify(name)}]`, "a non-empty list of numbers or strings", values));
    }
    return { name: name as string, values: values as ParamValue[] };
  });
  const entries = new Map<string, ReplayEntry>();
  for (const [rawKey, e] of Object.entries(doc.cache as Record<string, unknown>)) {
    if (!isRecord(e)) fail("SPACE_INVALID", expectedReceived(`${file}: cache[${JSON.stringify(rawKey)}]`, "an object", e));
    // Rebuild the key from the values so that keys written by Python (e.g. "1.0") match ours.
    const parts = rawKey.split(",");
    const config: Params = {};
    parameters.forEach((p, i) => {
      const v = e[p.name];
      if (typeof v === "number" || typeof v === "string") config[p.name] = v;
      else {
        const fromKey = parts[i];
        const match = p.values.find((x) => String(x) === fromKey || (typeof x === "number" && Number(fromKey) === x));
        if (match === undefined) fail("SPACE_INVALID", expectedReceived(`${file}: cache[${JSON.stringify(rawKey)}].${p.name}`, `one of ${JSON.stringify(p.values)}`, fromKey));
        config[p.name] = match;
      }
    });
    const time = e.time;
    let value: number | null;
    let failure: string | undefined;
    if (typeof time === "number" && Number.isFinite(time)) value = time;
    else if (typeof time === "string") {
      value = null;
      failure = time;
    } else fail("SPACE_INVALID", expectedReceived(`${file}: cache[${JSON.stringify(rawKey)}].time`, "a number (ms) or a failure name", time));
    const entry: ReplayEntry = { config, value };
    if (failure) entry.failure = failure;
    if (Array.isArray(e.times) && e.times.every((t) => typeof t === "number")) entry.samples = e.times as number[];
    assignFinite(entry, { compileMs: e.compile_time, benchmarkMs: e.benchmark_time, verificationMs: e.verification_time, frameworkMs: e.framework_time });
    const metrics: Record<string, number> = {};
    for (const [name, v] of Object.entries(e)) {
      if (NON_METRICS.has(name) || name in config) continue;
      const n = finiteOrUndefined(v);
      if (n !== undefined) metrics[name] = n;
    }
    if (Object.keys(metrics).length > 0) entry.metrics = metrics;
    entries.set(configKey(parameters, config), entry);
  }
  return {
    kernelName: typeof doc.kernel_name === "string" ? doc.kernel_name : "unknown",
    device: typeof doc.device_name === "string" ? doc.device_name : "unknown",
    problemSize: doc.problem_size,
    parameters,
    entries,
  };
}
