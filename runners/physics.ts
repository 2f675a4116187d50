// The physics floor of a kernel on a device: no correct implementation can move `bytes` faster than
// the peak bandwidth or execute `flops` faster than the peak rate, so a median below
// max(bytes / bandwidth, flops / rate) is an impossible measurement, not a win.

import { compileExpr } from "../core/expr.ts";
import { fail } from "../core/errors.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { KernelSpec, Params, ProblemSize } from "../specs/schema.ts";
import type { Roofline } from "./types.ts";

export interface Work {
  bytes: number;
  flops: number;
}

export interface Peaks {
  bandwidthGBs: number;
  gflops: number;
}

export function problemWork(spec: KernelSpec, params: Params, size: ProblemSize = spec.problem.tune): Work {
  const env = { ...size, ...params };
  const bytes = compileExpr(spec.bytes, null, "bytes").evaluateNumber(env);
  const flops = compileExpr(spec.flops, null, "flops").evaluateNumber(env);
  if (!(bytes >= 0) || !(flops >= 0)) fail("SPEC_INVALID", `bytes/flops: expected non-negative numbers, received bytes=${bytes}, flops=${flops}`);
  return { bytes, flops };
}

/** The precision the peak rate is taken at: double if any buffer is double, else single. */
function computeDtype(spec: KernelSpec): "float32" | "float64" {
  return spec.arguments.some((a) => a.kind === "buffer" && a.dtype === "float64") ? "float64" : "float32";
}

/** Peaks from the profile; null when the profile describes no device of the spec's kind. */
export function devicePeaks(device: HardwareProfile, spec: KernelSpec): Peaks | null {
  const dtype = computeDtype(spec);
  if (spec.language === "c" && device.cpu) {
    return { bandwidthGBs: device.cpu.peakBandwidthGBs, gflops: device.cpu.peakGflops[dtype] };
  }
  if (spec.language === "cuda" && device.gpu) {
    const tflops = device.gpu.peakTflops[dtype] ?? device.gpu.peakTflops.float32;
    if (tflops === undefined) return null;
    return { bandwidthGBs: device.gpu.memoryBandwidthGBs, gflops: tflops * 1000 };
  }
  return null;
}

export function floorMs(work: Work, peaks: Peaks): number {
  return Math.max(work.bytes / (peaks.bandwidthGBs * 1e9), work.flops / (peaks.gflops * 1e9)) * 1e3;
}

export function roofline(work: Work, peaks: Peaks, medianMs: number): Roofline {
  const seconds = medianMs / 1e3;
  const achievedGBs = seconds > 0 ? work.bytes / seconds / 1e9 : Number.POSITIVE_INFINITY;
  const achievedGflops = seconds > 0 ? work.flops / seconds / 1e9 : Number.POSITIVE_INFINITY;
  return {
    bytes: work.bytes,
    flops: work.flops,
    achievedGBs,
    achievedGflops,
    bandwidthFraction: achievedGBs / peaks.bandwidthGBs,
    computeFraction: achievedGflops / peaks.gflops,
    floorMs: floorMs(work, peaks),
  };
}
