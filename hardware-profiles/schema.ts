// A hardware profile: what a device is (limits and peaks, with sources) and how it is reached.
// Profiles are data files (*.json beside this file); `local` is detected at run time (detect-local.ts).

import { z } from "zod";

const positive = z.number().positive();
const count = z.number().int().positive();
/**
 * Whether builds pause while a variant is timed on the device (exclusive) or continue beside it (overlap).
 * Exclusive by default: measured on a 2-core machine, a compiler beside the timed kernel widens its timing
 * noise (docs/bench-timing-policy.md). Overlap suits devices whose builds run on other cores or nodes.
 */
const timingPolicy = z.enum(["exclusive", "overlap"]).default("exclusive");
/** A remote device's parallel build slots, timing slots and timing policy. */
const slots = { builds: count.default(2), runs: count.default(1), timing: timingPolicy };

export const sshReachSchema = z.strictObject({
  via: z.literal("ssh"),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1),
  identityFile: z.string().min(1),
  /** Environment variable holding the key's passphrase (the passphrase itself never sits in a file). */
  passphraseEnv: z.string().optional(),
  /** "SHA256:..." as printed by ssh-keygen -lf, or a known_hosts file. One of the two is required. */
  hostKeySha256: z.string().regex(/^SHA256:[A-Za-z0-9+/]+$/).optional(),
  knownHostsFile: z.string().optional(),
  workDir: z.string().min(1).default("/tmp/nightshift"),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  ...slots,
  /** At most ten minutes: it becomes a timer, and a longer wait for a connection is a hang. */
  connectTimeoutMs: count.max(600_000).default(10_000),
});

export const slurmReachSchema = z.strictObject({
  via: z.literal("slurm"),
  partition: z.string().min(1),
  account: z.string().optional(),
  gpusPerJob: z.number().int().nonnegative().default(0),
  /** Slurm time limit per job, e.g. "00:10:00". */
  timeLimit: z.string().regex(/^(\d+-)?\d{1,2}:\d{2}(:\d{2})?$/).default("00:10:00"),
  /** Shared directory visible to the submitting host and the compute nodes. */
  workDir: z.string().min(1),
  /** When present, sbatch/squeue/scancel run on this login node over SSH; otherwise locally. */
  login: sshReachSchema.omit({ via: true, timing: true }).optional(),
  ...slots,
  pollIntervalMs: count.max(600_000).default(500),
});

export const replayReachSchema = z.strictObject({
  via: z.literal("replay"),
  /** A Kernel Tuner cache file (.json or .json.gz) or a KTT output file, relative to the profile file. */
  file: z.string().min(1),
  /** Optional T1 file whose restrictions define the valid space. */
  t1File: z.string().optional(),
  /** Draw one recorded sample instead of the mean (so wins below the noise do not count). */
  noisy: z.boolean().default(false),
});

export const localReachSchema = z.strictObject({ via: z.literal("local"), builds: count.default(2), timing: timingPolicy });

export const reachSchema = z.discriminatedUnion("via", [localReachSchema, sshReachSchema, slurmReachSchema, replayReachSchema]);
export type Reach = z.infer<typeof reachSchema>;
export type SshReach = z.infer<typeof sshReachSchema>;
export type SlurmReach = z.infer<typeof slurmReachSchema>;
export type ReplayReach = z.infer<typeof replayReachSchema>;

export const cpuSchema = z.strictObject({
  model: z.string(),
  cores: count,
  threads: count,
  cacheBytes: z.strictObject({ l1d: count, l2: count, l3: z.number().int().nonnegative() }),
  /** Upper bounds: a measured time implying more than these is physically impossible. */
  peakBandwidthGBs: positive,
  peakGflops: z.strictObject({ float32: positive, float64: positive }),
  /** How the peaks were obtained (calibration, datasheet). */
  peakSource: z.string(),
});

export const gpuSchema = z.strictObject({
  vendor: z.enum(["nvidia", "amd"]),
  model: z.string(),
  /** nvcc -arch value, e.g. sm_90. */
  arch: z.string().regex(/^sm_\d+[a-z]?$/),
  computeCapability: z.string().regex(/^\d+\.\d+$/),
  smCount: count,
  warpSize: count,
  maxThreadsPerBlock: count,
  maxThreadsPerSM: count,
  maxWarpsPerSM: count,
  maxBlocksPerSM: count,
  registersPerSM: count,
  maxRegistersPerThread: count,
  maxRegistersPerBlock: count,
  /** Registers are allocated per warp in units of this many. */
  registerAllocationUnit: count,
  sharedMemoryPerSMBytes: count,
  maxSharedMemoryPerBlockBytes: count,
  /** Opt-in maximum with cudaFuncAttributeMaxDynamicSharedMemorySize. */
  maxSharedMemoryPerBlockOptinBytes: count,
  sharedMemoryAllocationUnitBytes: count,
  /** Shared memory the driver reserves per block (1 KiB on sm_80+). */
  reservedSharedMemoryPerBlockBytes: z.number().int().nonnegative(),
  l2CacheBytes: count,
  memoryBytes: count,
  memoryBandwidthGBs: positive,
  /** Peak dense throughput per dtype in TFLOP/s (float32 = FP32 CUDA cores, non-tensor). */
  peakTflops: z.record(z.string(), positive),
  boostClockMHz: positive.optional(),
});

export const hardwareProfileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  description: z.string().default(""),
  kind: z.enum(["cpu", "gpu"]),
  reach: reachSchema,
  cpu: cpuSchema.optional(),
  gpu: gpuSchema.optional(),
  /** Where the numbers come from: datasheets, whitepapers, measurements. */
  sources: z.array(z.string()).default([]),
});

export type HardwareProfileFile = z.infer<typeof hardwareProfileSchema>;
export type CpuInfo = z.infer<typeof cpuSchema>;
export type GpuInfo = z.infer<typeof gpuSchema>;

/** A validated profile. `file` is where it came from (undefined for the detected local profile). */
export type HardwareProfile = HardwareProfileFile & { readonly file?: string };
