import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { loadProfile } from "../hardware-profiles/load.ts";
import type { HardwareProfile } from "../hardware-profiles/schema.ts";
import { callFunction, trustedFiles } from "../harness/c/generate.ts";
import { TOOLS_DIR } from "../harness/plan.ts";
import { CUDA_FILES } from "../harness/cuda/build.ts";
import { cudaHarnessFiles } from "../harness/cuda/generate.ts";
import { interpretCudaVariantRun, sharedReport, type CudaHarnessReport } from "../harness/cuda/interpret.ts";
import { makeCudaPlan, type CudaHarnessPlan } from "../harness/cuda/plan.ts";
import { decodeSamples, interpretVerdict, parseJsonFile, type MeasureContext, type Verdict } from "../harness/interpret.ts";
import { FILES } from "../harness/plan.ts";
import { buildVariant, discardBuild, evaluateVariant } from "../harness/protocol.ts";
import type { EvalResult, Variant } from "../harness/types.ts";
import { makeVariant } from "../harness/variant.ts";
import { LocalExecutor } from "../runners/local-executor.ts";
import { loadSpec } from "../specs/load.ts";
import { haveNvcc, warnWithoutNvcc } from "./support/toolchain.ts";

const ROOT = join(import.meta.dirname, "..");
const CHEATS = join(ROOT, "test", "fixtures", "cuda-cheats");
// The driver's device nodes: without them no CUDA program can reach a GPU.
const haveGpu = existsSync("/dev/nvidiactl") && existsSync("/dev/nvidia0");
warnWithoutNvcc("CUDA harness builds");
if (!haveGpu) console.warn("CUDA harness runs on a GPU skipped: no NVIDIA device on this machine (/dev/nvidia0 absent); the GPU proof is bench/gpu/run-h200-proof.sh");

/** The transpose example at sizes small enough for a CPU stand-in run (same kernel, reference and launch rules). */
function smallTransposeSpec(dir: string) {
  const src = join(ROOT, "examples", "transpose-cuda");
  const raw = JSON.parse(readFileSync(join(src, "kernel.json"), "utf8"));
  raw.problem = { tune: { R: 64, C: 96 }, verify: [{ R: 33, C: 47 }] };
  raw.timing = { warmup: 1, repetitions: 5, timeLimitSeconds: 30, memoryLimitMb: 1024 };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(raw));
  for (const f of ["transpose.cu", "reference.c"]) copyFileSync(join(src, f), join(dir, f));
  return loadSpec(dir);
}

function sh(argv: string[], cwd: string) {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, encoding: "utf8" });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

type StandIn = "honest" | "stale" | "only_last_timed" | "scribbles_when_timed";

/**
 * A host-memory implementation of the device layer's C interface (the functions cuda_layer.cu exports), with
 * the spec's reference standing in for the kernel. It lets the host half of the CUDA harness, its dump files,
 * the shared compare program and the interpretation run end to end where no GPU exists. The cheating modes:
 * `stale` does nothing on every launch after the first, like a kernel that leaves an earlier result behind;
 * `only_last_timed` computes only the last timed repetition; `scribbles_when_timed` changes an input while timed.
 */
function standInLayer(plan: CudaHarnessPlan, mode: StandIn, repetitions: number): string {
  return `#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
${callFunction(plan, plan.referenceFunction, "ns_call_kernel")}
static int launches = 0;
static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec * 1e-6; }
int ns_cuda_init(char* j, size_t n, char* why, size_t wn) { (void)why; (void)wn; snprintf(j, n, "{\\"name\\":\\"host stand-in\\"}"); return 0; }
int ns_cuda_kernel_attributes(char* j, size_t n) { snprintf(j, n, "null"); return 0; }
void* ns_dev_alloc(size_t bytes, int guard) { unsigned char* p = malloc(bytes + 256); if (guard) memset(p + bytes, 0xCD, 256); return p; }
void ns_dev_free(void* p) { free(p); }
void ns_dev_upload(void* d, const void* h, size_t bytes) { memcpy(d, h, bytes); }
void ns_dev_download(void* h, const void* d, size_t bytes) { memcpy(h, d, bytes); }
void ns_dev_copy(void* d, const void* s, size_t bytes) { memcpy(d, s, bytes); }
void ns_dev_fill(void* d, int byte, size_t bytes) { memset(d, byte, bytes); }
int ns_dev_guard_intact(const void* d, size_t bytes) { const unsigned char* g = (const unsigned char*)d + bytes; for (int i = 0; i < 256; i++) if (g[i] != 0xCD) return 0; return 1; }
void ns_dev_launch(void** bufs, const double* scalars, int k) { (void)k; launches++; if (${mode === "stale" ? 1 : 0} && launches > 1) return; ns_call_kernel(bufs, scalars); }
static int timed = 0;
double ns_dev_timed_launch(void** bufs, const double* scalars, int k, double* wall) {
  double t0 = now_ms();
  timed++;
  if (${mode === "only_last_timed" ? 1 : 0} && timed < ${repetitions}) launches++;
  else ns_dev_launch(bufs, scalars, k);
  if (${mode === "scribbles_when_timed" ? 1 : 0} && timed == 2) ((unsigned char*)bufs[0])[0] ^= 1; /* bufs[0]: the input */
  double t1 = now_ms();
  *wall = t1 - t0 + 1e-3;
  return t1 - t0 + 1e-4;
}
void ns_dev_flush_l2(int r, size_t bytes) { (void)r; (void)bytes; }
int ns_dev_launches(void) { return launches; }
`;
}

