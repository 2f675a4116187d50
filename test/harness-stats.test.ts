// Pure parts of the harness: statistics, the symbol policy, the physics floor and the plan.

import { describe, expect, it } from "vitest";
import { medianCiRanks, timingStats } from "../core/stats.ts";
import { devicePeaks, floorMs, problemWork } from "../harness/physics.ts";
import { makeHarnessPlan } from "../harness/plan.ts";
import { checkSymbols, parseNm } from "../harness/symbols.ts";
import { saxpySpec, testProfile } from "./harness-fixtures.ts";

describe("timing statistics", () => {
  it("gives median, min, max and mean of the samples", () => {
    const s = timingStats([5, 1, 3, 2, 4]);
    expect([s.medianMs, s.minMs, s.maxMs, s.meanMs, s.n]).toEqual([3, 1, 5, 3, 5]);
  });

  it("interpolates the median of an even number of samples and reports the IQR relative to it", () => {
    const s = timingStats([1, 2, 3, 4]);
    expect(s.medianMs).toBe(2.5);
    expect(s.relativeIqr).toBeCloseTo((3.25 - 1.75) / 2.5, 12);
  });

  it("brackets the median with the binomial order statistics 4 and 12 for 15 samples", () => {
    expect(medianCiRanks(15)).toEqual([4, 12]);
    const samples = Array.from({ length: 15 }, (_, i) => 15 - i);
    expect(timingStats(samples).ci95Ms).toEqual([4, 12]);
  });

  it("falls back to the full range when too few samples give 95% coverage", () => {
    expect(medianCiRanks(5)).toBeNull();
    expect(timingStats([3, 1, 2, 5, 4]).ci95Ms).toEqual([1, 5]);
    expect(medianCiRanks(6)).toEqual([1, 6]);
  });
});

const NM_OUTPUT = `saxpy T 0000000000000000 0000000000000042
helper t 0000000000000050 0000000000000010
counter b 0000000000000000 0000000000000004
memcpy U
sqrtf U
`;

describe("symbol policy", () => {
  const policy = { kernel: "saxpy", allowed: [], openmp: false };

  it("accepts a kernel that keeps helpers static and calls only memory and math functions", () => {
    const verdict = checkSymbols(parseNm(NM_OUTPUT), policy);
    expect(verdict).toEqual({ ok: true, defined: ["saxpy"], called: ["memcpy", "sqrtf"] });
  });

  it("rejects a second global definition such as clock_gettime", () => {
    const verdict = checkSymbols(parseNm(`${NM_OUTPUT}clock_gettime T 0000000000000080 0000000000000010\n`), policy);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.kind).toBe("forbidden");
  });

  it("rejects calls outside the built-in list unless the spec allows them", () => {
    const nm = `${NM_OUTPUT}cblas_sgemm U\n`;
    expect(checkSymbols(parseNm(nm), policy).ok).toBe(false);
    expect(checkSymbols(parseNm(nm), { ...policy, allowed: ["cblas_sgemm"] }).ok).toBe(true);
  });

  it("allows the OpenMP runtime only when the spec builds with -fopenmp", () => {
    const nm = `${NM_OUTPUT}GOMP_parallel U\nomp_get_thread_num U\n`;
    expect(checkSymbols(parseNm(nm), policy).ok).toBe(false);
    expect(checkSymbols(parseNm(nm), { ...policy, openmp: true }).ok).toBe(true);
  });

  it("reports a missing kernel definition separately from forbidden symbols", () => {
    const verdict = checkSymbols(parseNm("memcpy U\n"), policy);
    expect(!verdict.ok && verdict.kind).toBe("kernel_missing");
  });
});

describe("physics floor", () => {
  it("is the larger of bytes over peak bandwidth and flops over peak rate", () => {
    const spec = saxpySpec();
    const work = problemWork(spec, { UNROLL: 1 });
    expect(work).toEqual({ bytes: 240000, flops: 40000 });
    const peaks = { bandwidthGBs: 100, gflops: 1 };
    expect(floorMs(work, peaks)).toBeCloseTo(Math.max(240000 / 100e9, 40000 / 1e9) * 1e3, 15);
    expect(devicePeaks(testProfile(), spec)).toEqual({ bandwidthGBs: 100_000, gflops: 1_000_000 });
  });
});

describe("harness plan", () => {
  it("verifies every size with two seeds rotating through the distributions and adds two timing input sets", () => {
    const plan = makeHarnessPlan(saxpySpec(), { UNROLL: 2 }, testProfile());
    const verify = plan.cases.filter((c) => c.role === "verify");
    expect(verify.map((c) => c.size.N)).toEqual([20000, 20000, 1000, 1000, 37, 37]);
    expect(verify.map((c) => c.distribution)).toEqual(["uniform", "normal", "heavy_tailed", "uniform", "normal", "heavy_tailed"]);
    expect(plan.cases.filter((c) => c.role !== "verify").map((c) => c.role)).toEqual(["timing_a", "timing_b"]);
    expect(verify[2]!.lengths).toEqual([1000, 1000, 1000]);
    expect(verify[2]!.scalarValues).toEqual([1000, 1.5]);
  });

  it("passes parameters as defines to the variant only, and keeps the variant's flags out of the harness and link", () => {
    const spec = saxpySpec({ build: { flags: ["-O3", "-ffast-math"], flagsByParameter: {}, libraries: ["m"] } });
    const plan = makeHarnessPlan(spec, { UNROLL: 4 }, testProfile());
    expect(plan.commands.compileVariant).toEqual(["gcc", "-DUNROLL=4", "-O3", "-ffast-math", "-c", "variant.c", "-o", "variant.o"]);
    for (const trusted of plan.commands.trusted) expect(trusted.argv).not.toContain("-ffast-math");
    expect(plan.commands.link).not.toContain("-ffast-math");
    expect(plan.flushBytes).toBe(2 * 4 * 1024 * 1024);
  });
});

describe("symbol policy for multi-versioned kernels", () => {
  it("refuses the indirect function gcc emits for target_clones: its resolver would run before the sandbox's filter", () => {
    const nm = "_GLOBAL_OFFSET_TABLE_ U\n__cpu_indicator_init U\n__cpu_model U\nsaxpy i 0 2b\nsaxpy.avx2 t 30 29\nsaxpy.default t 0 2d\nsaxpy.resolver W 0 2b\n";
    const verdict = checkSymbols(parseNm(nm), { kernel: "saxpy", allowed: [], openmp: false });
    expect(verdict).toMatchObject({ ok: false, kind: "forbidden" });
    expect(!verdict.ok && verdict.detail).toMatch(/^the variant defines the indirect function\(s\) saxpy \(ifunc, target_clones\)/);
  });
});
