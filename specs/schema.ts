// The kernel spec: what a kernel is, how to call it, what may be tuned, and how to judge it.
// One spec file (kernel.json) per folder under examples/. Cross-field checks (expressions naming
// known variables, files inside the folder) live in load.ts; this file is the shape.

import { z } from "zod";
import { ALLOWED_FLAGS, refusedFlag } from "./compiler-flags.ts";

/** A parameter value reaches a compiler command line, so only plain tokens are allowed. */
export const PARAM_VALUE_PATTERN = /^[A-Za-z0-9_.+-]+$/;

export const DTYPES = ["float32", "float64", "int32", "int64", "uint8", "uint32"] as const;
export const dtypeSchema = z.enum(DTYPES);
export type Dtype = z.infer<typeof dtypeSchema>;

export const DTYPE_C: Record<Dtype, string> = {
  float32: "float",
  float64: "double",
  int32: "int32_t",
  int64: "int64_t",
  uint8: "uint8_t",
  uint32: "uint32_t",
};

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a C identifier");
const expression = z.string().min(1, "a non-empty expression");
/** A path relative to the spec folder; load.ts checks it does not escape the folder. */
const relativePath = z.string().min(1);
const symbolName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.@]*$/, "a symbol name");
/** A compiler flag: a plain token (the published JSON Schema's pattern), then the policy of compiler-flags.ts. */
const compilerFlag = z
  .string()
  .regex(/^-[A-Za-z0-9_.=+,-]+$/, "a flag like -O3 (no spaces or shell metacharacters)")
  .superRefine((flag, ctx) => {
    const why = refusedFlag(flag);
    if (why !== null) ctx.addIssue({ code: "custom", message: `a compiler flag nightshift allows (${ALLOWED_FLAGS})`, params: { reason: `refused: ${why}` } });
  });

export const paramValueSchema = z.union([
  z.number().finite(),
  z.string().regex(PARAM_VALUE_PATTERN, "letters, digits and _ . + - only (no spaces or shell metacharacters)"),
]);
export type ParamValue = z.infer<typeof paramValueSchema>;
export type Params = Record<string, ParamValue>;

/** How input data is drawn. The harness always uses several seeds; `mixed` cycles through distributions. */
export const distributionSchema = z.enum(["mixed", "uniform", "normal", "heavy_tailed", "positive", "small_int"]);

export const bufferArgSchema = z.strictObject({
  name: identifier,
  kind: z.literal("buffer"),
  dtype: dtypeSchema,
  /** Number of elements, an expression over the problem-size variables. */
  length: expression,
  /** in: read only (checked unchanged); out: written only (poisoned before each call); inout: both. */
  intent: z.enum(["in", "out", "inout"]),
  distribution: distributionSchema.default("mixed"),
  /** For small_int / positive: inclusive range of generated values. */
  range: z.tuple([z.number(), z.number()]).optional(),
});

export const scalarArgSchema = z.strictObject({
  name: identifier,
  kind: z.literal("scalar"),
  dtype: dtypeSchema,
  /** Value, an expression over the problem-size variables. */
  value: expression,
});

export const argumentSchema = z.discriminatedUnion("kind", [bufferArgSchema, scalarArgSchema]);
export type KernelArgument = z.infer<typeof argumentSchema>;
export type BufferArgument = z.infer<typeof bufferArgSchema>;
export type ScalarArgument = z.infer<typeof scalarArgSchema>;

/** Problem-size variables and their values, e.g. {"N": 512}. */
export const problemSizeSchema = z.record(identifier, z.number().int().positive());
export type ProblemSize = z.infer<typeof problemSizeSchema>;

export const toleranceSchema = z.strictObject({
  rtol: z.number().nonnegative(),
  atol: z.number().nonnegative(),
});
export type Tolerance = z.infer<typeof toleranceSchema>;

export const DEFAULT_TOLERANCES: Record<Dtype, Tolerance> = {
  float32: { rtol: 1e-4, atol: 1e-5 },
  float64: { rtol: 1e-10, atol: 1e-12 },
  int32: { rtol: 0, atol: 0 },
  int64: { rtol: 0, atol: 0 },
  uint8: { rtol: 0, atol: 0 },
  uint32: { rtol: 0, atol: 0 },
};

/** CUDA launch geometry: expressions over parameters and problem-size variables. */
export const launchSchema = z.strictObject({
  grid: z.tuple([expression, expression, expression]),
  block: z.tuple([expression, expression, expression]),
  dynamicSharedBytes: expression.default("0"),
});
export type Launch = z.infer<typeof launchSchema>;