describe("the CUDA harness's host half with a host stand-in for the device layer", () => {
  let work: string;
  let device: HardwareProfile;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "ns-cuda-standin-"));
    device = await loadProfile("h200");
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function runProtocol(mode: StandIn): Promise<EvalResult> {
    const spec = smallTransposeSpec(join(work, "spec"));
    const variant = makeVariant(spec, { USE_SHARED: 1, TILE: 32, BLOCK_ROWS: 8, PAD: 1 });
    const plan = makeCudaPlan(spec, variant.params, device);
    const dir = join(work, mode);
    const ref = join(work, `${mode}-ref`);
    mkdirSync(dir);
    mkdirSync(ref);
    const { [CUDA_FILES.layerSource]: _layer, [CUDA_FILES.launchHeader]: _launch, ...host } = cudaHarnessFiles(plan);
    for (const [name, text] of Object.entries(host)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, "standin.c"), standInLayer(plan, mode, plan.repetitions));
    writeFileSync(join(dir, "reference.c"), spec.referenceSource);
    // The host half is built with exactly the command the CUDA pipeline uses for it.
    expect(sh(plan.commands.harness[0]!.argv, dir).code).toBe(0);
    const link = sh(["gcc", "-O2", CUDA_FILES.harnessObject, "standin.c", "reference.c", "-o", CUDA_FILES.variantBinary, "-lm"], dir);
    expect(link.code, link.stderr).toBe(0);
    const seed = 12345;
    const t0 = performance.now();
    const run = sh([join(dir, CUDA_FILES.variantBinary), String(seed)], dir);
    const wallMs = performance.now() - t0;
    const report = parseJsonFile<CudaHarnessReport>(readFileSync(join(dir, FILES.harnessReport), "utf8"));
    const ctx: MeasureContext = {
      common: { variantHash: variant.hash, device: device.name, startedAt: "", finishedAt: "", seed },
      spec,
      params: variant.params,
      device,
      plan,
      definedSymbols: [],
      calledSymbols: [],
    };
    const early = interpretCudaVariantRun(ctx, { kind: "exited", exitCode: run.code, signal: run.signal, stdout: run.stdout, stderr: run.stderr, wallMs, timedOut: false }, report, "");
    if (early) return early;
    for (const [name, text] of Object.entries(trustedFiles(plan, spec.referenceSource))) {
      mkdirSync(dirname(join(ref, name)), { recursive: true });
      writeFileSync(join(ref, name), text);
    }
    // The compare program exactly as the protocol builds it, with the repository standing in for the tools.
    const compare = plan.commands.trusted.find((s) => s.argv.includes(`${TOOLS_DIR}/compare_main.c`))!;
    const built = sh(compare.argv.map((a) => a.replaceAll(TOOLS_DIR, join(ROOT, "harness", "c"))), ref);
    expect(built.code, built.stderr).toBe(0);
    expect(sh([join(ref, FILES.compareBinary), String(seed), dir], ref).code).toBe(0);
    const verdict = JSON.parse(readFileSync(join(ref, FILES.verdict), "utf8")) as Verdict;
    return interpretVerdict(ctx, verdict, sharedReport(report), decodeSamples(readFileSync(join(dir, FILES.samples))), wallMs);
  }

  it("writes every dump the shared compare program expects, and an honest kernel verifies ok", async () => {
    const result = await runProtocol("honest");
    expect(result.status, JSON.stringify(result)).toBe("ok");
    if (result.status !== "ok") return;
    // Tuning size and the verify size, two seeded cases each, all compared in full.
    expect(result.verification.cases.length).toBe(4);
    expect(result.verification.cases.every((c) => c.ok && c.maxAbsError === 0)).toBe(true);
    expect(result.samplesMs.length).toBe(5);
    expect(existsSync(join(work, "honest", "wall_samples.bin"))).toBe(true);
    const report = JSON.parse(readFileSync(join(work, "honest", FILES.harnessReport), "utf8")) as CudaHarnessReport;
    // 2 calls x 4 verify cases + 1 warm-up + 5 timed repetitions, every one counted by the layer.
    expect(report.launches).toBe(14);
  });

  it("catches a kernel that leaves its first result behind: the second call on fresh poisoned buffers is wrong", async () => {
    const result = await runProtocol("stale");
    expect(result.status).toBe("wrong_result");
    if (result.status !== "wrong_result") return;
    expect(result.output).toMatch(/second call on fresh copies/);
    expect(Number.isNaN(result.received)).toBe(true);
  });

  it("checks every timed repetition on inputs of its own: computing only the last one is wrong", async () => {
    const result = await runProtocol("only_last_timed");
    expect(result.status, JSON.stringify(result)).toBe("wrong_result");
    if (result.status !== "wrong_result") return;
    expect(result.output).toMatch(/timed repetition/);
  });

  it("reads the inputs back after every timed repetition: changing one while timed is inputs_modified", async () => {
    const result = await runProtocol("scribbles_when_timed");
    expect(result).toMatchObject({ status: "rejected", reason: "inputs_modified" });
    expect(JSON.stringify(result)).toMatch(/timing call 2 of case/);
  });
});

