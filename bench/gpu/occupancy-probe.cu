// Theoretical occupancy on the device itself: for kernels spanning register and static shared memory use,
// at many block sizes and dynamic shared memory sizes, it prints what the driver says
// (cudaOccupancyMaxActiveBlocksPerMultiprocessor), what the toolkit's calculator says for the same kernel
// attributes and device properties (cuda_occupancy.h), and what nightshift predicted when the kit was
// exported (TypeScript, from the same kernels' ptxas report), read from the file named by argv[1].
// Output (stdout, tab-separated), one row per configuration:
//   kernel numRegs sharedSizeBytes blockSize dynamicSmem api_blocks calc_blocks predicted_regs predicted_blocks agree
#include <cuda_runtime.h>
#include <cuda_occupancy.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#define NS_TOOL "occupancy-probe"
#include "check.cuh"

// ARR floats kept live across a loop push the register count up; SMEM floats of static shared memory.
template <int ARR, int SMEM>
__device__ __forceinline__ void body(float* out, int n) {
  __shared__ float s[SMEM];
  float v[ARR];
#pragma unroll
  for (int i = 0; i < ARR; i++) v[i] = out[threadIdx.x + i * n];
  for (int it = 0; it < n; it++) {
#pragma unroll
    for (int i = 0; i < ARR; i++) v[i] = v[i] * v[(i + 1) % ARR] + v[(i + 3) % ARR];
  }
  float acc = 0.0f;
#pragma unroll
  for (int i = 0; i < ARR; i++) acc += v[i];
  s[threadIdx.x % SMEM] = acc;
  __syncthreads();
  out[blockIdx.x * blockDim.x + threadIdx.x] = s[(threadIdx.x + 1) % SMEM];
}

#define PROBES(X)                                                              \
  X(probe_r4_s1, 4, 1) X(probe_r16_s1, 16, 1) X(probe_r32_s1, 32, 1)           \
  X(probe_r48_s1, 48, 1) X(probe_r64_s1, 64, 1) X(probe_r96_s1, 96, 1)         \
  X(probe_r128_s1, 128, 1) X(probe_r16_s2048, 16, 2048)                        \
  X(probe_r16_s6144, 16, 6144) X(probe_r32_s10240, 32, 10240)                  \
  X(probe_r8_s12288, 8, 12288)

#define DEFINE(name, arr, smem) \
  extern "C" __global__ void name(float* out, int n) { body<arr, smem>(out, n); }
PROBES(DEFINE)

struct Probe {
  const char* name;
  const void* fn;
};
#define ENTRY(name, arr, smem) {#name, (const void*)name},
static const Probe probes[] = {PROBES(ENTRY)};

struct Expected {
  char kernel[64];
  int block;
  long dyn;
  int regs;
  int blocks;
};

int main(int argc, char** argv) {
  static Expected expected[4096];
  int n_expected = 0;
  if (argc > 1) {
    FILE* f = std::fopen(argv[1], "r");
    if (!f) { std::fprintf(stderr, "occupancy-probe: cannot read %s\n", argv[1]); return 1; }
    char header[512];
    if (!std::fgets(header, sizeof header, f)) header[0] = 0;
    while (n_expected < 4096 && std::fscanf(f, "%63s %d %ld %d %d", expected[n_expected].kernel, &expected[n_expected].block, &expected[n_expected].dyn,
                                            &expected[n_expected].regs, &expected[n_expected].blocks) == 5) n_expected++;
    std::fclose(f);
  }
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::fprintf(stderr, "device %s cc %d.%d sms %d smemPerSM %zu smemPerBlock %zu optin %zu reserved %zu regsPerSM %d regsPerBlock %d maxThreadsPerSM %d\n", prop.name,
               prop.major, prop.minor, prop.multiProcessorCount, prop.sharedMemPerMultiprocessor, prop.sharedMemPerBlock, prop.sharedMemPerBlockOptin,
               prop.reservedSharedMemPerBlock, prop.regsPerMultiprocessor, prop.regsPerBlock, prop.maxThreadsPerMultiProcessor);
  cudaOccDeviceProp occProp(prop);
  const int blocks[] = {32, 64, 128, 192, 256, 512, 768, 1024};
  const long dyns[] = {0, 16384, 65536};
  int rows = 0, compared = 0, disagreements = 0, calc_disagreements = 0;
  std::printf("kernel\tnumRegs\tsharedSizeBytes\tblockSize\tdynamicSmem\tapi_blocks\tcalc_blocks\tpredicted_regs\tpredicted_blocks\tagree\n");
  for (const Probe& p : probes) {
    cudaFuncAttributes attr;
    CHECK(cudaFuncGetAttributes(&attr, p.fn));
    for (long dyn : dyns) {
      // As the harness does: raise the kernel's dynamic limit to what the launch uses.
      cudaError_t set = cudaFuncSetAttribute(p.fn, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)dyn);
      if (set != cudaSuccess) cudaGetLastError();
      CHECK(cudaFuncGetAttributes(&attr, p.fn));
      for (int b : blocks) {
        int api = -1;
        if (set == cudaSuccess) {
          if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&api, p.fn, b, (size_t)dyn) != cudaSuccess) {
            cudaGetLastError();
            api = -1;
          }
        }
        cudaOccFuncAttributes occAttr(attr);
        occAttr.maxDynamicSharedSizeBytes = dyn;
        cudaOccDeviceState state;
        cudaOccResult res;
        int calc = cudaOccMaxActiveBlocksPerMultiprocessor(&res, &occProp, &occAttr, &state, b, (size_t)dyn) == CUDA_OCC_SUCCESS ? res.activeBlocksPerMultiprocessor : -1;
        int pr = -1, pb = -1;
        for (int i = 0; i < n_expected; i++) {
          if (std::strcmp(expected[i].kernel, p.name) == 0 && expected[i].block == b && expected[i].dyn == dyn) {
            pr = expected[i].regs;
            pb = expected[i].blocks;
          }
        }
        // A launch the driver refuses (api -1: dynamic limit not settable) counts as zero blocks.
        const int api0 = api < 0 ? 0 : api;
        const char* agree = pb < 0 ? "no-prediction" : pr != attr.numRegs ? "regs-differ" : (pb == api0 ? "yes" : "NO");
        if (pb >= 0 && pr == attr.numRegs) {
          compared++;
          if (pb != api0) disagreements++;
        }
        if (calc != api0) calc_disagreements++;
        rows++;
        std::printf("%s\t%d\t%zu\t%d\t%ld\t%d\t%d\t%d\t%d\t%s\n", p.name, attr.numRegs, attr.sharedSizeBytes, b, dyn, api, calc, pr, pb, agree);
      }
    }
  }
  std::fprintf(stderr, "occupancy: %d configurations, nightshift compared on %d, disagreements %d; cuda_occupancy.h vs driver disagreements %d\n", rows, compared,
               disagreements, calc_disagreements);
  return disagreements == 0 && compared >= 20 ? 0 : 3;
}
