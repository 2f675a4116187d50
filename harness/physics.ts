// The physics floor of a kernel on a device: no correct implementation can move `bytes` faster than
// the peak bandwidth or execute `flops` faster than the peak rate, so a median below
// max(bytes / bandwidth, flops / rate) is an impossible measurement, not a win.

import { fail } from "../core/errors.ts";
import { compileExpr } from "../core/expr.ts";
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

/**
 * Peaks from the profile. A profile without them for the spec's kind is bad configuration, not "no floor":
 * without a floor an impossible time would pass as a win (harness/device-fit.ts asks this up front).
 */
export function devicePeaks(device: HardwareProfile, spec: KernelSpec): Peaks {
  const dtype = computeDtype(spec);
  if (spec.language === "c") {
    if (!device.cpu) fail("PROFILE_INVALID", `device ${device.name}: expected cpu peaks for the C kernel ${spec.name}, received a profile without a cpu section`);
    return { bandwidthGBs: device.cpu.peakBandwidthGBs, gflops: device.cpu.peakGflops[dtype] };
  }
  if (!device.gpu) fail("PROFILE_INVALID", `device ${device.name}: expected gpu peaks for the CUDA kernel ${spec.name}, received a profile without a gpu section`);
  // The float32 rate bounds a float64 kernel too (it is the higher of the two), so it may stand in.
  const tflops = device.gpu.peakTflops[dtype] ?? device.gpu.peakTflops.float32;
  if (tflops === undefined) {
    fail("PROFILE_INVALID", `device ${device.name}: expected gpu.peakTflops.${dtype} or gpu.peakTflops.float32, received only ${Object.keys(device.gpu.peakTflops).join(", ") || "nothing"}`);
  }
  return { bandwidthGBs: device.gpu.memoryBandwidthGBs, gflops: tflops * 1000 };
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
