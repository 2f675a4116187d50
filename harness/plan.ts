// The build-and-run plan of one variant as plain data: which cases run (sizes x distributions), the
// concrete buffer lengths and scalar values of each, the timing settings, and every command line.
// The generators (harness/c/, harness/cuda/) and the protocol (protocol.ts) both read this, so what is
// generated, what is built and what is interpreted cannot drift apart. The case table, buffers, tolerances
// and limits are language-neutral; a language backend adds its own commands (cuda/plan.ts).

import { fail } from "../core/errors.ts";
import { compileExpr } from "../core/expr.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { DEFAULT_TOLERANCES, type Dtype, type KernelSpec, type Params, type ProblemSize, type Tolerance } from "../specs/schema.ts";
import { checkGivenInputs } from "./given-inputs.ts";
import type { GivenInputs } from "./types.ts";
import { compilerFlags, defineFlags } from "./variant.ts";

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
  /** Inputs read from the trusted directory's inputs folder (the caller's, see PlanOptions) instead of drawn from the seed. */
  given?: boolean;
}

export interface PlanOptions {
  /**
   * Verify these inputs at their size instead of the seeded cases (one verification case); the timing phase
   * stays at the tuning size, short, so the result is still a normal one judged the normal way.
   */
  inputs?: GivenInputs;
}

/** A program of nightshift's own, built from its sources alone: its failure is never the variant's. */
export interface TrustedBuild {
  argv: string[];
  what: string;
}

/**
 * Every command line of a variant's build. Commands may name the tools directory as TOOLS_DIR (tools.ts).
 * Everything that reads or links untrusted code runs in the variant's directory, in the sandbox.
 */
export interface BuildCommands {
  /** The untrusted source to an object: its diagnostics are the variant's compile_error. */
  compileVariant: string[];
  /** Inspections of the variant's object: its symbols and its sections (what runs before main). */
  listSymbols: string[];
  listSections: string[];
  /** nightshift's own halves built beside the variant (the worker's main, the CUDA harness halves). */
  harness: TrustedBuild[];
  /** The variant's object with the harness: a link error is the variant's (an undefined symbol it calls). */
  link: string[];
  /** The sanitizer build (AddressSanitizer + UBSan) of the variant and its link, where the language has one. */
  sanitized?: { compile: string[]; harness: TrustedBuild; link: string[] };
  /** Programs built in the trusted directory before the variant runs: the monitor, the compare program. */
  trusted: TrustedBuild[];
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
  /** Threads the kernel may run on (the spec's `threads`, "all" resolved to the device's logical CPUs). */
  threads: number;
  tolerances: Record<Dtype, Tolerance>;
  commands: BuildCommands;
  /** Wall-time limits (ms) for the variant run, the reference run and each build step. */
  limits: { variantMs: number; referenceMs: number; buildMs: number; memoryMb: number };
  /** The caller's inputs and the case that reads them (PlanOptions.inputs). */
  given?: { case: number; values: Record<string, number[]> };
}

export const FILES = {
  variantSource: "variant.c",
  variantObject: "variant.o",
  harnessSource: "harness.c",
  harnessObject: "harness.o",
  variantBinary: "variant_bin",
  sanitizedBinary: "variant_asan_bin",
  referenceSource: "reference.c",
  compareSource: "compare.c",
  compareBinary: "compare_bin",
  monitorBinary: "monitor",
  samples: "samples.bin",
  harnessReport: "harness.json",
  timing: "timing.json",
  workerOutput: "worker_stderr.txt",
  progress: "progress.log",
  verdict: "verdict.json",
  /** The generated halves of every trusted program: the plan's tables and the call of the kernel or reference. */
  planHeader: "ns_plan.h",
  callHeader: "ns_call.h",
  /** Subdirectories of the trusted directory: the evidence of the timed run and of the sanitizer run. */
  evidence: "evidence",
  sanitizerEvidence: "sanitize",
  /** Subdirectory of the trusted directory holding given inputs (PlanOptions.inputs), one file per case and buffer. */
  givenInputs: "inputs",
} as const;

/** The placeholder plan commands use for the directory of nightshift's tools (tools.ts), filled in where they run. */
export const TOOLS_DIR = "@TOOLS@";

export const HARNESS_CFLAGS = ["-O2", "-std=gnu11", "-fno-fast-math"];
const DEFAULT_FLUSH_BYTES = 64 * 1024 * 1024;
const BUILD_LIMIT_MS = 120_000;
/** Timed repetitions when the run only confirms given inputs: enough for a normal result, no more. */
const GIVEN_INPUTS_REPETITIONS = 5;

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

