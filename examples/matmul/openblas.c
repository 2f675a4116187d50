/* The library baseline: OpenBLAS's sgemm (Debian's libopenblas-dev), called the way a user would call it.
 * It runs on as many threads as the spec allows: the harness sets OMP_NUM_THREADS, which OpenBLAS follows. */
#include <stdint.h>
#include <cblas.h>

void matmul(const float *restrict A, const float *restrict B, float *restrict C, int32_t n) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
}
