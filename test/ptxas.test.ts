import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, beforeAll } from "vitest";
import { compileStatsFromEntry, findEntry, parsePtxas } from "../harness/ptxas.ts";
import { haveNvcc, NVCC, warnWithoutNvcc } from "./support/toolchain.ts";

// Verbatim `nvcc 13.0 -gencode sm_80 -gencode sm_90 -maxrregcount=32 -Xptxas -v` output for two kernels and a
// __noinline__ device function: sm_80 still prints cmem, sm_90 does not, both print cumulative stack size.
const NVCC13_TWO_ARCHS = `ptxas info    : Overriding maximum register limit 256 for 'usesdev' with  32 of maxrregcount option
ptxas info    : Overriding maximum register limit 256 for 'spill' with  32 of maxrregcount option
ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'usesdev' for 'sm_80'
ptxas info    : Function properties for usesdev
    128 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 31 registers, used 0 barriers, 128 bytes cumulative stack size, 360 bytes cmem[0]
ptxas info    : Compile time = 7.381 ms
ptxas info    : Function properties for _Z3devPfi
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Compiling entry function 'spill' for 'sm_80'
ptxas info    : Function properties for spill
    408 bytes stack frame, 808 bytes spill stores, 812 bytes spill loads
ptxas info    : Used 32 registers, used 0 barriers, 408 bytes cumulative stack size, 364 bytes cmem[0]
ptxas info    : Compile time = 29.317 ms
ptxas info    : Overriding maximum register limit 256 for 'usesdev' with  32 of maxrregcount option
ptxas info    : Overriding maximum register limit 256 for 'spill' with  32 of maxrregcount option
ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'usesdev' for 'sm_90'
ptxas info    : Function properties for usesdev
    128 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 31 registers, used 0 barriers, 128 bytes cumulative stack size
ptxas info    : Compile time = 5.599 ms
ptxas info    : Function properties for _Z3devPfi
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Compiling entry function 'spill' for 'sm_90'
ptxas info    : Function properties for spill
    416 bytes stack frame, 844 bytes spill stores, 848 bytes spill loads
ptxas info    : Used 32 registers, used 0 barriers, 416 bytes cumulative stack size
ptxas info    : Compile time = 36.379 ms
`;

// The CUDA 11/12 layout: shared memory and constant banks on the "Used" line, barriers not reported.
const CUDA12_LAYOUT = `ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function '_Z6kernelPfS_i' for 'sm_80'
ptxas info    : Function properties for _Z6kernelPfS_i
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 40 registers, 8192 bytes smem, 372 bytes cmem[0], 8 bytes cmem[2]
ptxas info    : Compiling entry function 'plain' for 'sm_80'
ptxas info    : Function properties for plain
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 8 registers, 356 bytes cmem[0]
ptxas warning : Registers are spilled to local memory in function 'other'
`;

