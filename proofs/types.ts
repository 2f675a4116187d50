// The proof step's public types: what is asked, the limits it runs under, and the three verdicts.

import type { KernelSpec, Params, ProblemSize } from "../specs/schema.ts";

export type ProofLanguage = "c" | "cuda";

/**
 * Preprocesses a source with the real compiler's preprocessor and returns the text (with or without line
 * markers). `flags` are the variant's -DNAME=value flags followed by the flags it is built with (those decide
 * predefined macros such as __OPTIMIZE__ or __AVX2__); the reference gets its language's flags only.
 */
export type Preprocess = (source: string, flags: string[], language: ProofLanguage) => Promise<string>;

export interface ProofRequest {
  readonly spec: KernelSpec;
  readonly params: Params;
  readonly variantSource: string;
  /** Sizes to prove at; default: boundedSizes(spec, params, bound). */
  readonly sizes?: readonly ProblemSize[];
  /** Per-dimension bound for the default sizes (default 16; see sizes.ts for the rule). */
  readonly bound?: number;
  /** Default: gcc -E (C) or nvcc -E (CUDA) on this machine, see preprocess.ts. */
  readonly preprocess?: Preprocess;
}

export interface ProofLimits {
  /** Wall-clock limit for the whole proof, in milliseconds (default 60 s). */
  readonly timeMs?: number;
  /** Heap limit of the proof's worker thread, in MiB (default 2048). */
  readonly heapMb?: number;
  /** Interpretation steps (loop iterations, calls, barrier phases) per run at one size (default 50 million). */
  readonly steps?: number;
  /** Seed of the counterexample search (default 1). */
  readonly seed?: number;
}

/** `ms` is wall-clock time of the whole proof; `cpuMs`, when present, the CPU time of the interpretation. */
export type ProofVerdict =
  | { readonly status: "proved"; readonly sizes: ProblemSize[]; readonly ms: number; readonly cpuMs?: number }
  | {
      readonly status: "refuted";
      readonly size: ProblemSize;
      readonly output: string;
      readonly index: number;
      /** Exact values (rationals) at the counterexample. */
      readonly expected: string;
      readonly received: string;
      /** A value for every element of every input buffer, exactly representable in its dtype. */
      readonly counterexample: Record<string, number[]>;
      /** The two sides as polynomials over the inputs (names like A[3]), cut short when long. */
      readonly expectedForm: string;
      readonly receivedForm: string;
      readonly reason: string;
      readonly line?: number;
      readonly ms: number;
      readonly cpuMs?: number;
    }
  | {
      readonly status: "unproven";
      readonly reason: string;
      readonly line?: number;
      readonly file?: string;
      readonly size?: ProblemSize;
      readonly ms: number;
      readonly cpuMs?: number;
      /** The machinery, not the variant, stopped the proof (no sandbox here, a tool that could not be built): worth trying again later. */
      readonly transient?: boolean;
    };
