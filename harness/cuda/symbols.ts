// The symbol policy for a CUDA variant's host object (nvcc -c), read from `nm -P` (cuobjdump is not part of
// every toolkit install, and the host object is what gets linked into the harness). nvcc's host half of a
// kernel is a launch stub: the kernel symbol itself, a `__device_stub__` wrapper, and calls into the
// runtime's private registration entry points (`__cuda*`). A variant may define exactly that for its one
// kernel. It may not define main, a second kernel, a timer or any public CUDA runtime function, and it may
// not call the public runtime API (cudaEventRecord, cudaStreamCreate, cudaMemcpy, ...): launching work of
// its own on a side stream or touching the harness's events is only possible through those calls.

import { isAllowedCall, type NmSymbol, type SymbolVerdict } from "../symbols.ts";
import { namesKernel } from "../ptxas.ts";

/** Private runtime entry points nvcc's generated host code calls to register and launch kernels. */
const NVCC_RUNTIME = /^__cuda(RegisterFatBinary|RegisterFatBinaryEnd|RegisterFunction|RegisterVar|RegisterManagedVar|RegisterTexture|RegisterSurface|UnregisterFatBinary|PushCallConfiguration|PopCallConfiguration|LaunchKernel|LaunchKernel_ptsz|GetKernel|InitModule|InitManagedRuntime)$/;
/** The C++ runtime support nvcc's host code (function-local statics, exception tables) pulls in. */
const CXX_SUPPORT = new Set(["__cxa_guard_acquire", "__cxa_guard_release", "__cxa_guard_abort", "__cxa_atexit", "__dso_handle", "__gxx_personality_v0", "_Unwind_Resume", "atexit", "exit"]);
/** The one weak definition g++ emits for exception personality references. */
const ALLOWED_WEAK = new Set(["DW.ref.__gxx_personality_v0"]);

const UNDEFINED = new Set(["U", "w", "v"]);

function isGlobalDefinition(s: NmSymbol): boolean {
  return !UNDEFINED.has(s.type) && /[A-Z]/.test(s.type);
}

/** nvcc names the host stub of kernel `k` `_Z<n>__device_stub__<mangled k>`; for extern "C" kernels the mangled part is `Z<len>k...`. */
export function isStubOf(symbol: string, kernel: string): boolean {
  const m = /^_Z\d+__device_stub__(.*)$/.exec(symbol);
  if (!m) return false;
  return m[1]!.startsWith(`Z${kernel.length}${kernel}`) || m[1]!.startsWith(`_Z${kernel.length}${kernel}`) || m[1] === kernel;
}

export function checkCudaSymbols(symbols: readonly NmSymbol[], kernel: string, allowed: readonly string[]): SymbolVerdict {
  const defined = symbols.filter(isGlobalDefinition);
  const called = symbols.filter((s) => UNDEFINED.has(s.type));
  const definedNames = [...new Set(defined.map((s) => s.name))].sort();
  const calledNames = [...new Set(called.map((s) => s.name))].sort();
  const result = { defined: definedNames, called: calledNames };

  if (!defined.some((s) => namesKernel(s.name, kernel) && s.type === "T")) {
    return { ok: false, kind: "kernel_missing", detail: `the variant does not define the kernel ${kernel}`, ...result };
  }
  // A host function that merely carries the kernel's name has no launch stub and registers nothing.
  if (!defined.some((s) => isStubOf(s.name, kernel)) || !calledNames.includes("__cudaRegisterFunction")) {
    // Not a compile mistake: a host function under the kernel's name is how work escapes the harness's launch.
    return { ok: false, kind: "forbidden", detail: `${kernel} is defined as a host function, not as a __global__ kernel (no launch stub, nothing registered)`, ...result };
  }
  const extra = defined.filter((s) => !namesKernel(s.name, kernel) && !isStubOf(s.name, kernel) && !ALLOWED_WEAK.has(s.name));
  if (extra.length > 0) {
    const list = extra.map((s) => `${s.name} (${s.type})`).join(", ");
    return { ok: false, kind: "forbidden", detail: `the variant defines the global symbol(s) ${list}; it may define only its kernel ${kernel} (make helpers static __device__)`, ...result };
  }
  const forbidden = calledNames.filter((name) => !NVCC_RUNTIME.test(name) && !CXX_SUPPORT.has(name) && !allowed.includes(name) && !(isAllowedCall(name, { kernel, allowed, openmp: false }) && !/^cu/.test(name)));
  if (forbidden.length > 0) {
    return { ok: false, kind: "forbidden", detail: `the variant's host code calls ${forbidden.join(", ")}; a CUDA variant may only be launched by the harness (add to allowedSymbols if intended)`, ...result };
  }
  return { ok: true, ...result };
}
