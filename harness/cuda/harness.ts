// Generates the trusted CUDA harness as two sources:
//   harness.c      the host half, plain C built by gcc with the compare program's flags, so inputs drawn from the
//                  run seed are bit-identical to the ones the compare program regenerates (same PRNG, same libm);
//                  it walks the same cases, writes the same dump files and the same harness.json as the C harness.
//   cuda_layer.cu  the device half: cudaMalloc'd buffers with guard zones, NaN poisoning with cudaMemset,
//                  the launch with the case's baked-in grid/block/dynamic shared memory, every CUDA call checked
//                  (cudaGetLastError after each launch, then a synchronise), CUDA-event timing with a device-wide
//                  synchronise before the end event, and an L2 flush kernel between repetitions.
// The variant supplies only the kernel; the layer declares it extern "C" and launches it itself.

import { FILES } from "../plan.ts";
import { callLists, commonC, hostHelpersC, monotonicClockC, type StopReportExtra } from "../c/common.ts";
import { CUDA_FILES } from "./build.ts";
import type { CudaHarnessPlan } from "./plan.ts";

/** Exit statuses of variant_bin beyond the C harness's (0 and 90 = the harness itself failed). */
export const CUDA_EXIT = {
  /** No usable device or driver: the machine's fault, never the kernel's. */
  noDevice: 91,
  /** The kernel's launch or execution failed (bad geometry, too many resources, illegal address, trap). */
  kernelFault: 92,
  /** A CUDA call of the harness itself failed for a reason unrelated to the kernel (out of memory, lost device). */
  deviceFault: 93,
} as const;

/** Files only the CUDA harness writes, beside the C harness's. */
export const CUDA_REPORT_FILES = { wallSamples: "wall_samples.bin" } as const;

/** The optional second argument of variant_bin: skip the tuning size and timing (for compute-sanitizer runs). */
export const SANITIZE_FLAG = "--sanitize";

export interface CudaHarnessSources {
  [CUDA_FILES.harnessSource]: string;
  [CUDA_FILES.layerSource]: string;
}

export function generateCudaHarness(plan: CudaHarnessPlan): CudaHarnessSources {
  return { [CUDA_FILES.harnessSource]: hostSource(plan), [CUDA_FILES.layerSource]: layerSource(plan) };
}

function hostSource(plan: CudaHarnessPlan): string {
  const tuneCases = plan.cases.map((c) => (JSON.stringify(c.size) === JSON.stringify(plan.cases.find((x) => x.role === "timing_a")!.size) ? 1 : 0));
  return `${commonC(plan)}
#define NS_WARMUP ${plan.warmup}
#define NS_REPETITIONS ${plan.repetitions}
#define NS_FLUSH_BYTES ${plan.flushBytes}ull
#define NS_EXIT_NO_DEVICE ${CUDA_EXIT.noDevice}
static const int ns_case_is_tune_size[NS_NCASES] = { ${tuneCases.join(", ")} };
static const char* const NS_SAMPLES_FILE = ${JSON.stringify(FILES.samples)};
static const char* const NS_WALL_SAMPLES_FILE = ${JSON.stringify(CUDA_REPORT_FILES.wallSamples)};
static const char* const NS_REPORT_FILE = ${JSON.stringify(FILES.harnessReport)};
static const char* const NS_PROGRESS_FILE = ${JSON.stringify(FILES.progress)};
static const char* const NS_SANITIZE_FLAG = ${JSON.stringify(SANITIZE_FLAG)};
${HOST_MAIN}`;
}

/** A stopped CUDA run still reports the device, the kernel's attributes and how many launches it made. */
const STOP_REPORT_EXTRA: StopReportExtra = {
  format: String.raw`,\"device\":%s,\"kernel\":%s,\"launches\":%d`,
  args: ["ns_device_json", "ns_kernel_json", "ns_dev_launches()"],
};