export const kernelSpecSchema = z.strictObject({
  $schema: z.string().optional(),
  name: identifier,
  description: z.string().default(""),
  language: z.enum(["c", "cuda"]),
  /** The variant's source template, relative to the spec folder. */
  source: relativePath,
  /** The kernel function the harness calls (C) or launches (CUDA). Arguments are passed in `arguments` order. */
  kernel: identifier,
  arguments: z.array(argumentSchema).min(1),
  problem: z.strictObject({
    /** The size the variant is tuned and timed at. */
    tune: problemSizeSchema,
    /** Extra sizes used only to verify (catch shape specialisation). */
    verify: z.array(problemSizeSchema).default([]),
  }),
  /** Tunable parameters: name -> the values it may take. Each reaches the code as -DNAME=value. */
  parameters: z.record(identifier, z.array(paramValueSchema).min(1)),
  /** Expressions over the parameters (and problem-size variables) that a valid configuration satisfies. */
  restrictions: z.array(expression).default([]),
  /**
   * Expressions that narrow the search at the tuning size only (a preference such as "at least two work
   * items"). `restrictions` are the kernel's own constraints and hold at every verify size too; these need not.
   */
  tuneRestrictions: z.array(expression).default([]),
  /** Parameter settings of the naive baseline the speedup is reported against. */
  baseline: z.record(identifier, paramValueSchema),
  build: z
    .strictObject({
      /** Compiler flags for every variant (gcc for C, nvcc for CUDA). */
      flags: z.array(compilerFlag).default(["-O2"]),
      /** Parameters that select compiler flags: parameter -> value (as a string) -> flags. */
      flagsByParameter: z
        .record(identifier, z.record(z.string(), z.array(compilerFlag)))
        .default({}),
      /** Libraries to link, e.g. ["m"]. */
      libraries: z.array(identifier).default(["m"]),
    })
    .default({ flags: ["-O2"], flagsByParameter: {}, libraries: ["m"] }),
  reference: z.strictObject({
    /** Trusted implementation (C, run on the host) with the same arguments as the kernel. */
    source: relativePath,
    function: identifier,
  }),
  /** Tolerances per output dtype; defaults in DEFAULT_TOLERANCES. */
  tolerance: z.partialRecord(dtypeSchema, toleranceSchema).default({}),
  /** Bytes moved and flops executed by one call: expressions over problem-size variables (and parameters). */
  bytes: expression,
  flops: expression,
  /** External symbols a variant's object file may call (beyond what the compiler itself emits). */
  allowedSymbols: z.array(symbolName).default([]),
  /**
   * Human-written implementations (a small source calling a library, e.g. cblas_sgemm) measured on every
   * device of a campaign under the same harness and verification as any variant, never searched: what the
   * tuned kernel is compared with. A baseline that cannot build on a device is reported as such.
   */
  libraryBaselines: z
    .array(
      z.strictObject({
        /** A short name for tables ("openblas"). */
        name: identifier,
        description: z.string().default(""),
        /** The implementation, relative to the spec folder: defines the kernel function like a variant does. */
        source: relativePath,
        /** Libraries it links besides build.libraries (e.g. ["openblas"]). */
        libraries: z.array(identifier).default([]),
        /** The library functions it calls (the symbol policy allows them for this source only). */
        allowedSymbols: z.array(symbolName).default([]),
        /** Compiler flags besides build.flags. */
        flags: z.array(compilerFlag).default([]),
      }),
    )
    .max(8)
    .default([]),
  launch: launchSchema.optional(),
  /**
   * Threads the kernel may run on (C kernels): 1 (the default) or "all" of the device's logical CPUs. The
   * sandbox pins the kernel to that many cores and refuses more threads; OpenMP gets OMP_NUM_THREADS.
   */
  threads: z.union([z.number().int().positive().max(1024), z.literal("all")]).default(1),
  timing: z
    .strictObject({
      warmup: z.number().int().nonnegative().max(1000).default(2),
      repetitions: z.number().int().positive().max(10_000).default(15),
      /**
       * Per-process wall-time limit for the variant's run, in seconds. At most a day: the reference gets four
       * times as long, and a timer cannot hold more than about 24 days (core/timer-delay.ts).
       */
      timeLimitSeconds: z.number().positive().max(86_400).default(30),
      /** At most 1 TiB. */
      memoryLimitMb: z.number().int().positive().max(1_048_576).default(2048),
    })
    .default({ warmup: 2, repetitions: 15, timeLimitSeconds: 30, memoryLimitMb: 2048 }),
});

export type KernelSpecFile = z.infer<typeof kernelSpecSchema>;

/** A spec after load.ts has validated it: absolute folder, template text, reference text. */
export interface KernelSpec extends KernelSpecFile {
  /** Absolute path of the spec folder. */
  readonly dir: string;
  /** Stable identity for the store: name plus a hash of the spec file and reference. */
  readonly id: string;
  readonly templateSource: string;
  readonly referenceSource: string;
  /** The text of each library baseline's source, by name. */
  readonly librarySources: Readonly<Record<string, string>>;
  /** Set when the spec was made from a tuning-space file (spaces/space-spec.ts): replay devices only. */
  readonly spaceFile?: string;
}
