// Theoretical occupancy from compile stats, the launch geometry and a GPU profile, following the rules of
// the CUDA occupancy calculator (the toolkit's include/cuda_occupancy.h, cudaOccMaxActiveBlocksPerMultiprocessor)
// so the number agrees with cudaOccupancyMaxActiveBlocksPerMultiprocessor on the device.
// Pure arithmetic: it needs no GPU, which is why compile-only builds can report it.

import type { GpuInfo } from "../hardware-profiles/schema.ts";
import type { Occupancy } from "./types.ts";

export type OccupancyLimit = "registers" | "shared_memory" | "blocks" | "warps" | "barriers";

export interface OccupancyInput {
  registersPerThread: number;
  /** Static shared memory of the kernel (ptxas "bytes smem"). */
  staticSharedBytes: number;
  /** Dynamic shared memory of the launch. */
  dynamicSharedBytes: number;
  threadsPerBlock: number;
  /** Block barriers the kernel uses (ptxas "used N barriers"); only Hopper and later count them. */
  barriers?: number;
}

export interface OccupancyDetail {
  activeBlocksPerSM: number;
  activeWarpsPerSM: number;
  /** Active warps over the SM's maximum, 0..1. */
  theoretical: number;
  /** The reported factor (see pickLimit for ties). */
  limitedBy: OccupancyLimit;
  /** Every factor whose block limit equals the result, as the calculator's limitingFactors bit set does. */
  limitingFactors: OccupancyLimit[];
  /** Blocks per SM each resource alone would allow (Infinity when the resource is unused). */
  blockLimits: Record<OccupancyLimit, number>;
  registersAllocatedPerBlock: number;
  sharedMemoryAllocatedPerBlock: number;
  /** Why zero blocks fit, when none do. */
  impossible?: string;
}

/** Registers are allocated per SM sub-partition; every architecture since Volta has four. */
const SUB_PARTITIONS = 4;

function roundUp(x: number, unit: number): number {
  return Math.ceil(x / unit) * unit;
}

function computeMajor(gpu: GpuInfo): number {
  return Number(gpu.computeCapability.split(".")[0]);
}

/** Hopper and later keep two hardware barriers per resident block slot (cudaOccMaxBlocksPerSMBlockBarrierLimit). */
function barrierLimit(gpu: GpuInfo, barriers: number): number {
  if (computeMajor(gpu) < 9 || barriers <= 0) return Infinity;
  return Math.floor((gpu.maxBlocksPerSM * 2) / barriers);
}

function registerLimit(gpu: GpuInfo, input: OccupancyInput, warpsPerBlock: number): { limit: number; perBlock: number; why?: string } {
  const regsPerWarp = roundUp(input.registersPerThread * gpu.warpSize, gpu.registerAllocationUnit);
  const perBlock = regsPerWarp * warpsPerBlock;
  // The hardware's launch check assumes the block's warps are spread over all sub-partitions.
  const assumedPerBlock = regsPerWarp * roundUp(warpsPerBlock, SUB_PARTITIONS);
  if (input.registersPerThread > gpu.maxRegistersPerThread) {
    return { limit: 0, perBlock, why: `${input.registersPerThread} registers per thread exceed the limit of ${gpu.maxRegistersPerThread}` };
  }
  if (perBlock > gpu.maxRegistersPerBlock || assumedPerBlock > gpu.maxRegistersPerBlock) {
    return { limit: 0, perBlock, why: `${Math.max(perBlock, assumedPerBlock)} registers per block exceed the limit of ${gpu.maxRegistersPerBlock}` };
  }
  if (regsPerWarp === 0) return { limit: Infinity, perBlock };
  const warpsPerSubPartition = Math.floor(gpu.registersPerSM / SUB_PARTITIONS / regsPerWarp);
  return { limit: Math.floor((warpsPerSubPartition * SUB_PARTITIONS) / warpsPerBlock), perBlock };
}

