// Whether a device can measure a spec at all, asked once at configuration time: a C kernel is timed on a
// CPU and a CUDA kernel on an NVIDIA GPU, and the profile must carry the peaks that set the physics floor.
// Without this a C spec on a GPU-only profile would time this machine's CPU and file it under the GPU's
// name, with no floor to catch an impossible time.

import { fail } from "../core/errors.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { requireGpu } from "./cuda/build.ts";
import { devicePeaks } from "./physics.ts";

/** Throws PROFILE_INVALID when `device` cannot build, time and bound `spec`; replay devices answer from recorded data and pass. */
export function checkSpecOnDevice(spec: KernelSpec, device: HardwareProfile): void {
  if (device.reach.via === "replay") return;
  if (spec.language === "c" && !device.cpu) {
    fail("PROFILE_INVALID", `device ${device.name}: expected a profile with a cpu section for the C kernel ${spec.name}, received a ${device.kind} profile without one`);
  }
  if (spec.language === "cuda") requireGpu(device.gpu, device.name);
  devicePeaks(device, spec);
}
