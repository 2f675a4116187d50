// What the monitor's run of a C variant says by itself (runtime/monitor.c writes harness.json): the monitor
// judged every call with the worker stopped, so its first finding is the verdict. A failure of the monitor
// itself (it could not start the sandbox, or never wrote its report) is the machine's, never the kernel's.

import type { Exited, RunEvidence } from "../backend.ts";
import { tail, type HarnessReport, type MeasureContext } from "../interpret.ts";
import type { EvalResult, RejectReason } from "../types.ts";

export interface MonitorReport {
  complete: boolean;
  isolation: "sandboxed" | "unsandboxed";
  /** Kernel calls that completed before the run ended. */
  calls: number;
  stop?: { reason: string; where: string; case: number; call: number; detail: string };
}

export interface MonitorTiming {
  repetitions: number;
  timingPhaseMs: number;
  /** The protocol's own cost per call (resume, answer, stop), already subtracted from every sample. */
  overheadMs: number;
}

/** The monitor's findings that reject the kernel outright, under their own names. */
const REJECTIONS: ReadonlySet<string> = new Set<RejectReason>(["sandbox_violation", "evidence_tampering", "hidden_parallelism", "memory_error", "inputs_modified"]);

function where(ctx: MeasureContext, stop: NonNullable<MonitorReport["stop"]>): string {
  if (stop.case < 0) return stop.where;
  return `${stop.where} call ${stop.call} of case ${stop.case} (size ${JSON.stringify(ctx.plan.cases[stop.case]?.size ?? {})})`;
}

export function interpretMonitorRun(ctx: MeasureContext, run: Exited, evidence: RunEvidence): EvalResult | null {
  const { common } = ctx;
  if (run.timedOut) return { ...common, status: "infra_error", cause: "the monitor did not finish within its own limit (the machine is overloaded or stopped it)", retryable: true };
  if (run.signal !== null || run.exitCode !== 0) {
    return { ...common, status: "infra_error", cause: `the monitor failed (${run.signal ?? `exit ${run.exitCode}`}): ${tail(run.stderr, 1500)}`, retryable: run.exitCode !== 92 };
  }
  const report = evidence.report as MonitorReport | null;
  if (!report || typeof report.complete !== "boolean") return { ...common, status: "infra_error", cause: "the monitor finished without a readable harness.json", retryable: false };
  const stop = report.stop;
  if (report.complete || !stop) return null;
  const at = where(ctx, stop);
  if (stop.reason === "timeout") return { ...common, status: "timeout", limitMs: ctx.plan.limits.variantMs, phase: "variant" };
  if (REJECTIONS.has(stop.reason)) return { ...common, status: "rejected", reason: stop.reason as RejectReason, detail: `${stop.detail} during ${at}` };
  if (stop.reason === "worker_setup") {
    return { ...common, status: "infra_error", cause: `the worker could not start: ${tail(evidence.output, 1000) || stop.detail}`, retryable: false };
  }
  const signal = /^signal (SIG\w+)/.exec(stop.detail)?.[1] ?? null;
  const exit = /^exit (\d+)/.exec(stop.detail);
  const stderrTail = `${tail(evidence.output)}\n[nightshift] the worker ended (${stop.detail}) during ${at}`;
  return { ...common, status: "runtime_error", exitCode: exit ? Number(exit[1]) : null, signal, stderrTail, phase: "variant" };
}

/** The monitor's timing summary in the shape the shared verdict interpretation reads. */
export function monitorReport(timing: MonitorTiming | null): HarnessReport {
  return { complete: true, repetitions: timing?.repetitions ?? 0, timingPhaseMs: timing?.timingPhaseMs ?? Number.POSITIVE_INFINITY, modifiedOnSecondCall: null };
}
