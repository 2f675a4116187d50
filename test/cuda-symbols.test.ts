import { describe, expect, it } from "vitest";
import { parseNm } from "../harness/symbols.ts";
import { checkCudaSymbols, isStubOf } from "../harness/cuda/symbols.ts";

// `nm -P` of host objects from `nvcc 13.0 -arch=sm_90 -c`, verbatim (local b/t/d/r symbols removed).
const RUNTIME = `_Unwind_Resume U
__cudaGetKernel U
__cudaInitModule U
__cudaLaunchKernel U
__cudaPopCallConfiguration U
__cudaRegisterFatBinary U
__cudaRegisterFatBinaryEnd U
__cudaRegisterFunction U
__cudaUnregisterFatBinary U
__cxa_guard_abort U
__cxa_guard_acquire U
__cxa_guard_release U
__gxx_personality_v0 U
atexit U
`;
const STUB = "_Z33__device_stub__Z9transposePKfPfiiPKfPfii T d6 1de\n";
const PERSONALITY = "DW.ref.__gxx_personality_v0 V 0 8\n";

/** One extern "C" kernel using a static __device__ counter. */
const HONEST_WITH_DEVICE_VAR = `${PERSONALITY}${STUB}${RUNTIME}__cudaRegisterVar U\ntranspose T 2d3 2f\n`;
/** A second kernel beside the one the spec names. */
const TWO_KERNELS = `${PERSONALITY}_Z33__device_stub__Z13helper_kernelPfPf T 2e3 192\n${STUB}${RUNTIME}helper_kernel T 475 1b\ntranspose T 2b4 2f\n`;
/** A kernel plus a static object whose constructor calls cudaMalloc before main. */
const STATIC_CONSTRUCTOR = `${PERSONALITY}${STUB}_ZN5SneakC1Ev W 0 20\n_ZN5SneakC2Ev W 0 20\n_ZN5SneakC5Ev n 0\n${RUNTIME}cudaMalloc U\ntranspose T 2b4 2f\n`;
/** The same kernel compiled without its symbol (renamed). */
const WRONG_NAME = `${PERSONALITY}_Z33__device_stub__Z9transposxPKfPfiiPKfPfii T d6 1de\n${RUNTIME}transposx T 2b4 2f\n`;

describe("the CUDA symbol policy on nvcc host objects", () => {
  it("accepts one kernel with its launch stub, nvcc's registration calls and a __device__ variable", () => {
    const v = checkCudaSymbols(parseNm(HONEST_WITH_DEVICE_VAR), "transpose", []);
    expect(v).toMatchObject({ ok: true, defined: ["DW.ref.__gxx_personality_v0", "_Z33__device_stub__Z9transposePKfPfiiPKfPfii", "transpose"] });
    expect(v.called).toContain("__cudaRegisterVar");
  });

  it("rejects a second kernel, naming it", () => {
    const v = checkCudaSymbols(parseNm(TWO_KERNELS), "transpose", []);
    expect(v).toMatchObject({ ok: false, kind: "forbidden" });
    expect(v.ok ? "" : v.detail).toMatch(/helper_kernel \(T\)/);
  });

  it("rejects host code of the variant's own (a static constructor that allocates device memory)", () => {
    const v = checkCudaSymbols(parseNm(STATIC_CONSTRUCTOR), "transpose", []);
    expect(v).toMatchObject({ ok: false, kind: "forbidden" });
    expect(v.ok ? "" : v.detail).toMatch(/_ZN5SneakC1Ev/);
    // Even with its constructor allowed, the public runtime call it makes is refused.
    const calls = checkCudaSymbols(parseNm(STATIC_CONSTRUCTOR.replace(/_ZN5Sneak.*\n/g, "")), "transpose", []);
    expect(calls.ok ? "" : calls.detail).toMatch(/calls cudaMalloc/);
  });

  it("lets a spec allow a call explicitly", () => {
    const text = STATIC_CONSTRUCTOR.replace(/_ZN5Sneak.*\n/g, "");
    expect(checkCudaSymbols(parseNm(text), "transpose", ["cudaMalloc"]).ok).toBe(true);
  });

  it("reports a missing kernel as kernel_missing", () => {
    expect(checkCudaSymbols(parseNm(WRONG_NAME), "transpose", [])).toMatchObject({ ok: false, kind: "kernel_missing" });
  });

  it("recognises nvcc's stub names for extern \"C\" and C++ kernels, and only for the kernel asked about", () => {
    expect(isStubOf("_Z33__device_stub__Z9transposePKfPfiiPKfPfii", "transpose")).toBe(true);
    expect(isStubOf("_Z33__device_stub__Z13helper_kernelPfPf", "transpose")).toBe(false);
    expect(isStubOf("_Z33__device_stub__Z9transposePKfPfiiPKfPfii", "transpos")).toBe(false);
  });
});
