// The build-and-run plan of one variant as plain data: which cases run (sizes x distributions), the
// concrete buffer lengths and scalar values of each, the timing settings, and every command line.
// The C generators (harness/c/) and the pipeline (runners/pipeline.ts) both read this, so what is
// generated, what is built and what is interpreted cannot drift apart.

import { compileExpr } from "../core/expr.ts";
import { fail } from "../core/errors.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { compilerFlags, defineFlags } from "./variant.ts";
import { DEFAULT_TOLERANCES, type Dtype, type KernelSpec, type Params, type ProblemSize, type Tolerance } from "../specs/schema.ts";

/** Distributions the cases rotate through for buffers declared "mixed". */
export const CASE_DISTRIBUTIONS = ["uniform", "normal", "heavy_tailed"] as const;
export type CaseDistribution = (typeof CASE_DISTRIBUTIONS)[number];
/** Every problem size is verified with this many seeds (each with the next distribution in the rotation). */
export const CASES_PER_SIZE = 2;

export const DISTRIBUTION_CODES = { uniform: 0, normal: 1, heavy_tailed: 2, positive: 3, small_int: 4 } as const;
export type DistributionName = keyof typeof DISTRIBUTION_CODES;

export interface PlannedBuffer {
  name: string;
  dtype: Dtype;
  intent: "in" | "out" | "inout";
  /** The buffer's declared distribution ("mixed" follows the case). */
  distribution: "mixed" | DistributionName;
  range?: [number, number];
  /** Index among the kernel's buffers: selects the buffer's random stream. */
  bufferIndex: number;
  argIndex: number;
}

export interface PlannedScalar {
  name: string;
  dtype: Dtype;
  argIndex: number;
}

export interface PlannedCase {
  index: number;
  /** "verify" cases are checked call by call; "timing_a"/"timing_b" are the two rotating timing input sets. */
  role: "verify" | "timing_a" | "timing_b";
  size: ProblemSize;
  /** What "mixed" input buffers draw from in this case. */
  distribution: CaseDistribution;
  /** What the inputs were actually drawn from: one name, or name:distribution per input when they differ. */
  label: string;
  /** Element count per buffer, in `buffers` order. */
  lengths: number[];
  /** Value per scalar, in `scalars` order. */
  scalarValues: number[];
}

export interface BuildCommands {
  compileVariant: string[];
  listSymbols: string[];
  compileHarness: string[];
  link: string[];
  buildReference: string[];
}

export interface HarnessPlan {
  kernel: string;
  referenceFunction: string;
  buffers: PlannedBuffer[];
  scalars: PlannedScalar[];
  /** Argument order of the kernel call: ("buffer" | "scalar", index into buffers/scalars). */
  callOrder: Array<{ kind: "buffer" | "scalar"; index: number }>;
  cases: PlannedCase[];
  warmup: number;
  repetitions: number;
  /** Bytes written between timed repetitions to evict the last-level cache. */
  flushBytes: number;
  /** OpenMP keeps a thread pool alive after the first parallel region; that one-time growth is not a leak. */
  allowsPersistentThreadPool: boolean;
  tolerances: Record<Dtype, Tolerance>;
  commands: BuildCommands;
  /** Wall-time limits (ms) for the variant run, the reference run and each build step. */
  limits: { variantMs: number; referenceMs: number; buildMs: number; memoryMb: number };
}

export const FILES = {
  variantSource: "variant.c",
  variantObject: "variant.o",
  harnessSource: "harness.c",
  harnessObject: "harness.o",
  variantBinary: "variant_bin",
  referenceSource: "reference.c",
  compareSource: "compare.c",
  compareBinary: "compare_bin",
  samples: "samples.bin",
  harnessReport: "harness.json",
  progress: "progress.log",
  verdict: "verdict.json",
} as const;

const HARNESS_CFLAGS = ["-O2", "-std=gnu11", "-fno-fast-math"];
const DEFAULT_FLUSH_BYTES = 64 * 1024 * 1024;
const BUILD_LIMIT_MS = 120_000;

export function dumpName(caseIndex: number, buffer: string, what: "1" | "2" | "in"): string {
  return `c${caseIndex}_${buffer}_${what}.bin`;
}
export function timedDumpName(buffer: string): string {
  return `timed_${buffer}.bin`;
}

/** Twice the last-level cache (so a write sweep evicts it), bounded to keep flushing cheap. */
export function flushBytesFor(device: HardwareProfile): number {
  const cpu = device.cpu;
  if (!cpu) return DEFAULT_FLUSH_BYTES;
  const llc = cpu.cacheBytes.l3 > 0 ? cpu.cacheBytes.l3 : cpu.cacheBytes.l2;
  return Math.min(Math.max(2 * llc, 1 << 20), 512 * 1024 * 1024);
}

