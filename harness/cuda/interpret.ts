// What a CUDA variant run adds to the C harness's interpretation (harness/interpret.ts): a missing device or
// driver is the machine's fault (infra_error), a CUDA failure of the harness's own calls is too, the kernel
// failing to launch or run is the kernel's (runtime_error), and three more stop reasons the CUDA harness can
// report (launch_missing, timing_inconsistent, inputs_modified during timing). Everything else is the shared interpretation, unchanged.

import { interpretVariantRun, tail, type HarnessReport, type MeasureContext } from "../interpret.ts";
import type { EvalResult, ExecResult } from "../types.ts";
import { CUDA_EXIT } from "./generate.ts";

type Exited = Extract<ExecResult, { kind: "exited" }>;

export interface CudaHarnessReport extends Omit<HarnessReport, "stop"> {
  stop?: { reason: "threads_leaked" | "memory_error" | "launch_missing" | "timing_inconsistent" | "inputs_modified"; where: string; case: number; call: number; threadsBefore: number; threadsAfter: number };
  infra?: { cause: string; detail: string };
  /** cudaGetDeviceProperties of the device that ran it. */
  device?: Record<string, unknown> | null;
  /** cudaFuncGetAttributes of the kernel as loaded (registers and static shared memory the driver sees). */
  kernel?: { numRegs: number; sharedSizeBytes: number; localSizeBytes: number; maxThreadsPerBlock: number } | null;
  launches?: number;
  timed?: boolean;
}

function lastLine(text: string): string {
  return text.trim().split("\n").filter(Boolean).pop() ?? "";
}

export function interpretCudaVariantRun(ctx: MeasureContext, run: Exited, report: CudaHarnessReport | null, lastStep: string): EvalResult | null {
  const { common } = ctx;
  if (!run.timedOut && run.signal === null) {
    if (run.exitCode === CUDA_EXIT.noDevice) {
      const detail = report?.infra?.detail ?? lastLine(run.stderr);
      return { ...common, status: "infra_error", cause: `no CUDA device on ${ctx.device.name}${detail ? `: ${detail}` : ""}`, retryable: false };
    }
    if (run.exitCode === CUDA_EXIT.deviceFault) {
      return { ...common, status: "infra_error", cause: `CUDA device fault outside the kernel on ${ctx.device.name}: ${lastLine(run.stderr)}`, retryable: true };
    }
    if (run.exitCode === CUDA_EXIT.kernelFault) {
      const where = lastStep ? `\n[nightshift] last harness step: ${lastStep}` : "";
      return { ...common, status: "runtime_error", exitCode: run.exitCode, signal: null, stderrTail: tail(run.stderr) + where, phase: "variant" };
    }
  }
  const stop = report?.stop;
  if (stop && !run.timedOut && run.exitCode === 0) {
    const at = stop.case < 0 ? stop.where : `${stop.where} call ${stop.call} of case ${stop.case}`;
    if (stop.reason === "launch_missing") {
      return {
        ...common,
        status: "rejected",
        reason: "launch_missing",
        detail: stop.case < 0
          ? `${ctx.spec.kernel} is not a registered CUDA kernel (cudaFuncGetAttributes failed): nothing the harness launches would run on the device`
          : `no kernel ran during ${at}: the CUDA events measured no time`,
      };
    }
    if (stop.reason === "inputs_modified") {
      return { ...common, status: "rejected", reason: "inputs_modified", detail: `an input buffer read back after ${at} differs from what was uploaded` };
    }
    if (stop.reason === "timing_inconsistent") {
      return { ...common, status: "rejected", reason: "timing_inconsistent", detail: `the CUDA event interval exceeded the host clock around it during ${at}` };
    }
  }
  return interpretVariantRun(ctx, run, report as HarnessReport | null, lastStep);
}

/** The report as the shared verdict interpretation reads it, once interpretCudaVariantRun has handled every stop. */
export function sharedReport(report: CudaHarnessReport | null): HarnessReport {
  const { stop: _stop, ...rest } = report ?? { complete: false };
  return rest as HarnessReport;
}
