import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NightshiftError } from "../core/errors.ts";
import type { EvalResult } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { createRunner } from "../runners/factory.ts";
import { ReplayRunner } from "../runners/replay.ts";
import { loadReplayData } from "../spaces/load.ts";
import type { ReplayData } from "../spaces/types.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { CONVOLUTION, KTT_PNPOLY, PNPOLY, readCache, replayProfile, replaySpecFolder } from "./replay-fixtures.ts";

let dir: string;
let pnpoly: KernelSpec;
let pnpolyData: ReplayData;
const raw = readCache(PNPOLY);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nightshift-replay-"));
  pnpoly = replaySpecFolder(join(dir, "pnpoly"), "cn_pnpoly", raw.tune_params);
  pnpolyData = loadReplayData(PNPOLY);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const v = (spec: KernelSpec, between: number, block: number, tile: number, use: number) =>
  makeVariant(spec, { between_method: between, block_size_x: block, tile_size: tile, use_method: use });

async function thrown(action: () => Promise<unknown>): Promise<NightshiftError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(NightshiftError);
    return error as NightshiftError;
  }
  throw new Error("expected the action to throw");
}

describe("ReplayRunner", () => {
  it("returns exactly one result per variant, in order, with the recorded samples", async () => {
    const runner = new ReplayRunner(replayProfile("rtx3090", PNPOLY), { data: pnpolyData });
    const batch = [v(pnpoly, 0, 32, 1, 0), v(pnpoly, 0, 544, 20, 1), v(pnpoly, 3, 256, 8, 2), v(pnpoly, 1, 128, 4, 1)];
    const streamed: EvalResult[] = [];
    const results = await runner.run(batch, { onResult: (r) => void streamed.push(r) });
    expect(results.map((r) => r.variantHash)).toEqual(batch.map((b) => b.hash));
    expect(streamed).toEqual(results);
    expect(results.map((r) => r.status)).toEqual(["ok", "runtime_error", "ok", "ok"]);
    const first = results[0]!;
    if (first.status !== "ok") throw new Error("expected ok");
    expect(first.samplesMs).toEqual(raw.cache["0,32,1,0"]!.times);
    expect(first.stats.n).toBe(10);
    expect(first.stats.meanMs).toBeCloseTo(raw.cache["0,32,1,0"]!.time as number, 9);
    expect(first.verification.replayed).toBe(true);
    expect(first.verification.cases).toEqual([]);
    expect(first.device).toBe("rtx3090");
  });

  it("turns recorded failures into kernel faults: runtime and compilation failures", async () => {
    const conv = readCache(CONVOLUTION);
    const spec = replaySpecFolder(join(dir, "conv"), "convolution_kernel", conv.tune_params);
    const runner = new ReplayRunner(replayProfile("a100", CONVOLUTION));
    const keyOf = (failure: string) => Object.keys(conv.cache).find((k) => conv.cache[k]!.time === failure)!;
    const paramsOf = (key: string) => Object.fromEntries(conv.tune_params_keys.map((name) => [name, conv.cache[key]![name] as number]));
    const [compile, runtime] = await runner.run([makeVariant(spec, paramsOf(keyOf("CompilationFailedConfig"))), makeVariant(spec, paramsOf(keyOf("RuntimeFailedConfig")))]);
    expect(compile).toMatchObject({ status: "compile_error", log: expect.stringContaining("CompilationFailedConfig") });
    expect(runtime).toMatchObject({ status: "runtime_error", phase: "variant", stderrTail: expect.stringContaining("RuntimeFailedConfig") });
  });

  it("fails loudly with REPLAY_MISS when the data lacks a configuration the spec allows", async () => {
    const trimmed = { ...raw, cache: { ...raw.cache } };
    delete trimmed.cache["2,64,4,1"];
    const file = join(dir, "pnpoly-trimmed.json");
    writeFileSync(file, JSON.stringify(trimmed));
    const runner = new ReplayRunner(replayProfile("trimmed", file));
    const error = await thrown(() => runner.run([v(pnpoly, 0, 32, 1, 0), v(pnpoly, 2, 64, 4, 1)]));
    expect(error.code).toBe("REPLAY_MISS");
    expect(error.message).toContain("2,64,4,1");
    expect(error.message).toContain("pnpoly-trimmed.json");
  });

  it("refuses a spec whose parameters differ from the data's", async () => {
    const other = replaySpecFolder(join(dir, "other"), "cn_pnpoly", { block_size_x: [32, 64], tile_size: [1, 2] });
    const runner = new ReplayRunner(replayProfile("rtx3090", PNPOLY), { data: pnpolyData });
    const error = await thrown(() => runner.run([makeVariant(other, {})]));
    expect(error.code).toBe("PARAMS_INVALID");
    expect(error.message).toContain("between_method");
  });

  it("refuses rewritten source, which recorded data cannot answer for", async () => {
    const runner = new ReplayRunner(replayProfile("rtx3090", PNPOLY), { data: pnpolyData });
    const rewrite = makeVariant(pnpoly, {}, { source: "__global__ void cn_pnpoly(float *out) { /* faster */ }\n", origin: "model" });
    expect((await thrown(() => runner.run([rewrite]))).code).toBe("USAGE");
  });

  it("advances a simulated clock by the recorded build and run of a first visit and the run alone of a revisit", async () => {
    const runner = new ReplayRunner(replayProfile("rtx3090", PNPOLY), { data: pnpolyData });
    const entry = raw.cache["3,256,8,2"]!;
    const rerun = ((entry.verification_time as number) + (entry.benchmark_time as number)) / 1000;
    const cost = (entry.compile_time as number) / 1000 + rerun;
    expect(runner.simulatedSeconds).toBe(0);
    await runner.run([v(pnpoly, 3, 256, 8, 2)]);
    expect(runner.simulatedSeconds).toBeCloseTo(cost, 9);
    // A confirmation re-runs the built kernel: it is charged, without the build.
    await runner.run([v(pnpoly, 3, 256, 8, 2)]);
    expect(runner.simulatedSeconds).toBeCloseTo(cost + rerun, 9);
    expect(runner.recordedCostMs([v(pnpoly, 3, 256, 8, 2).params, v(pnpoly, 3, 256, 8, 2).params]) / 1000).toBeCloseTo(cost + rerun, 9);
    expect(runner.evaluations).toBe(1);
    const failed = raw.cache["0,544,20,1"]!;
    await runner.run([v(pnpoly, 0, 544, 20, 1)]);
    expect(runner.simulatedSeconds).toBeCloseTo(cost + rerun + ((failed.compile_time as number) + (failed.verification_time as number) + (failed.benchmark_time as number)) / 1000, 9);
    expect(runner.evaluations).toBe(2);
  });

  it("in noisy mode draws recorded samples, differently per visit, identically for the same seed", async () => {
    const variant = v(pnpoly, 1, 128, 4, 1);
    const recorded = raw.cache["1,128,4,1"]!.times as number[];
    const draws = async (seed: number) => {
      const runner = new ReplayRunner(replayProfile("noisy", PNPOLY, true), { data: pnpolyData, seed });
      const out: number[][] = [];
      for (let i = 0; i < 4; i++) {
        const [r] = await runner.run([variant]);
        if (r!.status !== "ok") throw new Error("expected ok");
        out.push(r!.samplesMs);
      }
      return out;
    };
    const a = await draws(11);
    for (const samples of a) {
      expect(samples).toHaveLength(recorded.length);
      for (const s of samples) expect(recorded).toContain(s);
    }
    expect(new Set(a.map((s) => s.join())).size).toBeGreaterThan(1);
    expect(await draws(11)).toEqual(a);
    expect(await draws(12)).not.toEqual(a);
  });

  it("reports KTT compile statistics and uses the recorded duration when no samples exist", async () => {
    const ktt = loadReplayData(KTT_PNPOLY);
    const params = Object.fromEntries(ktt.parameters.map((p) => [p.name, [...p.values]]));
    const spec = replaySpecFolder(join(dir, "ktt"), "Pnpoly", params);
    const runner = new ReplayRunner(replayProfile("ktt3090", KTT_PNPOLY), { data: ktt });
    const okEntry = [...ktt.entries.values()].find((e) => e.value !== null)!;
    const [r] = await runner.run([makeVariant(spec, okEntry.config)]);
    if (r!.status !== "ok") throw new Error(`expected ok, received ${r!.status}`);
    expect(r!.samplesMs).toEqual([okEntry.value]);
    expect(r!.build?.stats.registersPerThread).toBe(okEntry.registers);
    const failed = [...ktt.entries.values()].find((e) => e.value === null)!;
    const [f] = await runner.run([makeVariant(spec, failed.config)]);
    expect(f).toMatchObject({ status: "runtime_error", stderrTail: expect.stringContaining("ComputationFailed") });
  });

  it("refuses noisy mode over data without recorded samples", () => {
    expect(() => new ReplayRunner(replayProfile("ktt-noisy", KTT_PNPOLY, true))).toThrow(/recorded samples/);
  });

  it("is what the runner factory builds for a replay profile", async () => {
    const runner = createRunner(replayProfile("rtx3090", PNPOLY));
    expect(runner).toBeInstanceOf(ReplayRunner);
    const [r] = await runner.run([v(pnpoly, 0, 32, 1, 0)]);
    expect(r!.status).toBe("ok");
    await runner.close();
  });
});
