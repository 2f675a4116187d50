// Whether this machine has the CUDA toolkit, asked the way the harness will call it: the nvcc the harness
// resolves (harness/cuda/build.ts) must be an executable file, found by path or on PATH. Tests that need
// nvcc skip with a warning naming what is missing instead of failing on a machine without CUDA.

import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { nvccPath } from "../../harness/cuda/build.ts";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const NVCC = nvccPath();

export const haveNvcc = NVCC.includes("/") ? executable(NVCC) : (process.env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && executable(join(dir, NVCC)));

/** Warns once per file that its CUDA builds are skipped, and why. */
export function warnWithoutNvcc(what: string): void {
  if (!haveNvcc) console.warn(`${what} skipped: ${NVCC} not found (install the CUDA toolkit or set NIGHTSHIFT_NVCC)`);
}
