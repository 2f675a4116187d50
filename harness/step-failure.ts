// Who is to blame when a build or trusted step fails. A kernel fault is a property of the variant and is
// recorded as its verdict; an infrastructure fault is a property of the machine (killed for memory, a full
// disk, a broken toolkit, a broken reference) and must never be filed against the variant.

import { machineFault, type InfraFault } from "../core/infra-fault.ts";
import { tail } from "./interpret.ts";
import type { ExecResult } from "./types.ts";

type Exited = Extract<ExecResult, { kind: "exited" }>;

/**
 * What a compiler prints when the machine, not the source, stopped it: gcc reports a cc1 killed by the OOM
 * killer as "Killed signal terminated program cc1" and exits 1, so the exit status alone cannot tell.
 */
const RESOURCE_EXHAUSTED = /No space left on device|Disk quota exceeded|Killed signal terminated program|virtual memory exhausted|Cannot allocate memory|out of memory allocating/i;

export type BuildFailure = { kind: "compile_error"; log: string } | { kind: "infra"; fault: InfraFault };

/** A variant's compile or link step that exited unsuccessfully (timeouts are handled before this). Only diagnostics make a compile_error. */
export function classifyBuildFailure(what: string, r: Exited): BuildFailure {
  const diagnostics = `${r.stderr}${r.stdout}`;
  if (r.signal !== null) return { kind: "infra", fault: machineFault(`${what} was killed by ${r.signal} (out of memory, or stopped from outside): ${tail(diagnostics, 500)}`, true) };
  if (RESOURCE_EXHAUSTED.test(diagnostics)) return { kind: "infra", fault: machineFault(`${what} ran out of a machine resource: ${tail(diagnostics, 1000)}`, true) };
  if (diagnostics.trim() === "") return { kind: "infra", fault: machineFault(`${what} exited with code ${r.exitCode} without a diagnostic`, false) };
  return { kind: "compile_error", log: tail(diagnostics, 8000) };
}

/**
 * A trusted step (the generated harness's build, the reference's build, the compare program) that did not
 * finish cleanly. Timeouts and kills are the machine's state and may pass on a retry; a non-zero exit will not.
 */
export function trustedStepFault(what: string, r: Exited, limitMs: number): InfraFault {
  if (r.timedOut) return machineFault(`${what} timed out after ${limitMs} ms`, true);
  if (r.signal !== null) return machineFault(`${what} was killed by ${r.signal}: ${tail(r.stderr, 500)}`, true);
  return machineFault(`${what} exited with code ${r.exitCode}: ${tail(`${r.stderr}${r.stdout}`, 2000)}`, false);
}

/** A step that did not finish cleanly. */
export function failed(r: Exited): boolean {
  return r.timedOut || r.signal !== null || r.exitCode !== 0;
}
