// The state of one interpretation: step budget, the parallel context (which OpenMP iteration or CUDA thread
// is running, for the race checks), fresh variables, and what was observed along the way. One run at a
// time per thread, so a module-level record keeps the hot paths free of extra arguments.

import { Finding, type At } from "./findings.ts";

/** Who is executing: accesses by different actors that no barrier orders must not conflict. */
export interface Actor {
  /** Accesses from different blocks are never ordered (CUDA blocks; 1 for OpenMP). */
  readonly block: number;
  readonly id: number;
  /** Accesses of one block in different phases are ordered by a barrier. */
  phase: number;
  /** Code every OpenMP thread runs (a parallel region outside its loops): any shared write races. */
  readonly replicated: boolean;
}

export interface CudaThread {
  readonly tid: readonly [number, number, number];
  readonly bid: readonly [number, number, number];
  readonly bdim: readonly [number, number, number];
  readonly gdim: readonly [number, number, number];
}

export interface OobRead {
  readonly buffer: string;
  readonly index: number;
  readonly variable: number;
  readonly at: At;
}

export interface Runtime {
  steps: number;
  stepLimit: number;
  actor: Actor | null;
  nextActorId: number;
  phase: number;
  thread: CudaThread | null;
  /** Per-block state of a CUDA launch (shared-memory objects by declaration). */
  block: Map<unknown, unknown> | null;
  nextVariable: number;
  oobReads: OobRead[];
  poisonRead: At | null;
  /** The trusted reference may read what it likes of its outputs; a variant may not. */
  isReference: boolean;
  nextRestrictTag: number;
  /** Per-run objects created on first use (string literals), by syntax node. */
  perRun: Map<unknown, unknown>;
  /** Bytes allocated in this run, against a bound. */
  allocated: number;
  /** Call depth, against a bound on recursion. */
  depth: number;
}

export const rt: Runtime = {
  steps: 0,
  stepLimit: 0,
  actor: null,
  nextActorId: 1,
  phase: 1,
  thread: null,
  block: null,
  nextVariable: 0,
  oobReads: [],
  poisonRead: null,
  isReference: false,
  nextRestrictTag: 1,
  perRun: new Map(),
  allocated: 0,
  depth: 0,
};

export const ALLOCATION_LIMIT = 256 * 1024 * 1024;

export function resetRuntime(stepLimit: number, firstFreeVariable: number, isReference: boolean): void {
  rt.steps = 0;
  rt.stepLimit = stepLimit;
  rt.actor = null;
  rt.nextActorId = 1;
  rt.phase = 1;
  rt.thread = null;
  rt.block = null;
  rt.nextVariable = firstFreeVariable;
  rt.oobReads = [];
  rt.poisonRead = null;
  rt.isReference = isReference;
  rt.nextRestrictTag = 1;
  rt.perRun = new Map();
  rt.allocated = 0;
  rt.depth = 0;
}

/** Counts one unit of work (a loop iteration, a call); past the budget the proof gives up. */
export function step(at: At): void {
  if (++rt.steps > rt.stepLimit) throw new Finding("step-limit", `step limit of ${rt.stepLimit} reached (a loop that does not end, or too much work for the proof)`, at);
}
