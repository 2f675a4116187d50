// Shared by the store, report and replay tests: a real spec folder on disk and results shaped as the
// harness produces them.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { timingStats } from "../core/stats.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { EvalResult, Roofline, Variant } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import type { CampaignConfig } from "../results/types.ts";
import { loadSpec } from "../specs/load.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";

export const SPEC_JSON = {
  name: "vadd",
  description: "c = a + b",
  language: "c",
  source: "kernel.c",
  kernel: "vadd",
  arguments: [
    { name: "a", kind: "buffer", dtype: "float32", length: "N", intent: "in" },
    { name: "b", kind: "buffer", dtype: "float32", length: "N", intent: "in" },
    { name: "c", kind: "buffer", dtype: "float32", length: "N", intent: "out" },
    { name: "n", kind: "scalar", dtype: "int32", value: "N" },
  ],
  problem: { tune: { N: 1048576 } },
  parameters: { UNROLL: [1, 2, 4, 8], BLOCK: [16, 32, 64] },
  restrictions: ["UNROLL * BLOCK <= 256"],
  baseline: { UNROLL: 1, BLOCK: 16 },
  reference: { source: "reference.c", function: "vadd_ref" },
  bytes: "12 * N",
  flops: "N",
};

const KERNEL_C = `#include <stdint.h>
void vadd(const float *a, const float *b, float *c, int32_t n) {
  for (int32_t i = 0; i < n; i += UNROLL) for (int32_t u = 0; u < UNROLL && i + u < n; u++) c[i + u] = a[i + u] + b[i + u];
}
`;

const REFERENCE_C = `#include <stdint.h>
void vadd_ref(const float *a, const float *b, float *c, int32_t n) { for (int32_t i = 0; i < n; i++) c[i] = a[i] + b[i]; }
`;

export function writeSpecFolder(dir: string, json: object = SPEC_JSON): KernelSpec {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(json, null, 2));
  writeFileSync(join(dir, "kernel.c"), KERNEL_C);
  writeFileSync(join(dir, "reference.c"), REFERENCE_C);
  return loadSpec(dir);
}

export function variantOf(spec: KernelSpec, params: Params, source?: string): Variant {
  return makeVariant(spec, params, source === undefined ? {} : { source, origin: "model" });
}

const AT = "2026-01-01T00:00:00.000Z";

export function okResult(variant: Variant, device: string, samplesMs: number[], extra: { roofline?: Roofline; registers?: number } = {}): EvalResult {
  return {
    status: "ok",
    variantHash: variant.hash,
    device,
    startedAt: AT,
    finishedAt: AT,
    seed: 7,
    samplesMs,
    stats: timingStats(samplesMs),
    verification: { cases: [], inputsUnchanged: true, deterministic: true, definedSymbols: ["vadd"], calledSymbols: [] },
    ...(extra.roofline ? { roofline: extra.roofline } : {}),
    ...(extra.registers !== undefined
      ? { build: { compiledSourceHash: "0".repeat(64), command: ["gcc"], buildMs: 120, stats: { registersPerThread: extra.registers } } }
      : {}),
  };
}

export function compileError(variant: Variant, device: string): EvalResult {
  return { status: "compile_error", log: "kernel.c:2: error: expected ';'", variantHash: variant.hash, device, startedAt: AT, finishedAt: AT, seed: 7 };
}

export function rejected(variant: Variant, device: string): EvalResult {
  return { status: "rejected", reason: "impossible_time", detail: "median below the physics floor", variantHash: variant.hash, device, startedAt: AT, finishedAt: AT, seed: 7 };
}

export function infraError(variant: Variant, device: string): EvalResult {
  return { status: "infra_error", cause: "ssh connection reset", retryable: true, variantHash: variant.hash, device, startedAt: AT, finishedAt: AT, seed: 7 };
}

export function configFor(spec: KernelSpec, devices: string[]): CampaignConfig {
  return { specDir: spec.dir, specId: spec.id, specName: spec.name, devices, budget: 20, strategy: "random", seed: 42, batchSize: 2 };
}

export function cpuProfile(name: string): HardwareProfile {
  return {
    name,
    description: "test CPU",
    kind: "cpu",
    reach: { via: "local", builds: 2, timing: "exclusive" },
    cpu: {
      model: "Test CPU",
      cores: 2,
      threads: 2,
      cacheBytes: { l1d: 32768, l2: 1048576, l3: 0 },
      peakBandwidthGBs: 20,
      peakGflops: { float32: 100, float64: 50 },
      peakSource: "datasheet",
    },
    sources: [],
  };
}
