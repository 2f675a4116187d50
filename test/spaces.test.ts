import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadReplayData } from "../spaces/load.ts";
import { loadT1, parseValueList } from "../spaces/t1.ts";
import { isNightshiftError } from "../core/errors.ts";
import { oneLineError } from "./support/one-line.ts";

const DATA = join(import.meta.dirname, "..", "data", "spaces");

describe("Kernel Tuner cache files", () => {
  it("reads every configuration of a gzip cache with failures as null and their failure names", () => {
    const data = loadReplayData(join(DATA, "convolution", "A100.json.gz"));
    expect(data.format).toBe("kernel-tuner-cache");
    expect(data.kernelName).toBe("convolution_kernel");
    expect(data.entries.size).toBe(4362);
    const failures = [...data.entries.values()].filter((e) => e.value === null);
    expect(failures.length).toBe(161);
    expect(new Set(failures.map((e) => e.failure))).toEqual(new Set(["RuntimeFailedConfig", "CompilationFailedConfig"]));
    const first = data.entries.get("16,1,1,1,0,0,0,1,15,15")!;
    expect(first.value).toBeCloseTo(3.8753279, 6);
    expect(first.samples!.length).toBe(32);
    expect(first.compileMs).toBeGreaterThan(0);
    expect(first.metrics!["GFLOP/s"]).toBeGreaterThan(0);
  });

  it("uses exactly the cached configurations as the space when no T1 file is given", () => {
    const data = loadReplayData(join(DATA, "gemm", "RTX_3090.json.gz"));
    expect(data.space.validConfigs().length).toBe(17956);
    for (const c of data.space.validConfigs().slice(0, 50)) expect(data.entries.has(data.space.key(c))).toBe(true);
  });

  it("applies T1 restrictions, binding T1 parameters the data holds fixed as constants", () => {
    const data = loadReplayData(join(DATA, "gemm", "RTX_3090.json.gz"), join(DATA, "t1", "gemm_milo.json"));
    expect(data.restrictions.length).toBe(8);
    expect(data.constants).toMatchObject({ GEMMK: 0, KREG: 1 });
    const valid = data.space.validConfigs();
    // The T1 condition excluding MWG=NWG=128 with MDIMC=NDIMC=8 removes cached configurations.
    expect(valid.length).toBeLessThan(data.entries.size);
    expect(valid.some((c) => c.MWG === 128 && c.NWG === 128 && c.MDIMC === 8 && c.NDIMC === 8)).toBe(false);
    for (const c of valid) expect(data.entries.has(data.space.key(c))).toBe(true);
  });

  it("reads the T4 form of the same measurements identically", () => {
    const cache = loadReplayData(join(DATA, "convolution", "A100.json.gz"));
    const t4 = loadReplayData(join(DATA, "convolution", "A100_T4.json.gz"), join(DATA, "t1", "convolution_milo.json"));
    expect(t4.format).toBe("t4");
    expect(t4.space.validConfigs().length).toBe(cache.entries.size);
    for (const [key, e] of cache.entries) expect(t4.entries.get(key)?.value ?? null).toBe(e.value);
  });
});

