// One entry point for measured tuning data: detects the file format from its content and, given a T1 file,
// applies its restrictions so that the search space is the one the kernel's authors defined.

import { expectedReceived, fail } from "../core/errors.ts";
import { isKernelTunerCache, parseKernelTunerCache, type RawMeasurements } from "./kernel-tuner-cache.ts";
import { isKttOutput, parseKtt } from "./ktt.ts";
import { readJsonFile } from "./read-json.ts";
import { spaceFromConfigs, spaceFromParameters } from "./search-space.ts";
import { loadT1 } from "./t1.ts";
import { isT4Output, parseT4 } from "./t4.ts";
import type { ReplayData, ReplayFormat, SearchSpace } from "./types.ts";

export function loadReplayData(file: string, t1File?: string): ReplayData {
  const raw = readJsonFile(file);
  let format: ReplayFormat;
  let data: RawMeasurements;
  if (isKernelTunerCache(raw)) {
    format = "kernel-tuner-cache";
    data = parseKernelTunerCache(raw, file);
  } else if (isKttOutput(raw)) {
    format = "ktt";
    data = parseKtt(raw, file);
  } else if (isT4Output(raw)) {
    format = "t4";
    data = parseT4(raw, file);
  } else {
    return fail("SPACE_INVALID", expectedReceived(file, "a Kernel Tuner cache, a KTT output or a T4 file", raw));
  }
  checkTimes(data, file);
  let restrictions: string[] = [];
  const constants: Record<string, number> = {};
  let space: SearchSpace;
  if (t1File) {
    const t1 = loadT1(t1File);
    restrictions = t1.restrictions;
    const names = new Set(data.parameters.map((p) => p.name));
    // T1 parameters the data never varies (one value) may still appear in restrictions.
    for (const p of t1.parameters) {
      if (!names.has(p.name) && p.values.length === 1 && typeof p.values[0] === "number") constants[p.name] = p.values[0];
    }
    space = spaceFromParameters(data.parameters, restrictions, constants);
  } else {
    space = spaceFromConfigs(data.parameters, [...data.entries.values()].map((e) => e.config));
  }
  return {
    file,
    format,
    kernelName: data.kernelName,
    device: data.device,
    problemSize: data.problemSize,
    parameters: data.parameters,
    restrictions,
    constants,
    entries: data.entries,
    objective: { name: "time", direction: "min", unit: "ms" },
    space,
  };
}

/**
 * Every recorded time, and every sample of one, is a positive number of milliseconds: a zero or negative time
 * would be the best configuration of the space and the optimum every score is measured against.
 */
function checkTimes(data: RawMeasurements, file: string): void {
  for (const [key, entry] of data.entries) {
    if (entry.value !== null && !(entry.value > 0)) fail("SPACE_INVALID", expectedReceived(`${file}: the time of configuration ${key}`, "a positive number of milliseconds or a failure", entry.value));
    const bad = entry.samples?.find((t) => !(Number.isFinite(t) && t > 0));
    if (bad !== undefined) fail("SPACE_INVALID", expectedReceived(`${file}: the samples of configuration ${key}`, "positive numbers of milliseconds", bad));
  }
}
