// The device's achievable memory bandwidth, the ceiling a memory-bound kernel is judged against: a large
// cudaMemcpy device-to-device (counting bytes read plus bytes written) and, as a cross-check, a plain
// 16-byte-per-thread copy kernel. Events around each repetition, median of the repetitions.
// Output (stdout, tab-separated): method bytes_per_rep median_ms min_ms GBs_median GBs_best
#include <cuda_runtime.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define NS_TOOL "d2d-bandwidth"
#include "check.cuh"

__global__ void copy16(const float4* __restrict__ in, float4* __restrict__ out, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) out[i] = in[i];
}

static void report(const char* method, size_t bytes, std::vector<float>& ms) {
  std::sort(ms.begin(), ms.end());
  const double med = ms[ms.size() / 2], best = ms.front();
  // Bytes moved per repetition: every byte is read once and written once.
  const double moved = 2.0 * (double)bytes;
  std::printf("%s\t%zu\t%.6f\t%.6f\t%.1f\t%.1f\n", method, bytes, med, best, moved / (med * 1e6), moved / (best * 1e6));
}

int main(int argc, char** argv) {
  const size_t bytes = (argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024ull) << 20;  // MiB
  const int reps = argc > 2 ? std::atoi(argv[2]) : 30;
  void *a, *b;
  CHECK(cudaMalloc(&a, bytes));
  CHECK(cudaMalloc(&b, bytes));
  CHECK(cudaMemset(a, 1, bytes));
  CHECK(cudaMemset(b, 0, bytes));
  cudaEvent_t s, e;
  CHECK(cudaEventCreate(&s));
  CHECK(cudaEventCreate(&e));
  std::printf("method\tbytes\tmedian_ms\tmin_ms\tGBs_median\tGBs_best\n");

  std::vector<float> ms;
  TIME_REPS(reps, s, e, ms, CHECK(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice)));
  report("cudaMemcpyD2D", bytes, ms);

  int sms = 0;
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  const size_t n = bytes / sizeof(float4);
  TIME_REPS(reps, s, e, ms, { copy16<<<sms * 8, 512>>>((const float4*)a, (float4*)b, n); CHECK(cudaGetLastError()); });
  report("copy_kernel_float4", bytes, ms);
  return 0;
}
