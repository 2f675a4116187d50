// Who a failure is filed against: a device that cannot measure a spec is refused before anything runs,
// failures of the machine or of nightshift's trusted side are infra_error (never a variant verdict), and
// an exception after the variant ran is recorded as an internal error instead of losing the measurement.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NightshiftError } from "../core/errors.ts";
import { loadProfile, parseProfile } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { checkSpecOnDevice } from "../harness/device-fit.ts";
import { devicePeaks } from "../harness/physics.ts";
import { buildVariant, evaluateVariant } from "../harness/protocol.ts";
import type { EvalResult, ExecRequest, ExecResult, Executor, Variant } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { loadSpec } from "../specs/load.ts";
import { FIXTURES, saxpySpec, testProfile } from "./harness-fixtures.ts";

const EXAMPLES = join(FIXTURES, "..", "..", "examples");
const cudaSpec = () => loadSpec(join(EXAMPLES, "sgemm-cuda"));
const h200 = await loadProfile("h200");

type Exited = Extract<ExecResult, { kind: "exited" }>;
const exited = (over: Partial<Exited>): Exited => ({ kind: "exited", exitCode: 0, signal: null, stdout: "", stderr: "", wallMs: 5, timedOut: false, ...over });

/** The real local executor, except for the steps `script` answers itself (as if the machine behaved so). */
class ScriptedExecutor implements Executor {
  readonly name = "scripted";
  readonly inner = new LocalExecutor();
  readonly ran: string[] = [];
  constructor(private readonly script: (request: ExecRequest) => ExecResult | undefined) {}
  stage(label: string, files: Record<string, string | Buffer>) {
    return this.inner.stage(label, files);
  }
  exec(request: ExecRequest): Promise<ExecResult> {
    this.ran.push(request.argv.join(" "));
    return Promise.resolve(this.script(request) ?? this.inner.exec(request));
  }
  readFile(path: string) {
    return this.inner.readFile(path);
  }
  remove(path: string) {
    return this.inner.remove(path);
  }
  close() {
    return this.inner.close();
  }
}

function thrown(f: () => unknown): NightshiftError {
  try {
    f();
  } catch (error) {
    if (error instanceof NightshiftError) return error;
    throw error;
  }
  throw new Error("expected a NightshiftError, nothing was thrown");
}

describe("checking a spec against a device before anything runs", () => {
  it("refuses a C kernel on a GPU profile without a cpu section, naming both", () => {
    const error = thrown(() => checkSpecOnDevice(saxpySpec(), h200));
    expect(error.code).toBe("PROFILE_INVALID");
    expect(error.message).toContain("h200");
    expect(error.message).toContain("cpu section");
  });

  it("refuses a CUDA kernel on a CPU profile", () => {
    const error = thrown(() => checkSpecOnDevice(cudaSpec(), testProfile()));
    expect(error.code).toBe("PROFILE_INVALID");
    expect(error.message).toContain("gpu section");
  });

  it("treats a GPU profile without a usable peak rate as bad configuration, not as no physics floor", () => {
    const noPeaks: HardwareProfile = { ...h200, gpu: { ...h200.gpu!, peakTflops: { float16_tensor: 900 } } };
    const error = thrown(() => checkSpecOnDevice(cudaSpec(), noPeaks));
    expect(error.code).toBe("PROFILE_INVALID");
    expect(error.message).toContain("peakTflops.float32");
    expect(() => devicePeaks(noPeaks, cudaSpec())).toThrow(/peakTflops/);
  });

  it("refuses at load a GPU profile without the FP32 peak every CUDA floor can fall back to", () => {
    const { file: _file, ...raw } = h200;
    const error = thrown(() => parseProfile({ ...raw, gpu: { ...h200.gpu!, peakTflops: { float64: 34 } } }, "lab/gpu.json"));
    expect(error.code).toBe("PROFILE_INVALID");
    expect(error.message).toContain("profile.gpu.peakTflops.float32");
  });

  it("accepts matching pairs and replay devices, which answer from recorded data", () => {
    expect(() => checkSpecOnDevice(saxpySpec(), testProfile())).not.toThrow();
    expect(() => checkSpecOnDevice(cudaSpec(), h200)).not.toThrow();
    const replay: HardwareProfile = { name: "replay-x", description: "", kind: "gpu", reach: { via: "replay", file: "/nonexistent", noisy: false }, sources: [] };
    expect(() => checkSpecOnDevice(cudaSpec(), replay)).not.toThrow();
  });

  it("stops the build step of a C kernel on a GPU-only profile before it compiles anything", async () => {
    const executor = new ScriptedExecutor(() => undefined);
    try {
      await expect(buildVariant(executor, makeVariant(saxpySpec(), {}), { ...h200, reach: { via: "local", builds: 1, timing: "exclusive" } })).rejects.toThrow(/cpu section/);
      expect(executor.ran).toEqual([]);
    } finally {
      await executor.close();
    }
  });
});

async function evaluateWith(script: (request: ExecRequest) => ExecResult | undefined, variant: Variant = makeVariant(saxpySpec(), { UNROLL: 2 })): Promise<EvalResult> {
  const executor = new ScriptedExecutor(script);
  try {
    return await evaluateVariant(executor, variant, testProfile(), { seed: 5 });
  } finally {
    await executor.close();
  }
}

