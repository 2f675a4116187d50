// Replay devices over the real brute-forced spaces in data/spaces (provenance in its README), and spec folders
// whose parameters match those spaces' tune_params.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { hardwareProfileSchema, type HardwareProfile } from "../hardware-profiles/schema.ts";
import { loadSpec } from "../specs/load.ts";
import type { KernelSpec, ParamValue } from "../specs/schema.ts";

export const SPACES = join(dirname(fileURLToPath(import.meta.url)), "..", "data", "spaces");
export const PNPOLY = join(SPACES, "pnpoly/RTX_3090.json.gz");
export const CONVOLUTION = join(SPACES, "convolution/A100.json.gz");
export const KTT_PNPOLY = join(SPACES, "ktt/KTPnpolyOutput_3090.json.gz");

export function replayProfile(name: string, file: string, noisy = false): HardwareProfile {
  return hardwareProfileSchema.parse({ name, kind: "gpu", reach: { via: "replay", file, noisy } });
}

export function readCache(file: string): { tune_params_keys: string[]; tune_params: Record<string, ParamValue[]>; cache: Record<string, Record<string, unknown>> } {
  return JSON.parse(gunzipSync(readFileSync(file)).toString("utf8"));
}

/** A CUDA spec folder whose parameters are exactly the given ones (replay never compiles its source). */
export function replaySpecFolder(dir: string, name: string, parameters: Record<string, ParamValue[]>): KernelSpec {
  mkdirSync(dir, { recursive: true });
  const baseline = Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, v[0]!]));
  writeFileSync(
    join(dir, "kernel.json"),
    JSON.stringify({
      name,
      language: "cuda",
      source: "kernel.cu",
      kernel: name,
      arguments: [{ name: "out", kind: "buffer", dtype: "float32", length: "N", intent: "out" }],
      problem: { tune: { N: 1024 } },
      parameters,
      baseline,
      reference: { source: "reference.c", function: `${name}_reference` },
      bytes: "4 * N",
      flops: "N",
      launch: { grid: ["1", "1", "1"], block: ["32", "1", "1"] },
    }),
  );
  writeFileSync(join(dir, "kernel.cu"), `__global__ void ${name}(float *out) {}\n`);
  writeFileSync(join(dir, "reference.c"), `void ${name}_reference(float *out) { (void)out; }\n`);
  return loadSpec(dir);
}
