// Real gcc builds of tiny variants, each trying one published way of fooling an evaluator, through the
// whole protocol (build, symbol policy, variant run, reference run, interpretation).

import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateVariant } from "../harness/protocol.ts";
import type { EvalResult } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import type { KernelSpec } from "../specs/schema.ts";
import { cheatVariant, rowScaleSpec, saxpySpec, testProfile } from "./harness-fixtures.ts";

const device = testProfile();
let executor: LocalExecutor;

beforeAll(() => {
  executor = new LocalExecutor();
});
afterAll(async () => {
  await executor.close();
});

async function evaluateCheat(name: string, spec: KernelSpec = saxpySpec()): Promise<EvalResult> {
  return evaluateVariant(executor, cheatVariant(spec, name), device);
}

function expectStatus<S extends EvalResult["status"]>(result: EvalResult, status: S): asserts result is Extract<EvalResult, { status: S }> {
  expect(result.status, JSON.stringify(result).slice(0, 800)).toBe(status);
}

/** Processes whose command line mentions the executor's directories: anything a variant left running. */
async function leftoverProcesses(): Promise<string[]> {
  const root = await executor.rootDir();
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(root)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

describe("a correct variant", () => {
  it("is accepted with one sample per repetition, verified cases on every size and the hash of what was compiled", async () => {
    const spec = saxpySpec();
    const result = await evaluateVariant(executor, makeVariant(spec, { UNROLL: 4 }), device);
    expectStatus(result, "ok");
    expect(result.samplesMs).toHaveLength(spec.timing.repetitions);
    expect(result.stats.n).toBe(spec.timing.repetitions);
    const sizes = new Set(result.verification.cases.map((c) => c.size.N));
    expect([...sizes].sort((a, b) => a - b)).toEqual([37, 1000, 20000]);
    expect(new Set(result.verification.cases.map((c) => c.distribution))).toEqual(new Set(["uniform", "normal", "heavy_tailed"]));
    expect(result.verification.cases.every((c) => c.ok)).toBe(true);
    expect(result.verification.definedSymbols).toEqual(["saxpy"]);
    expect(result.build?.compiledSourceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.build?.command).toContain("-DUNROLL=4");
    expect(result.seed).toBeGreaterThan(0);
    expect(result.roofline?.bytes).toBe(12 * 20000);
  });
});

describe("wrong answers are caught by the full comparison", () => {
  it("classifies an answer that is a little off everywhere as wrong_result with the failing element", async () => {
    const result = await evaluateCheat("wrong_result");
    expectStatus(result, "wrong_result");
    expect(result.output).toBe("out");
    expect(result.firstBadIndex).toBe(0);
    expect(result.received - result.expected).toBeCloseTo(0.01, 4);
  });

  it("classifies output whose second half is never written as wrong_result at the first unwritten element", async () => {
    const result = await evaluateCheat("partial_output");
    expectStatus(result, "wrong_result");
    expect(result.size).toEqual({ N: 20000 });
    expect(result.firstBadIndex).toBe(10000);
    expect(Number.isNaN(result.received)).toBe(true);
  });

  it("catches a variant that relies on a stale output buffer after its first call", async () => {
    const result = await evaluateCheat("stale_output");
    expectStatus(result, "wrong_result");
    expect(result.output).toContain("second call");
  });

  it("catches a result cached across calls by input pointer in the last timed repetition", async () => {
    const result = await evaluateCheat("pointer_cache");
    expectStatus(result, "wrong_result");
  });

  it("catches a variant specialised to the tuning size on a verify size", async () => {
    const result = await evaluateCheat("tune_size_only");
    expectStatus(result, "wrong_result");
    expect(result.size.N).not.toBe(20000);
  });

  it("never accepts a variant that goes looking for the reference's files: the sandbox refuses the open and names it", async () => {
    const spec = saxpySpec({ allowedSymbols: ["fopen", "fread", "fclose"] });
    const result = await evaluateCheat("reads_reference", spec);
    expectStatus(result, "rejected");
    expect(result.reason).toBe("sandbox_violation");
    expect(result.detail).toMatch(/^\d+ openat during verification call 1 of case 0/);
  });

  it("judges a variant that prints a fake time by its output: doing nothing is wrong_result", async () => {
    const spec = saxpySpec({ allowedSymbols: ["printf"] });
    const result = await evaluateCheat("fake_timing_wrong", spec);
    expectStatus(result, "wrong_result");
  });

  it("takes the time of a correct variant that prints a fake time from the harness, not from its print", async () => {
    const spec = saxpySpec({ allowedSymbols: ["printf"] });
    const result = await evaluateCheat("fake_timing_correct", spec);
    expectStatus(result, "ok");
    expect(result.samplesMs).toHaveLength(spec.timing.repetitions);
    expect(result.samplesMs).not.toContain(0.0001);
  });
});

describe("cheats on the protocol are rejected with their reason", () => {
  it("rejects a variant that modifies an input it may only read", async () => {
    const result = await evaluateCheat("modifies_inputs");
    expectStatus(result, "rejected");
    expect(result.reason).toBe("inputs_modified");
    expect(result.detail).toContain("input x");
  });

  it("rejects a variant that defines its own clock_gettime as forbidden_symbol before running anything", async () => {
    const result = await evaluateCheat("own_clock");
    expectStatus(result, "rejected");
    expect(result.reason).toBe("forbidden_symbol");
    expect(result.detail).toContain("clock_gettime");
  });

  it("rejects a variant that defines main as forbidden_symbol", async () => {
    const result = await evaluateCheat("defines_main");
    expectStatus(result, "rejected");
    expect(result.reason).toBe("forbidden_symbol");
  });

  it("rejects calls the spec does not allow: a thread-spawning variant without pthread_create allowed", async () => {
    const result = await evaluateCheat("thread_after_return");
    expectStatus(result, "rejected");
    expect(result.reason).toBe("forbidden_symbol");
    expect(result.detail).toContain("pthread_create");
  });

  it("refuses a thread the spec does not allow even when its symbols are allowed: the sandbox names the clone", async () => {
    const spec = saxpySpec({ allowedSymbols: ["pthread_create", "pthread_detach", "nanosleep"] });
    const result = await evaluateCheat("thread_after_return", spec);
    expectStatus(result, "rejected");
    expect(result.reason).toBe("sandbox_violation");
    // glibc blocks every signal around its clone, so the filter's kill comes before the handler could name it.
    expect(result.detail).toMatch(/^a refused system call/);
  });

  it("never accepts work left to a thread after the kernel returned, when threads are allowed: stopped at its answer, the work is missing or the thread count gives it away", async () => {
    const spec = saxpySpec({ allowedSymbols: ["pthread_create", "pthread_detach", "nanosleep"], threads: 2 });
    const result = await evaluateCheat("thread_after_return", spec);
    if (result.status === "wrong_result") expect(Number.isNaN(result.received)).toBe(true);
    else {
      expectStatus(result, "rejected");
      expect(result.reason).toBe("hidden_parallelism");
      expect(result.detail).toMatch(/^3 threads after the call; the spec allows 2/);
    }
  });

  it("rejects output that differs bit for bit between two calls on the same inputs as nondeterministic", async () => {
    const result = await evaluateCheat("nondeterministic");
    expectStatus(result, "rejected");
    expect(result.reason).toBe("nondeterministic");
  });

  it("rejects a write past the end of an output buffer as memory_error, with the sanitizer's diagnosis", async () => {
    const result = await evaluateCheat("writes_past_end");
    expectStatus(result, "rejected");
    expect(result.reason).toBe("memory_error");
    expect(result.detail).toMatch(/AddressSanitizer/);
  });
});

describe("failures of the process", () => {
  it("reports a kernel that traps as runtime_error with the signal and the harness step", async () => {
    const result = await evaluateCheat("trap");
    expectStatus(result, "runtime_error");
    expect(result.signal).toBe("SIGILL");
    expect(result.phase).toBe("variant");
    expect(result.stderrTail).toContain("the worker ended (signal SIGILL) during verification call 1 of case 0");
  });

  it("gives a segmentation fault the sanitizer's diagnosis: a null pointer is a memory_error", async () => {
    const result = await evaluateCheat("crash");
    expectStatus(result, "rejected");
    expect(result.reason).toBe("memory_error");
    expect(result.detail).toMatch(/Sanitizer found an error/);
  });

  it("kills an endless kernel at the time limit and leaves no process running", async () => {
    const base = saxpySpec();
    const spec = saxpySpec({ timing: { ...base.timing, timeLimitSeconds: 1 } });
    const result = await evaluateCheat("infinite_loop", spec);
    expectStatus(result, "timeout");
    expect(result.phase).toBe("variant");
    expect(result.limitMs).toBe(1000);
    expect(await leftoverProcesses()).toEqual([]);
  });

  it("reports a kernel that does not compile as compile_error with the compiler's message", async () => {
    const spec = saxpySpec();
    const result = await evaluateVariant(executor, makeVariant(spec, {}, { source: "void saxpy(int n) { this is not C; }\n" }), device);
    expectStatus(result, "compile_error");
    expect(result.log).toMatch(/error/);
  });
});

describe("other dtypes and intents", () => {
  it("accepts a correct in-place float64 kernel with an int32 output", async () => {
    const spec = rowScaleSpec();
    const result = await evaluateVariant(executor, makeVariant(spec, { BLOCK: 8 }), device);
    expectStatus(result, "ok");
    expect(result.verification.cases.map((c) => c.size)).toContainEqual({ R: 17, C: 5 });
  });

  it("catches rows of an in-place matrix that were never processed", async () => {
    const result = await evaluateCheat("row_scale_skips_rows", rowScaleSpec());
    expectStatus(result, "wrong_result");
    expect(result.output).toBe("m");
    expect(result.firstBadIndex).toBe(6 * 200);
  });
});

describe("the physics floor", () => {
  it("rejects a median faster than the device's peaks allow as impossible_time", async () => {
    const slow = testProfile();
    const tiny = { ...slow, cpu: { ...slow.cpu!, peakBandwidthGBs: 0.001, peakGflops: { float32: 0.001, float64: 0.001 } } };
    const result = await evaluateVariant(executor, makeVariant(saxpySpec(), { UNROLL: 1 }), tiny);
    expectStatus(result, "rejected");
    expect(result.reason).toBe("impossible_time");
  });
});
