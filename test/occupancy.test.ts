import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, beforeAll } from "vitest";
import { gpuSchema, type GpuInfo } from "../hardware-profiles/schema.ts";
import { theoreticalOccupancy, toOccupancy, type OccupancyInput, type OccupancyLimit } from "../harness/occupancy.ts";

const ROOT = join(import.meta.dirname, "..");
const HEADER = "/usr/local/cuda/include/cuda_occupancy.h";

// Datasheet limits (CUDA C Programming Guide, compute capability tables) used until the shipped profiles
// exist; when hardware-profiles/<name>.json is present its gpu section is used instead.
const HOPPER_LIMITS = {
  vendor: "nvidia",
  arch: "sm_90",
  computeCapability: "9.0",
  warpSize: 32,
  maxThreadsPerBlock: 1024,
  maxThreadsPerSM: 2048,
  maxWarpsPerSM: 64,
  maxBlocksPerSM: 32,
  registersPerSM: 65536,
  maxRegistersPerThread: 255,
  maxRegistersPerBlock: 65536,
  registerAllocationUnit: 256,
  sharedMemoryPerSMBytes: 233472,
  maxSharedMemoryPerBlockBytes: 49152,
  maxSharedMemoryPerBlockOptinBytes: 232448,
  sharedMemoryAllocationUnitBytes: 128,
  reservedSharedMemoryPerBlockBytes: 1024,
  l2CacheBytes: 52428800,
} as const;

const FALLBACK: Record<string, GpuInfo> = {
  "h100-sxm": { ...HOPPER_LIMITS, model: "H100 SXM5", smCount: 132, memoryBytes: 85899345920, memoryBandwidthGBs: 3350, peakTflops: { float32: 66.9 } },
  h200: { ...HOPPER_LIMITS, model: "H200 SXM", smCount: 132, memoryBytes: 150323855360, memoryBandwidthGBs: 4800, peakTflops: { float32: 66.9 } },
  a100: {
    ...HOPPER_LIMITS,
    model: "A100 SXM4",
    arch: "sm_80",
    computeCapability: "8.0",
    smCount: 108,
    sharedMemoryPerSMBytes: 167936,
    maxSharedMemoryPerBlockOptinBytes: 166912,
    l2CacheBytes: 41943040,
    memoryBytes: 85899345920,
    memoryBandwidthGBs: 2039,
    peakTflops: { float32: 19.5 },
  },
};

function gpu(name: string): GpuInfo {
  const file = join(ROOT, "hardware-profiles", `${name}.json`);
  // A shipped profile that does not parse is an error here, not a reason to test against the fallback.
  if (existsSync(file)) return gpuSchema.parse(JSON.parse(readFileSync(file, "utf8")).gpu);
  return FALLBACK[name]!;
}

const base: OccupancyInput = { registersPerThread: 32, staticSharedBytes: 0, dynamicSharedBytes: 0, threadsPerBlock: 256, barriers: 1 };

describe("theoretical occupancy, hand-computed cases", () => {
  const h100 = gpu("h100-sxm");

  it("reaches 100% with 256 threads at 32 registers, naming the warp cap rather than the tied register limit", () => {
    const r = theoreticalOccupancy(h100, base);
    expect(r.activeBlocksPerSM).toBe(8);
    expect(r.theoretical).toBe(1);
    expect(r.limitedBy).toBe("warps");
    expect(r.limitingFactors).toEqual(["warps", "registers"]);
  });

  it("rounds registers per warp up to the 256-register unit: 40 registers x 32 lanes -> 1280, 12 warps per sub-partition, 6 blocks", () => {
    const r = theoreticalOccupancy(h100, { ...base, registersPerThread: 40 });
    expect(r.blockLimits.registers).toBe(6);
    expect(r.activeBlocksPerSM).toBe(6);
    expect(r.theoretical).toBe(0.75);
    expect(r.limitedBy).toBe("registers");
  });

  it("is limited by registers at 128 per thread: 4 warps per sub-partition -> 16 warps -> 25%", () => {
    const r = theoreticalOccupancy(h100, { ...base, registersPerThread: 128, threadsPerBlock: 128 });
    expect(r.activeBlocksPerSM).toBe(4);
    expect(r.theoretical).toBe(0.25);
    expect(r.limitedBy).toBe("registers");
  });

  it("is limited by the 32-block cap for single-warp blocks", () => {
    const r = theoreticalOccupancy(h100, { ...base, threadsPerBlock: 32, registersPerThread: 16 });
    expect(r.activeBlocksPerSM).toBe(32);
    expect(r.theoretical).toBe(0.5);
    expect(r.limitedBy).toBe("blocks");
  });

  it("counts the 1 KiB the driver reserves per block: 48 KiB dynamic -> 50176 B -> 4 blocks on Hopper, 3 on A100", () => {
    const input = { ...base, dynamicSharedBytes: 49152 };
    const hopper = theoreticalOccupancy(h100, input);
    expect(hopper.sharedMemoryAllocatedPerBlock).toBe(50176);
    expect(hopper.activeBlocksPerSM).toBe(4);
    expect(hopper.limitedBy).toBe("shared_memory");
    const ampere = theoreticalOccupancy(gpu("a100"), input);
    expect(ampere.activeBlocksPerSM).toBe(3);
    expect(ampere.theoretical).toBe(0.375);
  });

  it("rounds shared memory to the 128-byte allocation unit", () => {
    const r = theoreticalOccupancy(h100, { ...base, staticSharedBytes: 4100, threadsPerBlock: 32 });
    // 4100 + 1024 = 5124 -> 5248; 233472 / 5248 = 44.5 -> 44, but the 32-block cap binds first.
    expect(r.sharedMemoryAllocatedPerBlock).toBe(5248);
    expect(r.blockLimits.shared_memory).toBe(44);
    expect(r.limitedBy).toBe("blocks");
  });

  it("reports zero and why when a 1024-thread block needs more registers than a block may have", () => {
    const r = theoreticalOccupancy(h100, { ...base, registersPerThread: 128, threadsPerBlock: 1024 });
    expect(r.activeBlocksPerSM).toBe(0);
    expect(r.theoretical).toBe(0);
    expect(r.limitedBy).toBe("registers");
    expect(r.impossible).toMatch(/131072 registers per block exceed the limit of 65536/);
  });

  it("reports zero when dynamic shared memory exceeds even the opt-in limit", () => {
    const r = theoreticalOccupancy(h100, { ...base, dynamicSharedBytes: 232449 });
    expect(r.activeBlocksPerSM).toBe(0);
    expect(r.limitedBy).toBe("shared_memory");
    expect(r.impossible).toMatch(/exceed the limit of 233472/);
  });

  it("summarises into the runner contract's Occupancy with achieved left null without a profiler", () => {
    expect(toOccupancy(theoreticalOccupancy(h100, { ...base, registersPerThread: 40 }))).toEqual({
      theoretical: 0.75,
      limitedBy: "registers",
      activeBlocksPerSM: 6,
      achieved: null,
    });
  });
});