const HOST_MAIN = String.raw`
/* The device layer (cuda_layer.cu). Every function checks its CUDA calls and exits on failure. */
int ns_cuda_init(char* device_json, size_t n, char* why, size_t why_n);
int ns_cuda_kernel_attributes(char* json, size_t n);
void* ns_dev_alloc(size_t bytes, int guard);
void ns_dev_free(void* p);
void ns_dev_upload(void* d, const void* h, size_t bytes);
void ns_dev_download(void* h, const void* d, size_t bytes);
void ns_dev_copy(void* dst, const void* src, size_t bytes);
void ns_dev_fill(void* d, int byte, size_t bytes);
int ns_dev_guard_intact(const void* d, size_t bytes);
void ns_dev_launch(void** bufs, const double* scalars, int k);
double ns_dev_timed_launch(void** bufs, const double* scalars, int k, double* wall_ms);
void ns_dev_flush_l2(int r, size_t bytes);
int ns_dev_launches(void);

static int ns_guards = 1;
static int ns_calls_made = 0;
static char ns_device_json[1024] = "null";
static char ns_kernel_json[1024] = "null";

${hostHelpersC(STOP_REPORT_EXTRA)}
static void ns_no_device(const char* why) {
  FILE* f = fopen(NS_REPORT_FILE, "w");
  if (f) {
    fputs("{\"complete\":false,\"infra\":{\"cause\":\"no CUDA device\",\"detail\":\"", f);
    for (const char* c = why; *c; c++) if (*c != '"' && *c != '\\' && (unsigned char)*c >= 32) fputc(*c, f);
    fputs("\"}}\n", f);
    fclose(f);
  }
  fprintf(stderr, "nightshift harness: no CUDA device: %s\n", why);
  exit(NS_EXIT_NO_DEVICE);
}

/** Launches case k with thread counting and guard checks around it; the layer synchronises and checks errors. */
static void ns_checked_call(void** bufs, int k, int call, const char* where) {
  int before = ns_threads();
  ns_dev_launch(bufs, ns_case_scalar[k], k);
  int after = ns_threads();
  /* The CUDA runtime may start its helper threads on the first launch; later growth is the variant's.
     Under compute-sanitizer (--sanitize) the tool's own threads come and go, so only the tool judges. */
  if (ns_guards && after > before && ns_calls_made > 0) ns_stop("threads_leaked", where, k, call, before, after);
  ns_calls_made++;
  for (int b = 0; b < NS_NBUF && ns_guards; b++) {
    if (!ns_dev_guard_intact(bufs[b], ns_bytes(k, b))) ns_stop("memory_error", where, k, call, before, after);
  }
}

static void ns_dump_device(const void* d, int k, int b, const char* what, void* scratch) {
  char path[256];
  ns_dev_download(scratch, d, ns_bytes(k, b));
  snprintf(path, sizeof path, "c%d_%s_%s.bin", k, ns_buf_name[b], what);
  ns_write_file(path, scratch, ns_bytes(k, b));
}

static void ns_poison_byte_fill(void* d, int k, int b) {
  ns_dev_fill(d, ns_buf_dtype[b] <= NS_F64 ? 0xFF : 0xA5, ns_bytes(k, b));
}

/** Fresh device buffers for case k: inputs uploaded from the pristine host set, outputs poisoned. */
static void ns_dev_load_fresh(void** dev, void** pristine, int k) {
  for (int b = 0; b < NS_NBUF; b++) {
    dev[b] = ns_dev_alloc(ns_bytes(k, b), ns_guards);
    if (ns_buf_intent[b] == NS_OUT) ns_poison_byte_fill(dev[b], k, b);
    else ns_dev_upload(dev[b], pristine[b], ns_bytes(k, b));
  }
}

static void ns_dev_free_all(void** dev) {
  for (int b = 0; b < NS_NBUF; b++) ns_dev_free(dev[b]);
}

static void ns_generate(void** pristine, int k, uint64_t run_seed) {
  uint32_t seed = ns_case_seed(run_seed, k);
  for (int b = 0; b < NS_NBUF; b++) {
    pristine[b] = ns_alloc(ns_bytes(k, b));
    if (ns_buf_intent[b] != NS_OUT) ns_fill(pristine[b], k, b, seed);
  }
}

static void ns_verify_case(int k, uint64_t run_seed, int* modified_case, int* modified_buf) {
  void* pristine[NS_NBUF];
  void* scratch[NS_NBUF];
  void* first[NS_NBUF];
  void* second[NS_NBUF];
  ns_generate(pristine, k, run_seed);
  for (int b = 0; b < NS_NBUF; b++) scratch[b] = ns_alloc(ns_bytes(k, b));

  ns_dev_load_fresh(first, pristine, k);
  ns_step("case %d call %d", k, 1);
  ns_checked_call(first, k, 1, "verification");
  for (int b = 0; b < NS_NBUF; b++) ns_dump_device(first[b], k, b, ns_buf_intent[b] == NS_IN ? "in" : "1", scratch[b]);

  /* Second call on fresh allocations made before the first are freed, so they sit at new addresses:
     a kernel that skips work and leaves an earlier result behind finds only poison there. */
  ns_dev_load_fresh(second, pristine, k);
  ns_dev_free_all(first);
  ns_step("case %d call %d", k, 2);
  ns_checked_call(second, k, 2, "verification");
  for (int b = 0; b < NS_NBUF; b++) {
    if (ns_buf_intent[b] != NS_IN) ns_dump_device(second[b], k, b, "2", scratch[b]);
    else if (*modified_case < 0) {
      ns_dev_download(scratch[b], second[b], ns_bytes(k, b));
      if (memcmp(scratch[b], pristine[b], ns_bytes(k, b)) != 0) {
        *modified_case = k;
        *modified_buf = b;
      }
    }
  }
  ns_dev_free_all(second);
  for (int b = 0; b < NS_NBUF; b++) {
    free(scratch[b]);
    free(pristine[b]);
  }
}

static void ns_write_report(int complete_timing, double phase_ms, int modified_case, int modified_buf) {
  FILE* f = fopen(NS_REPORT_FILE, "w");
  if (!f) ns_die("cannot create", NS_REPORT_FILE);
  fprintf(f, "{\"complete\":true,\"repetitions\":%d,\"timingPhaseMs\":%.6f,\"timed\":%s,\"launches\":%d,\"device\":%s,\"kernel\":%s,\"modifiedOnSecondCall\":",
          complete_timing ? NS_REPETITIONS : 0, phase_ms, complete_timing ? "true" : "false", ns_dev_launches(), ns_device_json, ns_kernel_json);
  if (modified_case >= 0) fprintf(f, "{\"case\":%d,\"buffer\":\"%s\"}", modified_case, ns_buf_name[modified_buf]);
  else fputs("null", f);
  fputs("}\n", f);
  fclose(f);
}

int main(int argc, char** argv) {
  if (argc < 2) ns_die("usage", "variant_bin <seed> [--sanitize]");
  uint64_t run_seed = strtoull(argv[1], NULL, 10);
  int sanitize = argc > 2 && strcmp(argv[2], NS_SANITIZE_FLAG) == 0;
  /* Under compute-sanitizer the buffers are exact-sized so every out-of-bounds access leaves the allocation. */
  ns_guards = !sanitize;
  ns_progress = fopen(NS_PROGRESS_FILE, "w");
  if (!ns_progress) ns_die("cannot create", NS_PROGRESS_FILE);

  char why[512];
  /* Modules load at start, not at a kernel's first launch, so no first-use work (or helper thread) of the
     runtime lands inside a checked call or a timed repetition. */
  setenv("CUDA_MODULE_LOADING", "EAGER", 1);
  ns_step("cuda init %d%.0d", 0, 0);
  if (ns_cuda_init(ns_device_json, sizeof ns_device_json, why, sizeof why) != 0) ns_no_device(why);
  /* The harness launches the kernel through its registered device function; a host function carrying the
     kernel's name (no device code behind it) is caught here, before anything is measured. */
  if (ns_cuda_kernel_attributes(ns_kernel_json, sizeof ns_kernel_json) != 0) ns_stop("launch_missing", "kernel registration", -1, 0, 0, 0);

  int modified_case = -1, modified_buf = -1;
  int timing_a = -1, timing_b = -1;
  for (int k = 0; k < NS_NCASES; k++) {
    if (ns_case_role[k] == NS_VERIFY) {
      if (sanitize && ns_case_is_tune_size[k]) continue;
      ns_verify_case(k, run_seed, &modified_case, &modified_buf);
    } else if (ns_case_role[k] == NS_TIMING_A) timing_a = k;
    else timing_b = k;
  }
  if (sanitize) {
    ns_write_report(0, 0.0, modified_case, modified_buf);
    return 0;
  }

  /* Timing: both input sets live on the device; before each repetition the work buffers are refilled from
     one of them (set B last, right after set A, so a result cached from an earlier call is caught by the
     compare program), outputs are poisoned and the L2 is flushed, all outside the timed interval. */
  void* host_a[NS_NBUF];
  void* host_b[NS_NBUF];
  void* set_a[NS_NBUF];
  void* set_b[NS_NBUF];
  void* work[NS_NBUF];
  ns_generate(host_a, timing_a, run_seed);
  ns_generate(host_b, timing_b, run_seed);
  ns_dev_load_fresh(set_a, host_a, timing_a);
  ns_dev_load_fresh(set_b, host_b, timing_b);
  for (int b = 0; b < NS_NBUF; b++) work[b] = ns_dev_alloc(ns_bytes(timing_a, b), 1);
  double samples[NS_REPETITIONS];
  double wall[NS_REPETITIONS];
  double phase_start = ns_now_ms();
  for (int w = 0; w < NS_WARMUP; w++) {
    ns_step("timing warmup %d%.0d", w + 1, 0);
    for (int b = 0; b < NS_NBUF; b++) {
      if (ns_buf_intent[b] == NS_OUT) ns_poison_byte_fill(work[b], timing_a, b);
      else ns_dev_copy(work[b], set_a[b], ns_bytes(timing_a, b));
    }
    ns_checked_call(work, timing_a, 0, "warmup");
  }
  /* Counted after the warm-up has touched every code path of the loop once. */
  ns_dev_flush_l2(0, NS_FLUSH_BYTES);
  int threads_before_timing = ns_threads();
  for (int r = 0; r < NS_REPETITIONS; r++) {
    int use_b = (NS_REPETITIONS - 1 - r) % 2 == 0;
    int k = use_b ? timing_b : timing_a;
    void** set = use_b ? set_b : set_a;
    ns_step("timing repetition %d%.0d", r + 1, 0);
    for (int b = 0; b < NS_NBUF; b++) {
      if (ns_buf_intent[b] == NS_OUT) ns_poison_byte_fill(work[b], k, b);
      else ns_dev_copy(work[b], set[b], ns_bytes(k, b));
    }
    ns_dev_flush_l2(r, NS_FLUSH_BYTES);
    int before = ns_threads();
    samples[r] = ns_dev_timed_launch(work, ns_case_scalar[k], k, &wall[r]);
    int after = ns_threads();
    if (after > before) ns_stop("threads_leaked", "timing", k, r + 1, before, after);
    for (int b = 0; b < NS_NBUF; b++) {
      if (!ns_dev_guard_intact(work[b], ns_bytes(k, b))) ns_stop("memory_error", "timing", k, r + 1, before, after);
    }
    /* The event interval lies inside the host interval around it; a longer event time means the timer was
       tampered with, a zero one that nothing ran. */
    if (!(samples[r] > 0.0)) ns_stop("launch_missing", "timing", k, r + 1, before, after);
    if (samples[r] > wall[r] * 1.01 + 0.05) ns_stop("timing_inconsistent", "timing", k, r + 1, before, after);
  }
  double phase_ms = ns_now_ms() - phase_start;
  int threads_after_timing = ns_threads();
  if (threads_after_timing > threads_before_timing) ns_stop("threads_leaked", "timing", timing_b, NS_REPETITIONS, threads_before_timing, threads_after_timing);
  for (int b = 0; b < NS_NBUF; b++) {
    if (ns_buf_intent[b] == NS_IN) continue;
    char path[256];
    void* h = ns_alloc(ns_bytes(timing_b, b));
    ns_dev_download(h, work[b], ns_bytes(timing_b, b));
    snprintf(path, sizeof path, "timed_%s.bin", ns_buf_name[b]);
    ns_write_file(path, h, ns_bytes(timing_b, b));
    free(h);
  }
  ns_write_file(NS_SAMPLES_FILE, samples, sizeof samples);
  ns_write_file(NS_WALL_SAMPLES_FILE, wall, sizeof wall);
  ns_step("done %d%.0d", NS_REPETITIONS, 0);
  ns_write_report(1, phase_ms, modified_case, modified_buf);
  return 0;
}
`;

