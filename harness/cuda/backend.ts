// The CUDA language backend: nvcc builds the variant with the profile's -arch and -Xptxas -v, whose report
// becomes the build's CompileStats and the theoretical occupancy at the tuning size; the CUDA symbol policy
// applies to the host object; the harness is two generated halves (host C, device layer).

import type { CompileFacts, LanguageBackend } from "../backend.ts";
import { theoreticalOccupancy, toOccupancy } from "../occupancy.ts";
import type { HarnessPlan } from "../plan.ts";
import { checkSections } from "../sections.ts";
import { compileStatsFromEntry, findEntry, parsePtxas } from "../ptxas.ts";
import { CUDA_FILES } from "./build.ts";
import { cudaHarnessFiles } from "./generate.ts";
import { interpretCudaVariantRun, sharedReport, type CudaHarnessReport } from "./interpret.ts";
import { launchProblem, threadsPerBlock } from "./launch.ts";
import { makeCudaPlan, type CudaHarnessPlan } from "./plan.ts";
import { checkCudaSymbols } from "./symbols.ts";

/** The plan this backend made (plan() below): a CUDA plan carries its GPU and launches. */
function cudaPlan(plan: HarnessPlan): CudaHarnessPlan {
  return plan as CudaHarnessPlan;
}

/** Compile stats and theoretical occupancy at the tuning size from the variant's ptxas report. */
export function ptxasFacts(plan: CudaHarnessPlan, log: string): CompileFacts {
  const launch = plan.launches[plan.cases.findIndex((c) => c.role === "timing_a")]!;
  const problem = launchProblem(launch, plan.gpu);
  const entry = findEntry(parsePtxas(log), plan.kernel, plan.gpu.arch);
  const details = { launch, ...(problem ? { launchProblem: problem } : {}) };
  if (!entry) return { stats: {}, details, notes: [`ptxas reported no entry for kernel ${plan.kernel} on ${plan.gpu.arch}`] };
  if (entry.registers === undefined) return { stats: compileStatsFromEntry(entry), details: { ...details, ptxas: entry }, notes: [] };
  const occupancy = theoreticalOccupancy(plan.gpu, {
    registersPerThread: entry.registers,
    staticSharedBytes: entry.sharedMemoryBytes ?? 0,
    dynamicSharedBytes: launch.dynamicSharedBytes,
    threadsPerBlock: threadsPerBlock(launch),
    barriers: entry.barriers ?? 0,
  });
  return {
    stats: compileStatsFromEntry(entry),
    occupancy: toOccupancy(occupancy),
    details: { ...details, ptxas: entry, occupancy },
    notes: occupancy.impossible ? [occupancy.impossible] : [],
  };
}

/** The static function nvcc emits to register the object's kernels with the runtime (mangled or not). */
const NVCC_REGISTRATION = /^(_ZL\d+)?__sti____cudaRegisterAllv?$/;

/** Room beyond the variant's own limit for the sandbox and the CUDA driver to start. */
const RUN_GRACE_MS = 60_000;

export const cudaBackend: LanguageBackend = {
  language: "cuda",
  variantSource: CUDA_FILES.variantSource,
  plan: makeCudaPlan,
  harnessFiles: (plan) => cudaHarnessFiles(cudaPlan(plan)),
  compileFacts: (plan, log) => ptxasFacts(cudaPlan(plan), log),
  checkSymbols: (plan, spec, symbols) => checkCudaSymbols(symbols, plan.kernel, spec.allowedSymbols),
  // nvcc registers the object's kernels from one constructor of its own; that one entry, and no other, may stay.
  checkSections: (readelf) => checkSections(readelf, { symbol: NVCC_REGISTRATION }),
  // The harness's host half runs beside the kernel in the sandbox with the GPU's device files; the variant
  // supplies device code only (the symbol policy), so nothing of its own runs on the host.
  // Given inputs are read from their trusted folder, made visible read-only; the variant's device code cannot
  // open files, and the host half that reads them is nightshift's.
  run: (setup) => ({
    argv: setup.sandboxed([`${setup.unsandboxed ? setup.variantDir : "/work"}/${CUDA_FILES.variantBinary}`, String(setup.seed), ...(setup.inputsDir ? ["--inputs", setup.inputsDir] : [])], {
      gpu: true,
      timeLimitMs: setup.plan.limits.variantMs,
      ...(setup.inputsDir ? { readOnly: [setup.inputsDir] } : {}),
    }),
    cwd: setup.variantDir,
    evidenceDir: setup.variantDir,
    timeoutMs: setup.plan.limits.variantMs + RUN_GRACE_MS,
    memoryLimitMb: setup.plan.limits.memoryMb,
  }),
  interpretRun: (ctx, run, evidence) => interpretCudaVariantRun(ctx, run, evidence.report as CudaHarnessReport | null, evidence.lastStep),
  sharedReport: (evidence) => sharedReport(evidence.report as CudaHarnessReport | null),
};
