// cuBLAS's single-precision GEMM on the SGEMM example's problem (row-major C = A * B, M x K times K x N),
// timed like the harness times a variant: the L2 flushed before each repetition, events with a device-wide
// synchronise before the end event, median of the repetitions. Default math mode: plain FP32, no TF32
// (cuBLAS uses TF32 for cublasSgemm only when asked to); PEDANTIC is timed too, for the strict-FP32 figure.
// Output (stdout, tab-separated): mode M N K median_ms min_ms GFLOPs_median
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define NS_TOOL "cublas-sgemm"
#include "check.cuh"
#define CHECK_BLAS(call)                                                                      \
  do {                                                                                        \
    cublasStatus_t s_ = (call);                                                               \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                                        \
      std::fprintf(stderr, "cublas-sgemm: %s: status %d\n", #call, (int)s_);                 \
      std::exit(1);                                                                           \
    }                                                                                         \
  } while (0)

__global__ void fill(float* p, size_t n, unsigned seed) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    unsigned x = (unsigned)i * 2654435761u ^ seed;
    x ^= x >> 13; x *= 0x5bd1e995u; x ^= x >> 15;
    p[i] = (float)(x & 0xffff) / 32768.0f - 1.0f;
  }
}

__global__ void flush(unsigned* p, size_t n, unsigned v) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) p[i] = v + (unsigned)i;
}

int main(int argc, char** argv) {
  const int M = argc > 1 ? std::atoi(argv[1]) : 2048, N = argc > 2 ? std::atoi(argv[2]) : 2048, K = argc > 3 ? std::atoi(argv[3]) : 2048;
  const int reps = argc > 4 ? std::atoi(argv[4]) : 20;
  float *A, *B, *C;
  CHECK(cudaMalloc(&A, sizeof(float) * M * K));
  CHECK(cudaMalloc(&B, sizeof(float) * K * N));
  CHECK(cudaMalloc(&C, sizeof(float) * M * N));
  fill<<<1024, 256>>>(A, (size_t)M * K, 1u);
  fill<<<1024, 256>>>(B, (size_t)K * N, 2u);
  int l2 = 0;
  CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, 0));
  const size_t flush_n = 2ull * l2 / sizeof(unsigned);
  unsigned* fb;
  CHECK(cudaMalloc(&fb, flush_n * sizeof(unsigned)));
  cublasHandle_t h;
  CHECK_BLAS(cublasCreate(&h));
  cudaEvent_t s, e;
  CHECK(cudaEventCreate(&s));
  CHECK(cudaEventCreate(&e));
  const float alpha = 1.0f, beta = 0.0f;
  std::printf("mode\tM\tN\tK\tmedian_ms\tmin_ms\tGFLOPs_median\n");
  const struct { const char* name; cublasMath_t mode; } modes[] = {{"default", CUBLAS_DEFAULT_MATH}, {"pedantic", CUBLAS_PEDANTIC_MATH}};
  for (const auto& m : modes) {
    CHECK_BLAS(cublasSetMathMode(h, m.mode));
    std::vector<float> ms;
    for (int r = -3; r < reps; r++) {
      flush<<<1024, 256>>>(fb, flush_n, (unsigned)r);
      CHECK(cudaDeviceSynchronize());
      CHECK(cudaEventRecord(s));
      // Row-major C = A * B is column-major C^T = B^T * A^T: swap the operands, keep the layouts.
      CHECK_BLAS(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &alpha, B, N, A, K, &beta, C, N));
      CHECK(cudaDeviceSynchronize());
      CHECK(cudaEventRecord(e));
      CHECK(cudaEventSynchronize(e));
      float t;
      CHECK(cudaEventElapsedTime(&t, s, e));
      if (r >= 0) ms.push_back(t);
    }
    std::sort(ms.begin(), ms.end());
    const double med = ms[ms.size() / 2];
    std::printf("%s\t%d\t%d\t%d\t%.6f\t%.6f\t%.1f\n", m.name, M, N, K, med, ms.front(), 2.0 * M * N * K / (med * 1e6));
  }
  return 0;
}