function layerSource(plan: CudaHarnessPlan): string {
  const { params, args } = callLists(plan);
  const rows = (f: (k: number) => string) => plan.launches.map((_, k) => f(k)).join(", ");
  const maxDynamic = Math.max(0, ...plan.launches.map((l) => l.dynamicSharedBytes));
  return `${LAYER_PRELUDE}
extern "C" __global__ void ${plan.kernel}(${params});

#define NS_NCASES ${plan.launches.length}
static const unsigned ns_grid[NS_NCASES][3] = { ${rows((k) => `{ ${plan.launches[k]!.grid.join(", ")} }`)} };
static const unsigned ns_block[NS_NCASES][3] = { ${rows((k) => `{ ${plan.launches[k]!.block.join(", ")} }`)} };
static const size_t ns_dynamic_smem[NS_NCASES] = { ${rows((k) => `${plan.launches[k]!.dynamicSharedBytes}u`)} };
#define NS_MAX_DYNAMIC_SMEM ${maxDynamic}u
#define NS_KERNEL ${plan.kernel}

static void ns_enqueue(void** bufs, const double* scalars, int k) {
  (void)scalars;
  dim3 grid(ns_grid[k][0], ns_grid[k][1], ns_grid[k][2]);
  dim3 block(ns_block[k][0], ns_block[k][1], ns_block[k][2]);
  NS_KERNEL<<<grid, block, ns_dynamic_smem[k]>>>(${args});
}
${LAYER_BODY}`;
}