// ---- Agreement with the toolkit's calculator (cuda_occupancy.h compiled for the host) ----

const haveOracle = existsSync(HEADER);
if (!haveOracle) console.warn(`occupancy oracle tests skipped: ${HEADER} is not installed (needs the CUDA toolkit)`);

const BITS: Record<number, OccupancyLimit> = { 1: "warps", 2: "registers", 4: "shared_memory", 8: "blocks", 16: "barriers" };

function configurations(): OccupancyInput[] {
  const out: OccupancyInput[] = [];
  const smem: Array<[number, number]> = [[0, 0], [1024, 0], [0, 8192], [16384, 16384], [0, 49152], [0, 100000], [40000, 60000], [0, 166912], [0, 232448]];
  for (const registersPerThread of [16, 32, 40, 64, 72, 96, 128, 168, 255])
    for (const threadsPerBlock of [32, 64, 96, 128, 192, 256, 384, 512, 768, 1024])
      for (const [staticSharedBytes, dynamicSharedBytes] of smem)
        for (const barriers of [1, 5]) out.push({ registersPerThread, staticSharedBytes, dynamicSharedBytes, threadsPerBlock, barriers });
  return out;
}

describe.skipIf(!haveOracle)("theoretical occupancy agrees with cuda_occupancy.h", () => {
  let oracle = "";
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "ns-occ-"));
    oracle = join(dir, "oracle");
    execFileSync("g++", ["-O1", "-I/usr/local/cuda/include", join(ROOT, "bench", "gpu", "occupancy-oracle.cpp"), "-o", oracle]);
  });

  for (const name of ["h100-sxm", "h200", "a100"]) {
    it(`matches cudaOccMaxActiveBlocksPerMultiprocessor on ${configurations().length} configurations for ${name}`, () => {
      const g = gpu(name);
      const [major, minor] = g.computeCapability.split(".");
      const args = [major!, minor!, g.maxThreadsPerBlock, g.maxThreadsPerSM, g.maxRegistersPerBlock, g.registersPerSM, g.warpSize,
        g.maxSharedMemoryPerBlockBytes, g.sharedMemoryPerSMBytes, g.maxSharedMemoryPerBlockOptinBytes, g.reservedSharedMemoryPerBlockBytes].map(String);
      const configs = configurations();
      const stdin = configs.map((c) => `${c.registersPerThread} ${c.staticSharedBytes} ${c.dynamicSharedBytes} ${c.threadsPerBlock} ${c.barriers}`).join("\n");
      const lines = execFileSync(oracle, args, { input: stdin, encoding: "utf8" }).trim().split("\n");
      expect(lines.length).toBe(configs.length);
      let zeroBlocks = 0;
      const seenLimits = new Set<OccupancyLimit>();
      configs.forEach((c, i) => {
        const [blocks, bits, regs, smem, warps, blockCap] = lines[i]!.split(" ").map(Number) as number[];
        const ours = theoreticalOccupancy(g, c);
        const fin = (v: number) => (v === Infinity ? -1 : v);
        const where = `${name} ${JSON.stringify(c)}`;
        expect(ours.activeBlocksPerSM, where).toBe(blocks);
        expect([fin(ours.blockLimits.registers), fin(ours.blockLimits.shared_memory), ours.blockLimits.warps, ours.blockLimits.blocks], where).toEqual([regs, smem, warps, blockCap]);
        const factors = Object.entries(BITS).filter(([bit]) => (bits! & Number(bit)) !== 0).map(([, f]) => f);
        expect(factors, where).toContain(ours.limitedBy);
        if (blocks === 0) zeroBlocks++;
        seenLimits.add(ours.limitedBy);
      });
      // The grid is only a real check if it reaches every kind of limit and some impossible launches.
      expect(zeroBlocks).toBeGreaterThan(0);
      expect([...seenLimits]).toEqual(expect.arrayContaining(["blocks", "registers", "shared_memory", "warps"]));
    });
  }
});