describe("T1 files", () => {
  it("expands Python list expressions, comprehensions and concatenations", () => {
    expect(parseValueList("[16, 32]", "t")).toEqual([16, 32]);
    expect(parseValueList("[32 * i for i in range(1, 4)]", "t")).toEqual([32, 64, 96]);
    expect(parseValueList("[1] + [2 * i for i in range(1, 4)]", "t")).toEqual([1, 2, 4, 6]);
    expect(parseValueList("['a', 'b']", "t")).toEqual(["a", "b"]);
  });

  it("reads parameters and conditions of the pnpoly and dedispersion problems", () => {
    const pnpoly = loadT1(join(DATA, "t1", "pnpoly.json"));
    expect(pnpoly.parameters.find((p) => p.name === "block_size_x")!.values.length).toBe(31);
    expect(pnpoly.parameters.find((p) => p.name === "tile_size")!.values).toEqual([1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    const dedisp = loadReplayData(join(DATA, "dedispersion", "A4000.json.gz"), join(DATA, "t1", "dedispersion_milo.json"));
    // The chained comparison 32 <= bx*by <= 1024 and the 'or' conditions reproduce the brute-forced space exactly.
    expect(dedisp.space.validConfigs().length).toBe(dedisp.entries.size);
  });

  it("rejects a values string that is not a list, naming what it expected", () => {
    const dir = mkdtempSync(join(tmpdir(), "t1-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ ConfigurationSpace: { TuningParameters: [{ Name: "x", Values: "range(3)" }], Conditions: [] } }));
    try {
      loadT1(file);
      expect.unreachable();
    } catch (error) {
      expect(isNightshiftError(error) && error.code).toBe("SPACE_INVALID");
      expect((error as Error).message).toMatch(/expected a Python list/);
    }
  });
});

describe("KTT output files", () => {
  it("converts durations from microseconds to ms and keeps compilation data", () => {
    const data = loadReplayData(join(DATA, "ktt", "KTPnpolyOutput_3090.json.gz"));
    expect(data.format).toBe("ktt");
    expect(data.entries.size).toBe(4092);
    const first = data.entries.get(data.space.key({ VERTICES: 600, BLOCK_SIZE_X: 32, TILE_SIZE: 1, BETWEEN_METHOD: 0, USE_METHOD: 0 }))!;
    expect(first.value).toBeCloseTo(46.268736, 6);
    expect(first.registers).toBe(21);
    expect(first.constantMemoryBytes).toBe(4800);
    const failed = [...data.entries.values()].filter((e) => e.value === null);
    expect(failed.length).toBe(274);
    expect(failed[0]!.failure).toBe("ComputationFailed");
  });
});

describe("unreadable data", () => {
  it("reports a file that is neither format as SPACE_INVALID", () => {
    const dir = mkdtempSync(join(tmpdir(), "replay-"));
    const file = join(dir, "x.json");
    writeFileSync(file, JSON.stringify({ hello: 1 }));
    expect(() => loadReplayData(file)).toThrow(/expected a Kernel Tuner cache, a KTT output or a T4 file/);
  });

  // A zero or negative time would be the optimum every score is measured against.
  const write = (name: string, doc: unknown): string => {
    const file = join(mkdtempSync(join(tmpdir(), "replay-")), name);
    writeFileSync(file, JSON.stringify(doc));
    return file;
  };
  const cache = (time: unknown, times?: unknown) => ({
    device_name: "gpu",
    kernel_name: "k",
    problem_size: [1],
    tune_params_keys: ["a"],
    tune_params: { a: [1, 2] },
    objective: "time",
    cache: { "1": { a: 1, time: 1.5, times: [1.4, 1.6] }, "2": { a: 2, time, ...(times === undefined ? {} : { times }) } },
  });

  it("refuses a Kernel Tuner cache whose time is zero or negative, naming the configuration", () => {
    for (const time of [0, -2.5]) {
      const error = oneLineError(() => loadReplayData(write("cache.json", cache(time))), "SPACE_INVALID");
      expect(error.message).toContain("the time of configuration 2");
      expect(error.message).toContain(String(time));
    }
  });

  it("refuses a sample that is not a positive time", () => {
    const error = oneLineError(() => loadReplayData(write("cache.json", cache(2, [2.1, -1]))), "SPACE_INVALID");
    expect(error.message).toContain("the samples of configuration 2");
  });

  it("refuses a KTT duration that is not positive, and reads a positive one", () => {
    const ktt = (duration: number) => ({
      Metadata: { TimeUnit: "Microseconds", Device: "gpu" },
      Results: [{ KernelName: "k", Status: "Ok", Configuration: [{ Name: "A", Value: 1 }], ComputationResults: [{ Duration: duration }] }],
    });
    expect(oneLineError(() => loadReplayData(write("ktt.json", ktt(-30))), "SPACE_INVALID").message).toContain("the time of configuration 1");
    expect([...loadReplayData(write("ktt.json", ktt(30))).entries.values()][0]!.value).toBeCloseTo(0.03, 12);
  });
});