const LAYER_PRELUDE = String.raw`#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
`;

const LAYER_BODY = String.raw`
#define NS_GUARD_BYTES 256
#define NS_GUARD_BYTE 0xCD

static int ns_launch_count = 0;
static unsigned* ns_flush_buf = NULL;
static cudaEvent_t ns_start, ns_end;

/* Errors a harness call can meet that are the device's or the driver's fault, not the kernel's. */
static int ns_is_infra(cudaError_t e) {
  return e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver || e == cudaErrorInitializationError ||
         e == cudaErrorDevicesUnavailable || e == cudaErrorSystemDriverMismatch || e == cudaErrorCompatNotSupportedOnDevice ||
         e == cudaErrorStubLibrary || e == cudaErrorSystemNotReady || e == cudaErrorECCUncorrectable || e == cudaErrorDeviceUninitialized;
}

static void ns_fail(int code, const char* what, cudaError_t e) {
  fprintf(stderr, "nightshift harness: %s: %s (%s)\n", what, cudaGetErrorName(e), cudaGetErrorString(e));
  exit(code);
}

/* A failed call of the harness's own: infrastructure, unless the kernel left the context broken, which the
   checks right after each launch report first. */
static void ns_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) ns_fail(ns_is_infra(e) ? ${CUDA_EXIT.noDevice} : ${CUDA_EXIT.deviceFault}, what, e);
}

/* After a launch: configuration errors show up at once, execution faults at the synchronise. */
static void ns_check_kernel(cudaError_t e, const char* what) {
  if (e != cudaSuccess) ns_fail(ns_is_infra(e) ? ${CUDA_EXIT.noDevice} : ${CUDA_EXIT.kernelFault}, what, e);
}

extern "C" int ns_cuda_init(char* device_json, size_t n, char* why, size_t why_n) {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    snprintf(why, why_n, "%s", e != cudaSuccess ? cudaGetErrorName(e) : "cudaGetDeviceCount found no device");
    return 1;
  }
  e = cudaSetDevice(0);
  if (e == cudaSuccess) e = cudaFree(0);
  if (e != cudaSuccess) {
    snprintf(why, why_n, "%s", cudaGetErrorName(e));
    return 1;
  }
  cudaDeviceProp p;
  ns_check(cudaGetDeviceProperties(&p, 0), "cudaGetDeviceProperties");
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  char name[256];
  size_t j = 0;
  for (const char* c = p.name; *c && j + 1 < sizeof name; c++) if (*c != '"' && *c != '\\') name[j++] = *c;
  name[j] = 0;
  snprintf(device_json, n,
           "{\"name\":\"%s\",\"computeCapability\":\"%d.%d\",\"smCount\":%d,\"l2CacheBytes\":%d,\"sharedMemoryPerSMBytes\":%zu,\"registersPerSM\":%d,\"driverVersion\":%d,\"runtimeVersion\":%d}",
           name, p.major, p.minor, p.multiProcessorCount, p.l2CacheSize, p.sharedMemPerMultiprocessor, p.regsPerMultiprocessor, driver, runtime);
  ns_check(cudaEventCreate(&ns_start), "cudaEventCreate");
  ns_check(cudaEventCreate(&ns_end), "cudaEventCreate");
  return 0;
}

/* Fails when the kernel symbol has no registered device function behind it. Also raises the dynamic shared
   memory limit to what the largest case launches with (the occupancy model assumes exactly this). */
extern "C" int ns_cuda_kernel_attributes(char* json, size_t n) {
  cudaFuncAttributes a;
  cudaError_t e = cudaFuncGetAttributes(&a, (const void*)NS_KERNEL);
  if (e != cudaSuccess) {
    fprintf(stderr, "nightshift harness: the kernel is not a registered device function: %s\n", cudaGetErrorName(e));
    cudaGetLastError();
    return 1;
  }
  if (NS_MAX_DYNAMIC_SMEM > 0) {
    ns_check_kernel(cudaFuncSetAttribute((const void*)NS_KERNEL, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)NS_MAX_DYNAMIC_SMEM),
                    "cudaFuncSetAttribute(MaxDynamicSharedMemorySize)");
  }
  snprintf(json, n, "{\"numRegs\":%d,\"sharedSizeBytes\":%zu,\"localSizeBytes\":%zu,\"maxThreadsPerBlock\":%d,\"ptxVersion\":%d,\"binaryVersion\":%d}",
           a.numRegs, a.sharedSizeBytes, a.localSizeBytes, a.maxThreadsPerBlock, a.ptxVersion, a.binaryVersion);
  return 0;
}

extern "C" void* ns_dev_alloc(size_t bytes, int guard) {
  void* p = NULL;
  size_t total = bytes + (guard ? NS_GUARD_BYTES : 0);
  ns_check(cudaMalloc(&p, total > 0 ? total : 1), "cudaMalloc");
  if (guard) ns_check(cudaMemset((char*)p + bytes, NS_GUARD_BYTE, NS_GUARD_BYTES), "cudaMemset(guard)");
  return p;
}

extern "C" void ns_dev_free(void* p) { ns_check(cudaFree(p), "cudaFree"); }
extern "C" void ns_dev_upload(void* d, const void* h, size_t bytes) { ns_check(cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice), "cudaMemcpy(H2D)"); }
extern "C" void ns_dev_download(void* h, const void* d, size_t bytes) { ns_check(cudaMemcpy(h, d, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy(D2H)"); }
extern "C" void ns_dev_copy(void* dst, const void* src, size_t bytes) { ns_check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy(D2D)"); }
extern "C" void ns_dev_fill(void* d, int byte, size_t bytes) {
  ns_check(cudaMemset(d, byte, bytes), "cudaMemset(poison)");
  ns_check(cudaDeviceSynchronize(), "cudaDeviceSynchronize(poison)");
}

extern "C" int ns_dev_guard_intact(const void* d, size_t bytes) {
  unsigned char g[NS_GUARD_BYTES];
  ns_check(cudaMemcpy(g, (const char*)d + bytes, NS_GUARD_BYTES, cudaMemcpyDeviceToHost), "cudaMemcpy(guard)");
  for (int i = 0; i < NS_GUARD_BYTES; i++) if (g[i] != NS_GUARD_BYTE) return 0;
  return 1;
}

extern "C" void ns_dev_launch(void** bufs, const double* scalars, int k) {
  ns_enqueue(bufs, scalars, k);
  ns_launch_count++;
  ns_check_kernel(cudaGetLastError(), "kernel launch");
  ns_check_kernel(cudaDeviceSynchronize(), "kernel execution");
}

${monotonicClockC("ns_wall_ms")}

/* One timed repetition. The device-wide synchronise before the end event means work the kernel left on any
   other stream is inside the interval; the host clock around the whole sequence is the cross-check. */
extern "C" double ns_dev_timed_launch(void** bufs, const double* scalars, int k, double* wall_ms) {
  ns_check(cudaDeviceSynchronize(), "cudaDeviceSynchronize(before timing)");
  double t0 = ns_wall_ms();
  ns_check(cudaEventRecord(ns_start, 0), "cudaEventRecord(start)");
  ns_enqueue(bufs, scalars, k);
  ns_launch_count++;
  ns_check_kernel(cudaGetLastError(), "kernel launch");
  ns_check_kernel(cudaDeviceSynchronize(), "kernel execution");
  ns_check(cudaEventRecord(ns_end, 0), "cudaEventRecord(end)");
  ns_check(cudaEventSynchronize(ns_end), "cudaEventSynchronize(end)");
  *wall_ms = ns_wall_ms() - t0;
  float ms = 0.0f;
  ns_check(cudaEventElapsedTime(&ms, ns_start, ns_end), "cudaEventElapsedTime");
  return (double)ms;
}

__global__ void ns_flush_kernel(unsigned* p, size_t n, unsigned v) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) p[i] = v + (unsigned)i;
}

/* Writes a buffer twice the L2 so the next repetition starts with nothing of its inputs cached. */
extern "C" void ns_dev_flush_l2(int r, size_t bytes) {
  size_t n = bytes / sizeof(unsigned);
  if (!ns_flush_buf) ns_check(cudaMalloc((void**)&ns_flush_buf, n * sizeof(unsigned)), "cudaMalloc(flush)");
  ns_flush_kernel<<<1024, 256>>>(ns_flush_buf, n, (unsigned)r);
  ns_check(cudaGetLastError(), "flush launch");
  ns_check(cudaDeviceSynchronize(), "flush");
}

extern "C" int ns_dev_launches(void) { return ns_launch_count; }
`;