/** The language-neutral plan, with the C harness's commands (a CUDA plan replaces them: cuda/plan.ts). */
export function makeHarnessPlan(spec: KernelSpec, params: Params, device: HardwareProfile, options: PlanOptions = {}): HarnessPlan {
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
  const given = options.inputs;
  if (given) {
    const only = { ...caseFor(0, "verify", given.size, "uniform"), label: "given inputs", given: true };
    checkGivenInputs(given, buffers, only.lengths);
    cases.push(only);
  } else {
    for (const size of [spec.problem.tune, ...spec.problem.verify]) {
      for (let k = 0; k < CASES_PER_SIZE; k++) {
        cases.push(caseFor(cases.length, "verify", size, CASE_DISTRIBUTIONS[cases.length % CASE_DISTRIBUTIONS.length]!));
      }
    }
  }
  cases.push(caseFor(cases.length, "timing_a", spec.problem.tune, "uniform"));
  cases.push(caseFor(cases.length, "timing_b", spec.problem.tune, "normal"));

  const variantFlags = [...defineFlags(params), ...compilerFlags(spec, params)];
  const openmp = variantFlags.includes("-fopenmp") ? ["-fopenmp"] : [];
  const libraries = spec.build.libraries.map((l) => `-l${l}`);
  const worker = (object: string, extra: string[]) => ["gcc", ...HARNESS_CFLAGS, ...extra, "-I.", `-I${TOOLS_DIR}`, "-c", `${TOOLS_DIR}/worker_main.c`, "-o", object];
  // The variant's flags stay out of the harness and the link, so -ffast-math cannot change the harness's
  // floating point; the link refuses an executable stack and makes the import table read-only.
  const link = (objects: string[], binary: string, extra: string[] = []) => ["gcc", ...extra, ...objects, `${TOOLS_DIR}/liblockdown.a`, "-o", binary, "-Wl,-z,noexecstack", "-Wl,-z,relro,-z,now", ...openmp, ...libraries, "-lm", "-lpthread"];
  const sanitize = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"];
  const tolerances = { ...DEFAULT_TOLERANCES, ...spec.tolerance } as Record<Dtype, Tolerance>;
  return {
    kernel: spec.kernel,
    referenceFunction: spec.reference.function,
    buffers,
    scalars,
    callOrder,
    cases,
    warmup: given ? Math.min(spec.timing.warmup, 1) : spec.timing.warmup,
    repetitions: given ? Math.min(spec.timing.repetitions, GIVEN_INPUTS_REPETITIONS) : spec.timing.repetitions,
    flushBytes: flushBytesFor(device),
    threads: spec.threads === "all" ? (device.cpu?.threads ?? 1) : spec.threads,
    tolerances,
    commands: {
      compileVariant: ["gcc", ...variantFlags, "-c", FILES.variantSource, "-o", FILES.variantObject],
      listSymbols: ["nm", "-P", FILES.variantObject],
      listSections: ["readelf", "-S", "-r", "-s", "-W", FILES.variantObject],
      harness: [{ argv: worker("worker.o", []), what: "the worker" }],
      link: link(["worker.o", FILES.variantObject], FILES.variantBinary),
      sanitized: {
        compile: ["gcc", ...variantFlags, ...sanitize, "-c", FILES.variantSource, "-o", "variant_asan.o"],
        harness: { argv: worker("worker_asan.o", ["-DNS_SANITIZE"]), what: "the sanitizer's worker" },
        link: link(["worker_asan.o", "variant_asan.o"], FILES.sanitizedBinary, sanitize.slice(0, 1)),
      },
      trusted: [
        { argv: ["gcc", ...HARNESS_CFLAGS, "-I.", `-I${TOOLS_DIR}`, `${TOOLS_DIR}/monitor.c`, `${TOOLS_DIR}/libsandbox.a`, "-o", FILES.monitorBinary, "-lm"], what: "the monitor" },
        { argv: ["gcc", ...HARNESS_CFLAGS, "-I.", `-I${TOOLS_DIR}`, `${TOOLS_DIR}/compare_main.c`, FILES.referenceSource, "-o", FILES.compareBinary, ...libraries, "-lm"], what: "the spec's reference with the compare program" },
      ],
    },
    limits: {
      variantMs: spec.timing.timeLimitSeconds * 1000,
      // The reference is a naive trusted implementation: give it more room than the variant.
      referenceMs: Math.max(60_000, spec.timing.timeLimitSeconds * 4000),
      buildMs: BUILD_LIMIT_MS,
      memoryMb: spec.timing.memoryLimitMb,
    },
    ...(given ? { given: { case: 0, values: given.values } } : {}),
  };
}
