// A kernel spec made from a tuning-space file alone (a T1 file: parameters, restrictions, the kernel's
// name), for campaigns on replay devices: the recorded data answers for every configuration, so there
// is no source to build and nothing to verify. Such a spec cannot run on a real device.
//
// The T1 file describes the space its authors defined; a recorded data file may vary fewer values (a
// parameter fixed at one value, or absent because it was a constant). The spec therefore keeps, for each
// parameter, the values every device's data holds; a parameter absent from the data stays only if the
// T1 file gives it a single value (a constant the restrictions may read). Anything else is a mismatch
// between the two files and fails at start-up, not as a replay miss in the middle of the night.

import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { describeValue, fail, isNightshiftError } from "../core/errors.ts";
import { FILE_KINDS, readFileOrFail } from "../core/read-file.ts";
import { formatZodIssue } from "../core/zod-issue.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { checkSpecSemantics, loadSpec } from "../specs/load.ts";
import { kernelSpecSchema, type KernelSpec, type Params, type ParamValue } from "../specs/schema.ts";
import { loadReplayData } from "./load.ts";
import { isRecord, readJsonFile } from "./read-json.ts";
import { spaceFromSpec } from "./search-space.ts";
import { parseT1 } from "./t1.ts";
import type { ReplayData } from "./types.ts";

/** Its source stands in for a kernel that is never compiled; its hash keeps variants of one space apart. */
const NO_SOURCE = "/* tuning-space spec: answered from recorded data, never compiled */\n";

/** True for a JSON file holding a T1 ConfigurationSpace (a kernel.json never has one). */
export function isSpaceFile(path: string): boolean {
  const full = resolve(path);
  if (!existsSync(full) || statSync(full).isDirectory() || !/\.json(\.gz)?$/.test(full)) return false;
  try {
    const raw = readJsonFile(full);
    return isRecord(raw) && isRecord(raw.ConfigurationSpace);
  } catch (error) {
    // Not readable as JSON: the spec loader reports that in its own terms.
    if (isNightshiftError(error)) return false;
    throw error;
  }
}

/**
 * The spec of a campaign: a spec folder (or kernel.json) as always, or a T1 file, which needs the
 * campaign's devices because only replay devices can answer for it.
 */
export function loadSpecOrSpace(path: string, profiles: readonly HardwareProfile[]): KernelSpec {
  if (!isSpaceFile(path)) return loadSpec(path);
  const real = profiles.filter((p) => p.reach.via !== "replay");
  if (real.length > 0) {
    fail(
      "USAGE",
      `${path}: a tuning-space file has no kernel source, so it expected replay devices only (--device replay:<file>), received ${real.map((p) => `${p.name} (${p.reach.via})`).join(", ")}`,
    );
  }
  const data = profiles.map((p) => {
    const reach = p.reach as Extract<HardwareProfile["reach"], { via: "replay" }>;
    // As the replay runner reads it: a profile file's data path is relative to that file.
    return loadReplayData(isAbsolute(reach.file) || !p.file ? resolve(reach.file) : resolve(dirname(p.file), reach.file));
  });
  return specFromSpaceFile(path, data);
}

