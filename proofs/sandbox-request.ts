// What passes between nightshift (sandboxed.ts) and the proof process in the sandbox (main.ts): the request
// file it reads and the one line it prints.

import type { KernelSpec, Params, ProblemSize } from "../specs/schema.ts";
import type { CoreVerdict } from "./prove-core.ts";

export interface SandboxRequest {
  readonly spec: KernelSpec;
  readonly params: Params;
  readonly variantSource: string;
  readonly sizes?: readonly ProblemSize[];
  readonly bound?: number;
  readonly cudaArch?: string;
  /** The sandbox's wall-clock limit: sizes stop being started at 80% of it. */
  readonly timeMs: number;
  readonly steps: number;
  readonly seed: number;
}

export type SandboxAnswer = { readonly verdict: CoreVerdict; readonly cpuMs: number } | { readonly error: string };
