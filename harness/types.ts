// The domain of judging one variant: what is measured (Variant), what comes back (EvalResult, exactly one
// per variant, failures as values), and the Executor contract the protocol (protocol.ts) is written against.
// Runners (runners/) implement Executor to reach a machine; nothing here knows how a machine is reached.

import type { TimingStats } from "../core/stats.ts";
import type { KernelSpec, Params, ProblemSize } from "../specs/schema.ts";

/** One concrete thing to measure. Two variants with the same hash are the same experiment. */
export interface Variant {
  /** Content hash over spec id, parameters, source text and build flags (see harness/variant.ts). */
  readonly hash: string;
  readonly spec: KernelSpec;
  readonly params: Params;
  /** The full kernel source the variant compiles (the template, a user file or a model rewrite). */
  readonly source: string;
  /** "library": a spec's library baseline (harness/library.ts), measured beside the variants, never stored as one. */
  readonly origin: "template" | "file" | "model" | "library";
  /** The library baseline's name when origin is "library". */
  readonly library?: string;
  /** Hash of the variant this one was derived from (model rewrites), if any. */
  readonly parentHash?: string;
}

/** Compiler statistics: ptxas for CUDA, object size for C. Absent fields were not reported. */
export interface CompileStats {
  registersPerThread?: number;
  sharedMemoryBytes?: number;
  spillStoreBytes?: number;
  spillLoadBytes?: number;
  stackFrameBytes?: number;
  barriers?: number;
  objectBytes?: number;
}

export interface Occupancy {
  theoretical: number;
  limitedBy: "registers" | "shared_memory" | "blocks" | "warps";
  activeBlocksPerSM: number;
  /** Achieved occupancy from Nsight Compute; null when no profiler was available. */
  achieved: number | null;
}

export interface Roofline {
  bytes: number;
  flops: number;
  achievedGBs: number;
  achievedGflops: number;
  /** Fractions of the profile's peaks (0..1). */
  bandwidthFraction: number;
  computeFraction: number;
  /** The physics floor for this problem on this device: max(bytes / peak bandwidth, flops / peak rate). */
  floorMs: number;
}

export interface VerificationCase {
  size: ProblemSize;
  seed: number;
  distribution: string;
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /**
   * The largest |received - expected| / (atol + rtol * |expected|) over the case's outputs: how much of its
   * tolerance the worst element used (below 1 passes). Absent in results recorded before it was measured.
   */
  toleranceUsed?: number;
}

export interface Verification {
  cases: VerificationCase[];
  /**
   * How the variant ran: "sandboxed" (namespaces, no network, a private file system, a seccomp filter) or
   * "unsandboxed" (the user allowed untrusted code on a machine that cannot sandbox). Absent in results
   * recorded before the sandbox existed, and for replayed ones.
   */
  isolation?: "sandboxed" | "unsandboxed";
  /** True when a build with AddressSanitizer and UBSan ran the verification sizes clean. */
  sanitized?: boolean;
  inputsUnchanged: boolean;
  deterministic: boolean;
  /** Symbols the variant's object defines and calls (for the evidence trail). */
  definedSymbols: string[];
  calledSymbols: string[];
  /** True when the result was replayed from recorded tuning data: nothing was run or checked now. */
  replayed?: boolean;
}

export interface BuildInfo {
  /** sha256 of exactly the source text that was compiled. */
  compiledSourceHash: string;
  command: string[];
  buildMs: number;
  stats: CompileStats;
  occupancy?: Occupancy;
}

export type RejectReason =
  | "forbidden_symbol"
  | "impossible_time"
  | "inputs_modified"
  | "nondeterministic"
  | "threads_leaked"
  | "timing_inconsistent"
  | "launch_missing"
  | "memory_error"
  | "race_detected"
  /** The kernel made a system call the sandbox refuses, or left a signal or a handler behind. */
  | "sandbox_violation"
  /** The kernel wrote to the harness's side of the protocol: an answer nobody asked for, a forged one. */
  | "evidence_tampering"
  /** More threads than the spec allows, or more CPU time than the allowed cores could give in the wall time. */
  | "hidden_parallelism";