const isCompare = (r: ExecRequest) => r.argv[0]!.endsWith("/compare_bin");
const isVariantCompile = (r: ExecRequest) => r.argv.includes("variant.c") && r.argv.includes("-c");
// Builds run through sandbox_exec: the compiler is somewhere in the command line, its output after -o.
const isLink = (r: ExecRequest) => r.argv.includes("gcc") && r.argv[r.argv.indexOf("-o") + 1] === "variant_bin";

describe("failures of the trusted reference side", () => {
  it("files a compare program that timed out as a retryable infra_error, not a variant timeout", async () => {
    const result = await evaluateWith((r) => (isCompare(r) ? exited({ timedOut: true, signal: "SIGKILL", exitCode: null }) : undefined));
    expect(result.status).toBe("infra_error");
    expect(result.status === "infra_error" && result.retryable).toBe(true);
    expect(result.status === "infra_error" && result.cause).toContain("timed out");
  });

  it("files a compare program that exited non-zero as a non-retryable infra_error, not a runtime_error", async () => {
    const result = await evaluateWith((r) => (isCompare(r) ? exited({ exitCode: 3, stderr: "reference: assertion failed" }) : undefined));
    expect(result.status).toBe("infra_error");
    expect(result.status === "infra_error" && result.retryable).toBe(false);
    expect(result.status === "infra_error" && result.cause).toContain("assertion failed");
  });

  it("files a compare program killed by a signal as an infra_error", async () => {
    const result = await evaluateWith((r) => (isCompare(r) ? exited({ exitCode: null, signal: "SIGKILL" }) : undefined));
    expect(result.status).toBe("infra_error");
    expect(result.status === "infra_error" && result.cause).toContain("SIGKILL");
  });
});

describe("failures while building the variant", () => {
  it("files a compiler killed by a signal as a retryable infra_error, not a compile_error", async () => {
    const result = await evaluateWith((r) => (isVariantCompile(r) ? exited({ exitCode: null, signal: "SIGKILL" }) : undefined));
    expect(result.status).toBe("infra_error");
    expect(result.status === "infra_error" && result.retryable).toBe(true);
  });

  it("files gcc reporting its cc1 killed for memory as infra_error, though gcc itself exits 1", async () => {
    const stderr = "gcc: fatal error: Killed signal terminated program cc1\ncompilation terminated.\n";
    const result = await evaluateWith((r) => (isVariantCompile(r) ? exited({ exitCode: 1, stderr }) : undefined));
    expect(result.status).toBe("infra_error");
  });

  it("files a link that failed on a full disk as infra_error", async () => {
    const stderr = "/usr/bin/ld: final link failed: No space left on device\ncollect2: error: ld returned 1 exit status\n";
    const result = await evaluateWith((r) => (isLink(r) ? exited({ exitCode: 1, stderr }) : undefined));
    expect(result.status).toBe("infra_error");
    expect(result.status === "infra_error" && result.cause).toContain("No space left on device");
  });

  it("files a compiler that failed without a single diagnostic as infra_error", async () => {
    const result = await evaluateWith((r) => (isVariantCompile(r) ? exited({ exitCode: 1 }) : undefined));
    expect(result.status).toBe("infra_error");
  });

  it("keeps compile_error for a compiler that rejected the source with diagnostics", async () => {
    const result = await evaluateWith(() => undefined, makeVariant(saxpySpec(), {}, { source: "void saxpy(int n) { not C }\n" }));
    expect(result.status).toBe("compile_error");
    expect(result.status === "compile_error" && result.log).toContain("error");
  });
});

describe("an exception after the variant ran", () => {
  it("becomes a recorded, non-retryable infra_error starting with 'internal error:' instead of escaping the batch", async () => {
    // A spec whose bytes expression goes negative only shows when the roofline is computed, after the run.
    const good = makeVariant(saxpySpec(), { UNROLL: 2 });
    const variant: Variant = { ...good, spec: { ...good.spec, bytes: "12 * N - 1e9" } };
    const result = await evaluateWith(() => undefined, variant);
    expect(result.status).toBe("infra_error");
    expect(result.status === "infra_error" && result.retryable).toBe(false);
    expect(result.status === "infra_error" && result.cause).toMatch(/^internal error: .*bytes/);
  });
});

describe("expressions evaluated for a variant's parameters at configuration time", () => {
  it("refuses a configuration the bytes expression gives a negative value for, before anything is built", () => {
    const spec = saxpySpec({ bytes: "12 * N - UNROLL * 100000" });
    expect(() => makeVariant(spec, { UNROLL: 1 })).not.toThrow();
    const error = thrown(() => makeVariant(spec, { UNROLL: 4 }));
    expect(error.code).toBe("PARAMS_INVALID");
    expect(error.message).toContain("bytes");
  });

  it("blames the spec when its baseline's launch grid is not a whole number at one of the verify sizes", () => {
    const base = cudaSpec();
    const spec = { ...base, launch: { ...base.launch!, grid: ["N / BN", "M // BM", "1"] as [string, string, string] } };
    // 2048 / 32 is whole at the tuning size; 129 / 32 at the first verify size is not.
    // A verify size the kernel cannot run at is the spec's mistake, not the configuration's.
    const error = thrown(() => makeVariant(spec, base.baseline));
    expect(error.code).toBe("SPEC_INVALID");
    expect(error.message).toContain("launch.grid[0]");
  });
});
