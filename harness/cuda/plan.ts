// The plan of one CUDA variant: the same cases, buffers, dump names, compare program and timing settings as
// the C harness (harness/plan.ts), so the same trusted compare program and the same interpretation apply,
// plus what only a GPU needs: a launch geometry per case, the L2 flush size and the nvcc command lines.

import { fail } from "../../core/errors.ts";
import type { GpuInfo, HardwareProfile } from "../../hardware-profiles/schema.ts";
import type { KernelSpec, Params } from "../../specs/schema.ts";
import { makeHarnessPlan, type HarnessPlan, type PlanOptions } from "../plan.ts";
import { cudaBuildCommands, requireGpu } from "./build.ts";
import { evaluateLaunch, type LaunchGeometry } from "./launch.ts";

export interface CudaHarnessPlan extends HarnessPlan {
  gpu: GpuInfo;
  /** Launch geometry per case, in `cases` order. */
  launches: LaunchGeometry[];
}

/**
 * The address-space limit the executor puts on a CUDA variant's process. The CUDA driver reserves virtual
 * address space for unified addressing far beyond what it uses (on the order of the device's memory plus the
 * host's), so the C harness's RLIMIT_AS would make cuInit fail. The variant has no host code of its own (the
 * symbol policy), so the host side stays bounded by the harness's buffers; 64 TiB is effectively no limit.
 */
export const CUDA_ADDRESS_SPACE_MB = 64 * 1024 * 1024;

/** Twice the L2, so the flush kernel's write sweep leaves nothing of the previous repetition cached. */
export function l2FlushBytes(gpu: GpuInfo): number {
  return 2 * gpu.l2CacheBytes;
}

export function makeCudaPlan(spec: KernelSpec, params: Params, device: HardwareProfile, options: PlanOptions = {}): CudaHarnessPlan {
  if (spec.language !== "cuda") fail("INTERNAL", `the CUDA harness plans CUDA kernels only, received a ${spec.language} spec`);
  const gpu = requireGpu(device.gpu, device.name);
  const base = makeHarnessPlan(spec, params, device, options);
  const launches = base.cases.map((c) => evaluateLaunch(spec, params, c.size));
  return {
    ...base,
    flushBytes: l2FlushBytes(gpu),
    limits: { ...base.limits, memoryMb: CUDA_ADDRESS_SPACE_MB },
    commands: cudaBuildCommands(spec, params, gpu, base.commands),
    gpu,
    launches,
  };
}
