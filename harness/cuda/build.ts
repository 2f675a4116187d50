// Command lines for building a CUDA variant and its harness. The variant is compiled alone to a host
// object (its kernel and launch stub) with the device profile's -arch and `-Xptxas -v`, whose report is the
// compile-stats evidence; the generated harness is compiled separately and the two are linked by nvcc
// (static cudart, so the binary needs no runtime library on the device machine beyond the driver).

import { existsSync } from "node:fs";
import { fail } from "../../core/errors.ts";
import type { GpuInfo } from "../../hardware-profiles/schema.ts";
import type { KernelSpec, Params } from "../../specs/schema.ts";
import { HARNESS_CFLAGS, TOOLS_DIR, type BuildCommands } from "../plan.ts";
import { compilerFlags, defineFlags } from "../variant.ts";

export const CUDA_FILES = {
  variantSource: "variant.cu",
  variantObject: "variant.o",
  /** The host half of the harness (inputs, dumps, checks): plain C built by gcc exactly like the compare program. */
  harnessSource: "harness.c",
  harnessObject: "harness.o",
  /** The device half: allocation, launches, events, L2 flush; its generated part is the launch header. */
  layerSource: "cuda_layer.cu",
  launchHeader: "ns_launch.h",
  layerObject: "cuda_layer.o",
  variantBinary: "variant_bin",
} as const;

/** nvcc to use: $NIGHTSHIFT_NVCC, else the toolkit's default install location, else whatever PATH finds. */
export function nvccPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NIGHTSHIFT_NVCC) return env.NIGHTSHIFT_NVCC;
  if (existsSync("/usr/local/cuda/bin/nvcc")) return "/usr/local/cuda/bin/nvcc";
  return "nvcc";
}

export function requireGpu(gpu: GpuInfo | undefined, device: string): GpuInfo {
  if (!gpu) fail("PROFILE_INVALID", `device ${device}: expected a profile with a gpu section for a CUDA kernel, received one without`);
  if (gpu.vendor !== "nvidia") fail("PROFILE_INVALID", `device ${device}: expected an NVIDIA GPU for a CUDA kernel, received vendor ${gpu.vendor}`);
  return gpu;
}


/** Fixed flags for the device layer, so no variant parameter changes how it measures. */
const LAYER_FLAGS = ["-O2", "-std=c++17"];

/** The CUDA build: nvcc for the variant and the device layer, gcc (the compare program's flags) for the host half. */
export function cudaBuildCommands(spec: KernelSpec, params: Params, gpu: GpuInfo, base: BuildCommands, nvcc = nvccPath()): BuildCommands {
  const arch = `-arch=${gpu.arch}`;
  const libraries = spec.build.libraries.map((l) => `-l${l}`);
  return {
    compileVariant: [nvcc, arch, "-Xptxas", "-v", ...defineFlags(params), ...compilerFlags(spec, params), "-c", CUDA_FILES.variantSource, "-o", CUDA_FILES.variantObject],
    listSymbols: base.listSymbols,
    listSections: base.listSections,
    harness: [
      { argv: ["gcc", ...HARNESS_CFLAGS, "-c", CUDA_FILES.harnessSource, "-o", CUDA_FILES.harnessObject], what: "the generated host harness" },
      { argv: [nvcc, arch, ...LAYER_FLAGS, "-c", CUDA_FILES.layerSource, "-o", CUDA_FILES.layerObject], what: "the generated CUDA layer" },
    ],
    // nvcc links the static CUDA runtime by default: the binary needs only the driver on the device machine.
    link: [nvcc, arch, CUDA_FILES.harnessObject, CUDA_FILES.layerObject, CUDA_FILES.variantObject, "-o", CUDA_FILES.variantBinary, ...libraries, "-lm"],
    trusted: base.trusted.filter((t) => t.argv.includes(`${TOOLS_DIR}/compare_main.c`)),
  };
}
