// A tiny C kernel spec and device profiles for the remote runner tests: the kernel is cheap to build and
// run, HANG=1 makes it spin forever (for timeout tests), and the profile's peaks are generous upper bounds.

import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { hardwareProfileSchema, type HardwareProfile } from "../hardware-profiles/schema.ts";
import { loadSpec } from "../specs/load.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { tempDir } from "./procs.ts";
import type { SshdFixture } from "./sshd.ts";

const KERNEL = `#include <stdint.h>
#ifndef UNROLL
#define UNROLL 1
#endif
#ifndef HANG
#define HANG 0
#endif
#ifndef UNROLL_HANGS
#define UNROLL_HANGS 0
#endif
#ifndef BIAS
#define BIAS 0
#endif
#define STR(x) #x
#define UNROLL_PRAGMA(n) _Pragma(STR(GCC unroll n))
void scale(int32_t n, const float *x, float *out) {
  if (HANG || (UNROLL_HANGS && UNROLL == UNROLL_HANGS)) { volatile int spin = 1; while (spin) { } }
  UNROLL_PRAGMA(UNROLL)
  for (int32_t i = 0; i < n; i++) out[i] = 2.0f * x[i] + (float)BIAS * 0.0f;
}
`;

const REFERENCE = `#include <stdint.h>
void scale_reference(int32_t n, const float *x, float *out) {
  for (int32_t i = 0; i < n; i++) out[i] = 2.0f * x[i];
}
`;

export interface TinySpecOptions {
  n?: number;
  repetitions?: number;
  timeLimitSeconds?: number;
  parameters?: Record<string, number[]>;
  baseline?: Record<string, number>;
  /** The kernel spins forever when UNROLL equals this value. */
  unrollHangs?: number;
  /** Bytes of comment added to the kernel source (to make its upload take a while). */
  padBytes?: number;
}

export function tinySpec(options: TinySpecOptions = {}): KernelSpec {
  const dir = tempDir("nightshift-spec-");
  const pad = options.padBytes ? `/* ${"x".repeat(options.padBytes)} */\n` : "";
  const hang = options.unrollHangs ? `#define UNROLL_HANGS ${options.unrollHangs}\n` : "";
  writeFileSync(join(dir, "scale.c"), pad + hang + KERNEL);
  writeFileSync(join(dir, "reference.c"), REFERENCE);
  writeFileSync(
    join(dir, "kernel.json"),
    JSON.stringify({
      name: "scale",
      language: "c",
      source: "scale.c",
      kernel: "scale",
      arguments: [
        { name: "n", kind: "scalar", dtype: "int32", value: "N" },
        { name: "x", kind: "buffer", dtype: "float32", length: "N", intent: "in" },
        { name: "out", kind: "buffer", dtype: "float32", length: "N", intent: "out" },
      ],
      problem: { tune: { N: options.n ?? 4096 }, verify: [{ N: 37 }] },
      parameters: options.parameters ?? { UNROLL: [1, 2, 4, 8], BIAS: [0, 1, 2], HANG: [0, 1] },
      baseline: options.baseline ?? { UNROLL: 1, BIAS: 0, HANG: 0 },
      build: { flags: ["-O2"] },
      reference: { source: "reference.c", function: "scale_reference" },
      bytes: "8 * N",
      flops: "N",
      timing: { warmup: 1, repetitions: options.repetitions ?? 5, timeLimitSeconds: options.timeLimitSeconds ?? 3, memoryLimitMb: 512 },
    }),
  );
  return loadSpec(dir);
}

const CPU = {
  model: "test cpu",
  cores: availableParallelism(),
  threads: availableParallelism(),
  cacheBytes: { l1d: 32768, l2: 1 << 20, l3: 32 << 20 },
  peakBandwidthGBs: 10_000,
  peakGflops: { float32: 100_000, float64: 50_000 },
  peakSource: "test upper bound",
};

export function sshProfile(sshd: SshdFixture, name = "ssh-test", reach: Record<string, unknown> = {}): HardwareProfile {
  return hardwareProfileSchema.parse({
    name,
    kind: "cpu",
    cpu: CPU,
    reach: {
      via: "ssh",
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      identityFile: sshd.identityFile,
      hostKeySha256: sshd.hostKeySha256,
      workDir: sshd.workDir,
      connectTimeoutMs: 3_000,
      builds: 2,
      runs: 1,
      ...reach,
    },
  });
}

export function slurmProfile(workDir: string, partition: string, name = "slurm-test"): HardwareProfile {
  return hardwareProfileSchema.parse({ name, kind: "cpu", cpu: CPU, reach: { via: "slurm", partition, workDir, pollIntervalMs: 100, builds: 2, runs: 1 } });
}

/** Writes a profile as a file, for code that loads devices by path (the campaign, the CLI). */
export function writeProfile(profile: HardwareProfile, dir = tempDir("nightshift-profile-")): string {
  const file = join(dir, `${profile.name}.json`);
  const { file: _ignored, ...data } = profile;
  writeFileSync(file, JSON.stringify(data, null, 2));
  return file;
}
