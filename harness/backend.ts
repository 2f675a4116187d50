// The one pluggable point between the language-neutral protocol (protocol.ts) and a kernel language: what
// the harness generates for it, how its compiler's report becomes build evidence, its symbol policy, how its
// built variant runs, and what that run says by itself. C (c/backend.ts) and CUDA (cuda/backend.ts) implement
// it; stage, build, run, reference and interpretation are written once, in protocol.ts.

import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { KernelSpec, Params } from "../specs/schema.ts";
import type { HarnessReport, MeasureContext } from "./interpret.ts";
import type { HarnessPlan, PlanOptions } from "./plan.ts";
import type { SectionVerdict } from "./sections.ts";
import type { NmSymbol, SymbolVerdict } from "./symbols.ts";
import type { Tools } from "./tools.ts";
import type { BuildInfo, EvalResult, ExecResult } from "./types.ts";

export type Exited = Extract<ExecResult, { kind: "exited" }>;

/** What the compiler said about the variant: build evidence, plus lines worth showing in a compile-only report. */
export interface CompileFacts extends Pick<BuildInfo, "stats" | "occupancy"> {
  /** Language-specific facts for `measure --compile-only` (CUDA: the ptxas entry, the launch, the occupancy detail). */
  details: Record<string, unknown>;
  notes: string[];
}

/** Where a built variant lives on the machine, and how untrusted code may run there. */
export interface RunSetup {
  plan: HarnessPlan;
  seed: number;
  /** The variant's directory: its source, object and binary; the sandbox's only writable place. */
  variantDir: string;
  /** nightshift's directory for this variant: its monitor and compare program, and the evidence. The variant never sees it. */
  trustedDir: string;
  tools: Tools;
  unsandboxed: boolean;
  /** The trusted folder of given inputs (the plan's `given`), when the plan has them. */
  inputsDir?: string;
  /** Wraps a command so it runs in the sandbox with the variant's directory as its only writable place (and `readOnly` folders visible). */
  sandboxed(argv: string[], options?: { gpu?: boolean; timeLimitMs?: number; readOnly?: readonly string[] }): string[];
}

/** One run of the built variant: the command, where it runs, and the directory its evidence is written to. */
export interface RunStep {
  argv: string[];
  cwd: string;
  evidenceDir: string;
  timeoutMs: number;
  memoryLimitMb?: number;
}

/** A run's evidence as files, read by the protocol; the backend decides what they mean. */
export interface RunEvidence {
  /** harness.json, parsed (null when missing or not JSON). */
  report: unknown;
  /** The last line of progress.log. */
  lastStep: string;
  /** The tail of what the variant printed, for people only (worker_stderr.txt or the run's stderr). */
  output: string;
}

export interface LanguageBackend {
  readonly language: KernelSpec["language"];
  /** The file name the variant's source is staged under (the compiler picks the language from it). */
  readonly variantSource: string;
  plan(spec: KernelSpec, params: Params, device: HardwareProfile, options?: PlanOptions): HarnessPlan;
  /** The generated harness files staged beside the variant's source. */
  harnessFiles(plan: HarnessPlan): Record<string, string>;
  compileFacts(plan: HarnessPlan, compilerOutput: string): CompileFacts;
  checkSymbols(plan: HarnessPlan, spec: KernelSpec, symbols: readonly NmSymbol[]): SymbolVerdict;
  /** No code of the variant's may run before or after it is called (readelf -S -r -s of its object). */
  checkSections(readelf: string): SectionVerdict;
  /** The timed run of the built variant. */
  run(setup: RunSetup): RunStep;
  /** The sanitizer run on the verification sizes, where the language has one and the sanitized build exists. */
  sanitizerRun?(setup: RunSetup): RunStep;
  /** A verdict the run settles by itself (a crash, a timeout, a violation the monitor saw); null when it finished cleanly. */
  interpretRun(ctx: MeasureContext, run: Exited, evidence: RunEvidence): EvalResult | null;
  /** The report as the shared verdict interpretation reads it, once interpretRun has handled what is language-specific. */
  sharedReport(evidence: RunEvidence, timing: unknown): HarnessReport;
}