/** Builds the spec of a T1 file, narrowed to the values the given replay data hold. */
export function specFromSpaceFile(path: string, data: readonly ReplayData[]): KernelSpec {
  const file = resolve(path);
  const raw = readJsonFile(file);
  const t1 = parseT1(raw, file);
  const parameters: Record<string, ParamValue[]> = {};
  for (const p of t1.parameters) {
    let values = [...p.values];
    for (const d of data) {
      const recorded = d.parameters.find((q) => q.name === p.name);
      if (recorded === undefined) {
        if (values.length > 1) {
          fail("SPACE_INVALID", `${file}: parameter ${p.name}: expected it in ${d.file} or a single value in the T1 file, received ${describeValue(p.values)} and no such key in the data`);
        }
        continue;
      }
      values = values.filter((v) => recorded.values.some((r) => String(r) === String(v)));
      if (values.length === 0) {
        fail("SPACE_INVALID", `${file}: parameter ${p.name}: expected values shared with ${d.file} (${describeValue(recorded.values)}), received ${describeValue(p.values)}`);
      }
    }
    parameters[p.name] = values;
  }
  for (const d of data) {
    const unknown = d.parameters.filter((q) => !(q.name in parameters)).map((q) => q.name);
    if (unknown.length > 0) fail("SPACE_INVALID", `${file}: expected every parameter of ${d.file} in the T1 file, received none for ${unknown.join(", ")}`);
  }
  const kernel = isRecord(raw) && isRecord(raw.KernelSpecification) ? raw.KernelSpecification : {};
  const sizes = Array.isArray(kernel.ProblemSize) ? kernel.ProblemSize : [];
  const size = typeof sizes[0] === "number" && Number.isInteger(sizes[0]) && sizes[0] > 0 ? sizes[0] : 1;
  const name = (t1.kernelName ?? t1.name).replace(/[^A-Za-z0-9_]/g, "_").replace(/^(?=\d)/, "k");
  const shape = {
    name,
    description: `Tuning space of ${file}; replay devices only.`,
    language: kernel.Language === "CUDA" ? "cuda" : "c",
    source: "(none)",
    kernel: name,
    // The harness never runs: one output buffer satisfies the schema, and the launch is never used.
    arguments: [{ name: "out", kind: "buffer", dtype: "float32", length: "1", intent: "out" }],
    problem: { tune: { PROBLEM_SIZE: size } },
    parameters,
    restrictions: t1.restrictions,
    baseline: defaults(raw, parameters),
    reference: { source: "(none)", function: "reference" },
    bytes: "0",
    flops: "0",
    ...(kernel.Language === "CUDA" ? { launch: { grid: ["1", "1", "1"], block: ["1", "1", "1"] } } : {}),
  };
  const parsed = kernelSpecSchema.safeParse(shape);
  if (!parsed.success) fail("SPEC_INVALID", formatZodIssue(parsed.error, shape, file));
  checkSpecSemantics(parsed.data);
  const bytes = readFileOrFail(file, FILE_KINDS.tuningData, "SPACE_INVALID", "spec");
  const id = `${name}-${createHash("sha256").update(bytes).update(JSON.stringify(parameters)).digest("hex").slice(0, 12)}`;
  const spec: KernelSpec = { ...parsed.data, dir: file, id, templateSource: NO_SOURCE, referenceSource: "", librarySources: {}, spaceFile: file };
  return { ...spec, baseline: measurableBaseline(spec, data) };
}

/** The T1 defaults where they are allowed values; the first allowed value otherwise. */
function defaults(raw: unknown, parameters: Record<string, ParamValue[]>): Params {
  const space = isRecord(raw) && isRecord(raw.ConfigurationSpace) && Array.isArray(raw.ConfigurationSpace.TuningParameters) ? raw.ConfigurationSpace.TuningParameters : [];
  const out: Params = {};
  for (const [name, values] of Object.entries(parameters)) {
    const entry = space.find((p) => isRecord(p) && p.Name === name) as Record<string, unknown> | undefined;
    const given = Array.isArray(entry?.Default) ? entry.Default[0] : entry?.Default;
    out[name] = values.find((v) => String(v) === String(given)) ?? values[0]!;
  }
  return out;
}

/** The defaults when they satisfy the restrictions and every device recorded them; else the first configuration that does. */
function measurableBaseline(spec: KernelSpec, data: readonly ReplayData[]): Params {
  const space = spaceFromSpec(spec);
  const recorded = (params: Params): boolean =>
    data.every((d) => d.entries.get(d.space.key(Object.fromEntries(d.parameters.map((p) => [p.name, params[p.name]!])))) !== undefined);
  if (space.isValid(spec.baseline) && recorded(spec.baseline)) return spec.baseline;
  const found = space.validConfigs().find(recorded);
  if (found === undefined) fail("SPACE_INVALID", `${spec.spaceFile}: expected at least one configuration allowed by its restrictions and recorded on every device, received none`);
  return found;
}