function evaluateCount(expr: string, size: ProblemSize, where: string): number {
  const value = compileExpr(expr, Object.keys(size), where).evaluateNumber(size);
  if (!Number.isInteger(value) || value <= 0) fail("SPEC_INVALID", `${where}: expected a positive whole number of elements, received ${value} for size ${JSON.stringify(size)}`);
  return value;
}

export function makeHarnessPlan(spec: KernelSpec, params: Params, device: HardwareProfile): HarnessPlan {
  if (spec.language !== "c") fail("INTERNAL", `the C harness plans C kernels only, received a ${spec.language} spec`);
  const buffers: PlannedBuffer[] = [];
  const scalars: PlannedScalar[] = [];
  const callOrder: HarnessPlan["callOrder"] = [];
  spec.arguments.forEach((arg, argIndex) => {
    if (arg.kind === "buffer") {
      callOrder.push({ kind: "buffer", index: buffers.length });
      buffers.push({ name: arg.name, dtype: arg.dtype, intent: arg.intent, distribution: arg.distribution, range: arg.range, bufferIndex: buffers.length, argIndex });
    } else {
      callOrder.push({ kind: "scalar", index: scalars.length });
      scalars.push({ name: arg.name, dtype: arg.dtype, argIndex });
    }
  });

  const inputs = buffers.filter((b) => b.intent !== "out");
  const labelFor = (distribution: CaseDistribution): string => {
    const drawn = inputs.map((b) => (b.distribution === "mixed" ? distribution : b.distribution));
    return new Set(drawn).size <= 1 ? (drawn[0] ?? distribution) : inputs.map((b, i) => `${b.name}:${drawn[i]}`).join(",");
  };
  const caseFor = (index: number, role: PlannedCase["role"], size: ProblemSize, distribution: CaseDistribution): PlannedCase => ({
    index,
    role,
    size,
    distribution,
    label: labelFor(distribution),
    lengths: spec.arguments.flatMap((a, i) => (a.kind === "buffer" ? [evaluateCount(a.length, size, `arguments[${i}].length`)] : [])),
    scalarValues: spec.arguments.flatMap((a) => (a.kind === "scalar" ? [compileExpr(a.value, Object.keys(size), a.name).evaluateNumber(size)] : [])),
  });
  const cases: PlannedCase[] = [];
  for (const size of [spec.problem.tune, ...spec.problem.verify]) {
    for (let k = 0; k < CASES_PER_SIZE; k++) {
      cases.push(caseFor(cases.length, "verify", size, CASE_DISTRIBUTIONS[cases.length % CASE_DISTRIBUTIONS.length]!));
    }
  }
  cases.push(caseFor(cases.length, "timing_a", spec.problem.tune, "uniform"));
  cases.push(caseFor(cases.length, "timing_b", spec.problem.tune, "normal"));

  const variantFlags = [...defineFlags(params), ...compilerFlags(spec, params)];
  const openmp = variantFlags.includes("-fopenmp");
  const libraries = spec.build.libraries.map((l) => `-l${l}`);
  const tolerances = { ...DEFAULT_TOLERANCES, ...spec.tolerance } as Record<Dtype, Tolerance>;
  return {
    kernel: spec.kernel,
    referenceFunction: spec.reference.function,
    buffers,
    scalars,
    callOrder,
    cases,
    warmup: spec.timing.warmup,
    repetitions: spec.timing.repetitions,
    flushBytes: flushBytesFor(device),
    allowsPersistentThreadPool: openmp,
    tolerances,
    commands: {
      compileVariant: ["gcc", ...variantFlags, "-c", FILES.variantSource, "-o", FILES.variantObject],
      listSymbols: ["nm", "-P", FILES.variantObject],
      compileHarness: ["gcc", ...HARNESS_CFLAGS, "-c", FILES.harnessSource, "-o", FILES.harnessObject],
      // The variant's flags stay out of the link so -ffast-math cannot change the harness's floating point mode.
      link: ["gcc", FILES.harnessObject, FILES.variantObject, "-o", FILES.variantBinary, ...(openmp ? ["-fopenmp"] : []), ...libraries, "-lm", "-lpthread"],
      buildReference: ["gcc", ...HARNESS_CFLAGS, FILES.compareSource, FILES.referenceSource, "-o", FILES.compareBinary, ...libraries, "-lm"],
    },
    limits: {
      variantMs: spec.timing.timeLimitSeconds * 1000,
      // The reference is a naive trusted implementation: give it more room than the variant.
      referenceMs: Math.max(60_000, spec.timing.timeLimitSeconds * 4000),
      buildMs: BUILD_LIMIT_MS,
      memoryMb: spec.timing.memoryLimitMb,
    },
  };
}