describe.skipIf(!haveNvcc)("building CUDA variants through the shared pipeline", () => {
  let executor: LocalExecutor;
  let h200: HardwareProfile;
  beforeAll(async () => {
    executor = new LocalExecutor();
    h200 = await loadProfile("h200");
  });
  afterAll(async () => executor.close());

  const transpose = () => loadSpec(join(ROOT, "examples", "transpose-cuda"));
  const cheat = (file: string): Variant => makeVariant(transpose(), {}, { source: readFileSync(join(CHEATS, file), "utf8") });

  it.skipIf(haveGpu)("a CUDA variant measured without a GPU is infra_error 'no CUDA device', with its ptxas stats and occupancy kept", async () => {
    const result = await evaluateVariant(executor, makeVariant(transpose(), { USE_SHARED: 1, TILE: 32, BLOCK_ROWS: 8, PAD: 1 }), h200, { seed: 7 });
    expect(result.status, JSON.stringify(result)).toBe("infra_error");
    if (result.status !== "infra_error") return;
    expect(result.cause).toMatch(/^no CUDA device on h200/);
    expect(result.cause).toMatch(/cudaError(InsufficientDriver|NoDevice)/);
    expect(result.retryable).toBe(false);
    expect(result.build!.stats.registersPerThread).toBeGreaterThan(0);
    expect(result.build!.stats.sharedMemoryBytes).toBe(0); // the tile is dynamic shared memory
    expect(result.build!.occupancy).toMatchObject({ achieved: null });
    expect(result.build!.command).toContain("-arch=sm_90");
  });

  it("rejects a host function posing as the kernel to run work on its own stream, before anything runs", async () => {
    const outcome = await buildVariant(executor, cheat("side-stream.cu"), h200);
    expect(outcome.kind).toBe("failed");
    if (outcome.kind !== "failed") return;
    expect(outcome.result).toMatchObject({ status: "rejected", reason: "forbidden_symbol" });
    expect(JSON.stringify(outcome.result)).toMatch(/host function, not as a __global__ kernel/);
  });

  it("rejects a variant that defines a CUDA runtime function to fake the timer", async () => {
    const outcome = await buildVariant(executor, cheat("timer-override.cu"), h200);
    expect(outcome.kind).toBe("failed");
    if (outcome.kind !== "failed") return;
    expect(outcome.result).toMatchObject({ status: "rejected", reason: "forbidden_symbol" });
    expect(JSON.stringify(outcome.result)).toMatch(/cudaEventElapsedTime/);
  });

  it("lets the cheats only a GPU can expose through the static checks (stale output): the kit runs them on a device", async () => {
    const outcome = await buildVariant(executor, cheat("stale-output.cu"), h200);
    expect(outcome.kind, JSON.stringify(outcome)).toBe("built");
    if (outcome.kind === "built") {
      expect(outcome.built.definedSymbols).toContain("transpose");
      await discardBuild(executor, outcome.built);
    }
  });
});

describe.skipIf(!haveNvcc || !haveGpu)("the CUDA protocol on a GPU (runs only where /dev/nvidia0 exists)", () => {
  let executor: LocalExecutor;
  let device: HardwareProfile;
  let work: string;
  beforeAll(async () => {
    executor = new LocalExecutor();
    work = mkdtempSync(join(tmpdir(), "ns-cuda-gpu-"));
    // The shipped H200 profile stands in for whatever GPU this is; its arch must match the device's.
    device = await loadProfile(process.env.NIGHTSHIFT_TEST_GPU_PROFILE ?? "h200");
  });
  afterAll(async () => {
    await executor.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("verifies and times an honest tiled transpose: ok, with samples, roofline and occupancy", async () => {
    const spec = smallTransposeSpec(join(work, "ok"));
    const result = await evaluateVariant(executor, makeVariant(spec, { USE_SHARED: 1, TILE: 32, BLOCK_ROWS: 8, PAD: 1 }), device);
    expect(result.status, JSON.stringify(result)).toBe("ok");
    if (result.status !== "ok") return;
    expect(result.stats.medianMs).toBeGreaterThan(0);
    expect(result.roofline!.bandwidthFraction).toBeLessThan(1);
    expect(result.build!.occupancy!.theoretical).toBeGreaterThan(0);
  });

  it("catches a kernel that computes only on its first launch", async () => {
    const spec = smallTransposeSpec(join(work, "stale"));
    const result = await evaluateVariant(executor, makeVariant(spec, {}, { source: readFileSync(join(CHEATS, "stale-output.cu"), "utf8") }), device);
    expect(result.status).toBe("wrong_result");
  });
});