function sharedMemoryLimit(gpu: GpuInfo, input: OccupancyInput): { limit: number; perBlock: number; why?: string } {
  const reserved = computeMajor(gpu) >= 8 ? gpu.reservedSharedMemoryPerBlockBytes : 0;
  const used = input.staticSharedBytes + reserved + input.dynamicSharedBytes;
  const perBlock = roundUp(used, gpu.sharedMemoryAllocationUnitBytes);
  // The harness opts in to the large per-block limit (cudaFuncAttributeMaxDynamicSharedMemorySize = the launch's
  // dynamic bytes), so the opt-in limit applies as soon as the block needs more than the default.
  const perBlockLimit = (used > gpu.maxSharedMemoryPerBlockBytes ? gpu.maxSharedMemoryPerBlockOptinBytes : gpu.maxSharedMemoryPerBlockBytes) + reserved;
  if (perBlock > perBlockLimit) {
    return { limit: 0, perBlock, why: `${perBlock} bytes of shared memory per block (with ${reserved} reserved) exceed the limit of ${perBlockLimit}` };
  }
  if (perBlock === 0) return { limit: Infinity, perBlock };
  return { limit: Math.floor(gpu.sharedMemoryPerSMBytes / perBlock), perBlock };
}

// When several resources give the same block count, the hardware caps (warps, blocks) are named first: the
// kernel's own resource use only "limits" occupancy if lowering it would raise the count.
const TIE_ORDER: OccupancyLimit[] = ["warps", "blocks", "registers", "shared_memory", "barriers"];

export function theoreticalOccupancy(gpu: GpuInfo, input: OccupancyInput): OccupancyDetail {
  const warpsPerBlock = Math.ceil(input.threadsPerBlock / gpu.warpSize);
  const maxWarps = Math.min(gpu.maxWarpsPerSM, Math.floor(gpu.maxThreadsPerSM / gpu.warpSize));
  const reasons: string[] = [];
  let warpLimit: number;
  if (input.threadsPerBlock <= 0 || input.threadsPerBlock > gpu.maxThreadsPerBlock) {
    warpLimit = 0;
    reasons.push(`${input.threadsPerBlock} threads per block are outside 1..${gpu.maxThreadsPerBlock}`);
  } else {
    warpLimit = Math.floor(maxWarps / warpsPerBlock);
  }
  const regs = warpsPerBlock > 0 ? registerLimit(gpu, input, warpsPerBlock) : { limit: 0, perBlock: 0 };
  const smem = sharedMemoryLimit(gpu, input);
  if ("why" in regs && regs.why) reasons.push(regs.why);
  if (smem.why) reasons.push(smem.why);
  const blockLimits: Record<OccupancyLimit, number> = {
    warps: warpLimit,
    blocks: gpu.maxBlocksPerSM,
    registers: regs.limit,
    shared_memory: smem.limit,
    barriers: barrierLimit(gpu, input.barriers ?? 0),
  };
  const active = Math.min(...Object.values(blockLimits));
  const limitingFactors = TIE_ORDER.filter((k) => blockLimits[k] === active);
  const activeWarps = active * warpsPerBlock;
  return {
    activeBlocksPerSM: active,
    activeWarpsPerSM: activeWarps,
    theoretical: activeWarps / maxWarps,
    limitedBy: limitingFactors[0]!,
    limitingFactors,
    blockLimits,
    registersAllocatedPerBlock: regs.perBlock,
    sharedMemoryAllocatedPerBlock: smem.perBlock,
    ...(active === 0 ? { impossible: reasons.join("; ") || "no block fits on a multiprocessor" } : {}),
  };
}

/** The contract's summary (harness/types.ts). Barriers only bind with several named barriers; they count as a block-slot limit. */
export function toOccupancy(detail: OccupancyDetail, achieved: number | null = null): Occupancy {
  return {
    theoretical: detail.theoretical,
    limitedBy: detail.limitedBy === "barriers" ? "blocks" : detail.limitedBy,
    activeBlocksPerSM: detail.activeBlocksPerSM,
    achieved,
  };
}