describe("parsing ptxas -v reports", () => {
  it("keeps one entry per kernel per architecture, with spills, stack, barriers and register caps", () => {
    const report = parsePtxas(NVCC13_TWO_ARCHS);
    const entries = report.functions.filter((f) => f.entry);
    expect(entries.map((e) => `${e.name}@${e.arch}`)).toEqual(["usesdev@sm_80", "spill@sm_80", "usesdev@sm_90", "spill@sm_90"]);
    const spill90 = findEntry(report, "spill", "sm_90")!;
    expect(compileStatsFromEntry(spill90)).toEqual({
      registersPerThread: 32,
      sharedMemoryBytes: 0,
      spillStoreBytes: 844,
      spillLoadBytes: 848,
      stackFrameBytes: 416,
      barriers: 0,
    });
    expect(spill90.registerLimit).toBe(32);
    expect(spill90.cumulativeStackBytes).toBe(416);
    expect(findEntry(report, "spill", "sm_80")!.spillStoreBytes).toBe(808);
    expect(findEntry(report, "usesdev", "sm_80")!.constantBytes).toEqual({ "cmem[0]": 360 });
    expect(findEntry(report, "usesdev", "sm_90")!.constantBytes).toEqual({});
  });

  it("records non-entry device functions separately, without attributing their frames to a kernel", () => {
    const report = parsePtxas(NVCC13_TWO_ARCHS);
    const dev = report.functions.filter((f) => !f.entry);
    expect(dev.map((d) => `${d.name}@${d.arch}`)).toEqual(["_Z3devPfi@sm_80", "_Z3devPfi@sm_90"]);
    expect(findEntry(report, "usesdev", "sm_90")!.stackFrameBytes).toBe(128);
  });

  it("reads the older layout with smem and cmem on the Used line, finds mangled kernels, keeps warnings and the raw text", () => {
    const report = parsePtxas(CUDA12_LAYOUT);
    const k = findEntry(report, "kernel")!;
    expect(k.name).toBe("_Z6kernelPfS_i");
    expect(k.registers).toBe(40);
    expect(k.sharedMemoryBytes).toBe(8192);
    expect(k.barriers).toBeUndefined();
    expect(k.constantBytes).toEqual({ "cmem[0]": 372, "cmem[2]": 8 });
    expect(compileStatsFromEntry(findEntry(report, "plain")!)).toEqual({ registersPerThread: 8, sharedMemoryBytes: 0, spillStoreBytes: 0, spillLoadBytes: 0, stackFrameBytes: 0 });
    expect(report.warnings).toEqual(["ptxas warning : Registers are spilled to local memory in function 'other'"]);
    expect(report.raw).toBe(CUDA12_LAYOUT);
  });

  it("does not mistake a kernel whose name extends another's for it", () => {
    const report = parsePtxas(CUDA12_LAYOUT.replaceAll("'plain'", "'plain2'").replace("for plain\n", "for plain2\n"));
    expect(findEntry(report, "plain")).toBeUndefined();
    expect(findEntry(report, "plain2")?.registers).toBe(8);
  });
});

warnWithoutNvcc("ptxas tests against a live compiler");

describe.skipIf(!haveNvcc)("parsing what the installed nvcc prints", () => {
  let log = "";
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "ns-ptxas-"));
    writeFileSync(
      join(dir, "k.cu"),
      `extern "C" __global__ void staged(float* a) { __shared__ float s[512]; s[threadIdx.x] = a[threadIdx.x]; __syncthreads(); a[threadIdx.x] = s[511 - threadIdx.x]; }
extern "C" __global__ void pressure(float* a, int n) {
  float acc[64];
#pragma unroll
  for (int k = 0; k < 64; k++) acc[k] = a[threadIdx.x + k * n];
  for (int it = 0; it < n; it++)
#pragma unroll
    for (int k = 0; k < 64; k++) acc[k] = acc[k] * acc[(k + 7) % 64] + 1.0f;
  float s = 0;
#pragma unroll
  for (int k = 0; k < 64; k++) s += acc[k];
  a[threadIdx.x] = s;
}
`,
    );
    // One invocation for both architectures keeps the test to a single compiler run.
    const result = spawnSync(NVCC, ["-gencode", "arch=compute_80,code=sm_80", "-gencode", "arch=compute_90,code=sm_90", "-maxrregcount=40", "-Xptxas", "-v", "-c", "k.cu", "-o", "k.o"], {
      cwd: dir,
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`nvcc failed (${result.status}): ${result.stderr}`);
    log = result.stdout + result.stderr;
  }, 120_000);

  it("reports static shared memory, a barrier and registers for a staged kernel on sm_80 and sm_90", () => {
    const report = parsePtxas(log);
    for (const arch of ["sm_80", "sm_90"]) {
      const staged = findEntry(report, "staged", arch);
      expect(staged, `${arch} in:\n${log}`).toBeDefined();
      expect(staged!.sharedMemoryBytes).toBe(2048);
      expect(staged!.barriers).toBe(1);
      expect(staged!.registers).toBeGreaterThan(0);
    }
  });

  it("sees spills when a 64-float array meets a 40-register cap", () => {
    const report = parsePtxas(log);
    for (const arch of ["sm_80", "sm_90"]) {
      const p = findEntry(report, "pressure", arch)!;
      expect(p.registers).toBeLessThanOrEqual(40);
      expect(p.registerLimit).toBe(40);
      expect(p.spillStoreBytes! + p.stackFrameBytes!).toBeGreaterThan(0);
    }
  });
});