/**
 * Inputs chosen by the caller instead of drawn from a seed: one problem size and, per input buffer (intent
 * in or inout), every element's value, exactly representable in the buffer's dtype. A proof's
 * counterexample travels this way so the harness can show the difference it found.
 */
export interface GivenInputs {
  size: ProblemSize;
  values: Record<string, number[]>;
}

export interface ResultCommon {
  variantHash: string;
  /** Profile name of the device that produced this result. */
  device: string;
  startedAt: string;
  finishedAt: string;
  /** The run-time seed the harness drew its inputs from. */
  seed: number;
  build?: BuildInfo;
  /**
   * Present when the run verified these inputs at this size only (ProtocolOptions.inputs), instead of the
   * seeded cases at the spec's sizes: such a result confirms or not one counterexample, it is no exploration.
   */
  givenInputs?: GivenInputs;
}

export type EvalResult = ResultCommon &
  (
    | { status: "ok"; samplesMs: number[]; stats: TimingStats; verification: Verification; roofline?: Roofline }
    | { status: "compile_error"; log: string }
    | { status: "runtime_error"; exitCode: number | null; signal: string | null; stderrTail: string; phase: "variant" | "reference" }
    | { status: "timeout"; limitMs: number; phase: "build" | "variant" | "reference" }
    | {
        status: "wrong_result";
        output: string;
        size: ProblemSize;
        /** The wrong call's inputs' seed: a verification case's (a number), or a timed repetition's 64-bit one (a decimal string). */
        inputSeed: number | string;
        /** The timed repetition (1-based) whose output was wrong; absent for a verification call. */
        repetition?: number;
        distribution: string;
        maxAbsError: number;
        maxRelError: number;
        firstBadIndex: number;
        expected: number;
        received: number;
      }
    | { status: "rejected"; reason: RejectReason; detail: string }
    | { status: "infra_error"; cause: string; retryable: boolean }
  );

export type EvalStatus = EvalResult["status"];
export const EVAL_STATUSES: readonly EvalStatus[] = [
  "ok",
  "compile_error",
  "runtime_error",
  "timeout",
  "wrong_result",
  "rejected",
  "infra_error",
];

/** Kernel faults are properties of the variant; infra faults are properties of the device and are retried. */
export function isKernelFault(r: EvalResult): boolean {
  return r.status !== "ok" && r.status !== "infra_error";
}

// ---- Executors: where commands run (this machine, an SSH host, a Slurm allocation). ----
// The protocol (harness/protocol.ts) is written once against this interface.

export interface ExecRequest {
  argv: string[];
  /** Working directory on the target (a staged directory). */
  cwd: string;
  timeoutMs: number;
  memoryLimitMb?: number;
  env?: Record<string, string>;
}

export type ExecResult =
  | { kind: "exited"; exitCode: number | null; signal: string | null; stdout: string; stderr: string; wallMs: number; timedOut: boolean }
  | { kind: "infra"; cause: string; retryable: boolean };

/**
 * Executor methods reject only for infrastructure faults (connection lost, disk full, job killed by the
 * scheduler); the pipeline turns every rejection into an infra_error result, never into a kernel verdict.
 */
export interface Executor {
  readonly name: string;
  /** The executor this one wraps to observe it (the lane's fault watch): what is built once per machine is keyed on it. */
  readonly base?: Executor;
  /** Creates a fresh directory on the target holding `files`; returns its path there. */
  stage(label: string, files: Record<string, string | Buffer>): Promise<string>;
  exec(request: ExecRequest): Promise<ExecResult>;
  /** Rejects with an error whose `code` is "ENOENT" when the file does not exist (the variant never wrote it). */
  readFile(path: string): Promise<Buffer>;
  remove(path: string): Promise<void>;
  close(): Promise<void>;
}
