// The C language backend: gcc builds the variant and the worker (runtime/worker_main.c) in the sandbox; the
// trusted monitor (runtime/monitor.c) runs the worker and judges every call; a second, sanitized build runs
// the verification sizes under AddressSanitizer and UBSan. The object's size is the build evidence.

import type { LanguageBackend, RunSetup } from "../backend.ts";
import { FILES, makeHarnessPlan } from "../plan.ts";
import { checkSections } from "../sections.ts";
import { checkSymbols } from "../symbols.ts";
import { cWorkerFiles } from "./generate.ts";
import { interpretMonitorRun, monitorReport, type MonitorTiming } from "./interpret.ts";

/** Room the monitor has beyond the variant's own limit: building nothing, it only starts and judges. */
const MONITOR_GRACE_MS = 60_000;
/** The sanitized build runs several times slower; only the verification sizes, so this stays small. */
const SANITIZER_SLOWDOWN = 5;

function monitor(setup: RunSetup, evidence: string, extra: string[], limitMs: number) {
  const dir = `${setup.trustedDir}/${evidence}`;
  return {
    argv: [
      `${setup.trustedDir}/${FILES.monitorBinary}`,
      String(setup.seed),
      setup.variantDir,
      "--time-limit-ms",
      String(limitMs),
      ...extra,
      ...(setup.unsandboxed ? ["--unsandboxed"] : []),
      ...(setup.inputsDir ? ["--inputs", setup.inputsDir] : []),
    ],
    cwd: dir,
    evidenceDir: dir,
    timeoutMs: limitMs + MONITOR_GRACE_MS,
  };
}

export const cBackend: LanguageBackend = {
  language: "c",
  variantSource: FILES.variantSource,
  plan: makeHarnessPlan,
  harnessFiles: cWorkerFiles,
  compileFacts: () => ({ stats: {}, details: {}, notes: [] }),
  checkSymbols: (plan, spec, symbols) => checkSymbols(symbols, { kernel: plan.kernel, allowed: spec.allowedSymbols, openmp: plan.threads > 1 || plan.commands.link.includes("-fopenmp") }),
  run: (setup) => monitor(setup, FILES.evidence, [], setup.plan.limits.variantMs),
  sanitizerRun: (setup) => monitor(setup, FILES.sanitizerEvidence, ["--sanitize", "--binary", FILES.sanitizedBinary], setup.plan.limits.variantMs * SANITIZER_SLOWDOWN),
  checkSections: (readelf) => checkSections(readelf),
  interpretRun: interpretMonitorRun,
  sharedReport: (_evidence, timing) => monitorReport(timing as MonitorTiming | null),
};
