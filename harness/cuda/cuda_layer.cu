/* The device half of the trusted CUDA harness: cudaMalloc'd buffers with guard zones, NaN poisoning with
 * cudaMemset, the launch with the case's baked-in grid/block/dynamic shared memory, every CUDA call checked
 * (cudaGetLastError after each launch, then a synchronise), CUDA-event timing with a device-wide synchronise
 * before the end event, and an L2 flush kernel between repetitions. The variant supplies only the kernel;
 * ns_launch.h (generated) declares it extern "C" and defines ns_enqueue, which launches it. */
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ns_clock.h"
#include "ns_launch.h"

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
  if (e != cudaSuccess) ns_fail(ns_is_infra(e) ? NS_EXIT_NO_DEVICE : NS_EXIT_DEVICE_FAULT, what, e);
}

/* After a launch: configuration errors show up at once, execution faults at the synchronise. */
static void ns_check_kernel(cudaError_t e, const char* what) {
  if (e != cudaSuccess) ns_fail(ns_is_infra(e) ? NS_EXIT_NO_DEVICE : NS_EXIT_KERNEL_FAULT, what, e);
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


/* One timed repetition. The device-wide synchronise before the end event means work the kernel left on any
   other stream is inside the interval; the host clock around the whole sequence is the cross-check. */
extern "C" double ns_dev_timed_launch(void** bufs, const double* scalars, int k, double* wall_ms) {
  ns_check(cudaDeviceSynchronize(), "cudaDeviceSynchronize(before timing)");
  double t0 = ns_now_ms();
  ns_check(cudaEventRecord(ns_start, 0), "cudaEventRecord(start)");
  ns_enqueue(bufs, scalars, k);
  ns_launch_count++;
  ns_check_kernel(cudaGetLastError(), "kernel launch");
  ns_check_kernel(cudaDeviceSynchronize(), "kernel execution");
  ns_check(cudaEventRecord(ns_end, 0), "cudaEventRecord(end)");
  ns_check(cudaEventSynchronize(ns_end), "cudaEventSynchronize(end)");
  *wall_ms = ns_now_ms() - t0;
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
