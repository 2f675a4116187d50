/* Trusted reference for sgemm_cuda: C = A * B (row-major), accumulated in double so the reference's own
 * rounding stays far below the float32 tolerance. i-k-j loop order keeps the inner loop streaming. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

void sgemm_reference(const float* A, const float* B, float* Cout, int32_t M, int32_t N, int32_t K) {
  double* row = (double*)malloc((size_t)N * sizeof(double));
  if (!row) abort();
  for (int32_t i = 0; i < M; i++) {
    for (int32_t j = 0; j < N; j++) row[j] = 0.0;
    for (int32_t k = 0; k < K; k++) {
      const double a = A[(size_t)i * K + k];
      const float* b = B + (size_t)k * N;
      for (int32_t j = 0; j < N; j++) row[j] += a * (double)b[j];
    }
    for (int32_t j = 0; j < N; j++) Cout[(size_t)i * N + j] = (float)row[j];
  }
  free(row);
}
