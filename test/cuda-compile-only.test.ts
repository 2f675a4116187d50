import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testbed/procs.ts";
import { tinySpec } from "../testbed/remote-device.ts";
import { haveNvcc, warnWithoutNvcc } from "./support/toolchain.ts";

const ROOT = join(import.meta.dirname, "..");
warnWithoutNvcc("compile-only CUDA tests");

function nightshift(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "nightshift.js"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("nightshift measure --compile-only", () => {
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
    const bad = join(tempDir("ns-compile-only-"), "bad.cu");
    writeFileSync(bad, `extern "C" __global__ void transpose(const float* in, float* out, int R, int C) { out[0] = undefined_name; }\n`);
    const r = nightshift(["measure", "examples/transpose-cuda", "--device", "h200", "--compile-only", "--json", "--source", bad]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("compile_error");
    expect(out.report.log).toMatch(/undefined_name/);
  });

  it("builds a C variant with gcc and reports its object size", () => {
    const { dir } = tinySpec({ n: 1024 });
    const r = nightshift(["measure", dir, "--device", "local", "--compile-only", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("ok");
    expect(out.objectBytes).toBeGreaterThan(0);
    expect(out.registersPerThread).toBeUndefined();
    expect(out.report.symbols).toMatchObject({ ok: true, defined: ["scale"] });
  });
});
