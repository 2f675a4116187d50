import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { summarizeKitResults } from "../bench/gpu/kit-summary.ts";
import { exportKit, type KitSummary } from "../bench/gpu/kit.ts";
import { loadProfile } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { makeCudaPlan } from "../harness/cuda/plan.ts";
import { loadSpec } from "../specs/load.ts";
import { haveNvcc } from "./support/toolchain.ts";

const ROOT = join(import.meta.dirname, "..");

describe("the exported GPU kit", () => {
  let dir: string;
  let kit: KitSummary;
  let h200: HardwareProfile;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ns-kit-"));
    h200 = await loadProfile("h200");
    kit = exportKit({ outDir: join(dir, "kit"), device: h200, sweep: { "transpose-cuda": 3, "sgemm-cuda": 3 }, seed: 1 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("holds baselines, sweep configurations, honest sanitizer controls and every deliberately broken variant", () => {
    const roles = kit.variants.map((v) => v.role);
    expect(roles.filter((r) => r === "baseline").length).toBe(2);
    expect(roles.filter((r) => r === "sweep").length).toBe(6);
    expect(kit.variants.filter((v) => v.role === "control").every((v) => v.sanitize)).toBe(true);
    expect(kit.variants.filter((v) => v.role === "cheat").map((v) => v.cheat).sort()).toEqual(["oob-read", "racy-shared", "side-stream", "stale-output", "timer-override"]);
    const manifest = readFileSync(join(kit.outDir, "manifest.tsv"), "utf8").trim().split("\n");
    expect(manifest.length).toBe(kit.variants.length + 1);
  });

  it("builds each variant with exactly the pipeline's nvcc commands, with only the compiler path left to the device", () => {
    const spec = loadSpec(join(ROOT, "examples", "sgemm-cuda"));
    for (const v of kit.variants.filter((x) => x.example === "sgemm-cuda")) {
      const plan = makeCudaPlan(spec, v.params, h200);
      const script = readFileSync(join(kit.outDir, "variants", v.id, "build.sh"), "utf8");
      expect(script).toContain(`step compile_variant "$NVCC" ${plan.commands.compileVariant.slice(1).join(" ")}`);
      expect(script).toContain(`step link "$NVCC" ${plan.commands.link.slice(1).join(" ")}`);
      expect(readFileSync(join(kit.outDir, "variants", v.id, "ns_launch.h"), "utf8")).toContain("extern \"C\" __global__ void sgemm(const float* A, const float* B, float* Cout, int32_t M, int32_t N, int32_t K);");
    }
  });

  it("ships a driver that parses as bash and the device tools it builds", () => {
    expect(spawnSync("bash", ["-n", join(kit.outDir, "run-h200-proof.sh")]).status).toBe(0);
    for (const f of ["d2d-bandwidth.cu", "cublas-sgemm.cu", "occupancy-probe.cu", "sample-stats.c"]) expect(existsSync(join(kit.outDir, "tools", f))).toBe(true);
  });

  it.skipIf(!haveNvcc)("carries nightshift's occupancy predictions for the probe kernels: 11 kernels x 8 block sizes x 3 dynamic sizes", () => {
    expect(kit.occupancyPredictions).toBe(true);
    const rows = readFileSync(join(kit.outDir, "tools", "occupancy-expected.tsv"), "utf8").trim().split("\n").slice(1);
    expect(rows.length).toBe(11 * 8 * 3);
    expect(new Set(rows.map((r) => r.split("\t")[4])).size).toBeGreaterThan(5);
  });

  it("turns device evidence back into typed results: no device, a clean pass the sanitizer overrules, a timer the harness caught", () => {
    const results = join(dir, "results");
    const variants = kit.variants.filter((v) => v.example === "transpose-cuda" && v.role !== "cheat").slice(0, 4);
    const put = (id: string, files: Record<string, string | Buffer>) => {
      mkdirSync(join(results, "variants", id), { recursive: true });
      for (const [name, data] of Object.entries(files)) writeFileSync(join(results, "variants", id, name), data);
    };
    const meta = (i: number) => readFileSync(join(kit.outDir, "variants", variants[i]!.id, "meta.json"));
    put(variants[0]!.id, { "meta.json": meta(0), "build.status": "ok\n", "run.rc": "91\n", seed: "5\n", "harness.json": '{"complete":false,"infra":{"cause":"no CUDA device","detail":"cudaErrorNoDevice"}}' });
    const samples = Buffer.alloc(8 * 20);
    for (let i = 0; i < 20; i++) samples.writeDoubleLE(0.2 + i * 1e-3, i * 8);
    const cases = [0, 1, 2, 3].map((k) => ({ case: k, seed: 9, distribution: "uniform", ok: true, maxAbsError: 0, maxRelError: 0 }));
    const passing = (i: number) => ({
      "meta.json": meta(i),
      "build.status": "ok\n",
      "run.rc": "0\n",
      seed: "9\n",
      wall_us: "9000000\n",
      "harness.json": '{"complete":true,"repetitions":20,"timingPhaseMs":500,"timed":true,"launches":29,"modifiedOnSecondCall":null}',
      "samples.bin": samples,
      "verdict.json": JSON.stringify({ cases, failures: { wrong: null, inputsModified: null, nondeterministic: null } }),
    });
    put(variants[1]!.id, { ...passing(1), "memcheck.rc": "97\n" });
    put(variants[3]!.id, { ...passing(3), "memcheck.rc": "0\n", "racecheck.rc": "0\n" });
    put(variants[2]!.id, {
      "meta.json": meta(2),
      "build.status": "ok\n",
      "run.rc": "0\n",
      seed: "3\n",
      "harness.json": '{"complete":false,"stop":{"reason":"timing_inconsistent","where":"timing","case":9,"call":4,"threadsBefore":5,"threadsAfter":5}}',
    });
    const byId = new Map(summarizeKitResults(results, h200).map((r) => [r.meta.id, r.result]));
    expect(byId.get(variants[0]!.id)).toMatchObject({ status: "infra_error", retryable: false });
    expect(byId.get(variants[1]!.id)).toMatchObject({ status: "rejected", reason: "memory_error" });
    expect(byId.get(variants[2]!.id)).toMatchObject({ status: "rejected", reason: "timing_inconsistent" });
    // The same evidence with clean sanitizers is an ok result with its roofline: 2*4096*8192*4 bytes in the median 0.2095 ms.
    const clean = byId.get(variants[3]!.id)!;
    expect(clean.status).toBe("ok");
    if (clean.status === "ok") expect(clean.roofline!.achievedGBs).toBeCloseTo(268435456 / 0.2095 / 1e6, 3);
  });
});
