// Shared by the harness, local runner and measure tests: the saxpy fixture spec, a local profile with
// generous peaks (so the physics floor never trips on a fast machine), and cheat sources by name.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { Variant } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { loadSpec } from "../specs/load.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";

export const FIXTURES = join(fileURLToPath(new URL(".", import.meta.url)), "fixtures");
export const SAXPY_DIR = join(FIXTURES, "saxpy");
export const ROW_SCALE_DIR = join(FIXTURES, "row-scale");
export const CHEATS_DIR = join(FIXTURES, "cheats");

export function testProfile(builds = 2): HardwareProfile {
  return {
    name: "test-local",
    description: "this machine, with peaks far above anything it can reach",
    kind: "cpu",
    reach: { via: "local", builds, timing: "exclusive" },
    sources: [],
    cpu: {
      model: "test",
      cores: 2,
      threads: 2,
      cacheBytes: { l1d: 32 * 1024, l2: 1024 * 1024, l3: 4 * 1024 * 1024 },
      peakBandwidthGBs: 100_000,
      peakGflops: { float32: 1_000_000, float64: 500_000 },
      peakSource: "test fixture",
    },
  };
}

export function saxpySpec(overrides: Partial<KernelSpec> = {}): KernelSpec {
  return { ...loadSpec(SAXPY_DIR), ...overrides };
}

/** float64 inout matrix, int32 output, a declared input range: the dtypes and intents saxpy does not cover. */
export function rowScaleSpec(overrides: Partial<KernelSpec> = {}): KernelSpec {
  return { ...loadSpec(ROW_SCALE_DIR), ...overrides };
}

export function cheatSource(name: string): string {
  return readFileSync(join(CHEATS_DIR, `${name}.c`), "utf8");
}

export function cheatVariant(spec: KernelSpec, name: string, params: Params = {}): Variant {
  return makeVariant(spec, params, { source: cheatSource(name) });
}
