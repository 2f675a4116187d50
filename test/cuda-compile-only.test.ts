import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nvccPath } from "../harness/cuda/build.ts";

const ROOT = join(import.meta.dirname, "..");
const NVCC = nvccPath();
const haveNvcc = NVCC.startsWith("/") ? existsSync(NVCC) : true;
if (!haveNvcc) console.warn(`compile-only CUDA tests skipped: ${NVCC} not found (install the CUDA toolkit or set NIGHTSHIFT_NVCC)`);

function nightshift(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "nightshift.js"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("nightshift measure --compile-only", () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "ns-compile-only-"));
  });

  it.skipIf(!haveNvcc)("prints ptxas stats and theoretical occupancy with its limiting factor for a CUDA variant, without a GPU", () => {
    const r = nightshift(["measure", "examples/sgemm-cuda", "--device", "h200", "--compile-only", "--json", "--params", "BM=128,BN=128,BK=16,TM=8,TN=8,VEC=4,PAD=1"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("ok");
    expect(out.registersPerThread).toBeGreaterThan(64);
    expect(out.spillStoreBytes).toBe(0);
    expect(out.barriers).toBe(1);
    // 256 threads and > 64 registers: at most 2 blocks (16 of 64 warps) per SM on Hopper.
    expect(out.theoreticalOccupancy).toBe(0.25);
    expect(out.occupancyLimitedBy).toBe("registers");
    expect(out.report.launch).toEqual({ grid: [16, 16, 1], block: [256, 1, 1], dynamicSharedBytes: 16512 });
    expect(out.report.log).toMatch(/Compiling entry function 'sgemm' for 'sm_90'/);
  });

  it.skipIf(!haveNvcc)("reports a CUDA compile error as a result with the compiler's message, exit 1", () => {
    const bad = join(scratch, "bad.cu");
    writeFileSync(bad, `extern "C" __global__ void transpose(const float* in, float* out, int R, int C) { out[0] = undefined_name; }\n`);
    const r = nightshift(["measure", "examples/transpose-cuda", "--device", "h200", "--compile-only", "--json", "--source", bad]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("compile_error");
    expect(out.report.log).toMatch(/undefined_name/);
  });

  it("builds a C variant with gcc and reports its object size", () => {
    const dir = join(scratch, "scale");
    spawnSync("mkdir", ["-p", dir]);
    writeFileSync(join(dir, "scale.c"), "void scale(const float* x, float* y, int n) { for (int i = 0; i < n; i++) y[i] = 2.0f * x[i]; }\n");
    writeFileSync(join(dir, "reference.c"), "void scale_ref(const float* x, float* y, int n) { for (int i = 0; i < n; i++) y[i] = 2.0f * x[i]; }\n");
    writeFileSync(
      join(dir, "kernel.json"),
      JSON.stringify({
        name: "scale",
        language: "c",
        source: "scale.c",
        kernel: "scale",
        arguments: [
          { name: "x", kind: "buffer", dtype: "float32", length: "N", intent: "in" },
          { name: "y", kind: "buffer", dtype: "float32", length: "N", intent: "out" },
          { name: "n", kind: "scalar", dtype: "int32", value: "N" },
        ],
        problem: { tune: { N: 1024 } },
        parameters: { U: [1] },
        baseline: { U: 1 },
        reference: { source: "reference.c", function: "scale_ref" },
        bytes: "8 * N",
        flops: "N",
      }),
    );
    const r = nightshift(["measure", dir, "--device", "local", "--compile-only", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("ok");
    expect(out.objectBytes).toBeGreaterThan(0);
    expect(out.registersPerThread).toBeUndefined();
    expect(out.report.symbols).toMatchObject({ ok: true, defined: ["scale"] });
  });
});
