/* Trusted reference: the textbook triple loop, accumulating in double. */
#include <stdint.h>

void gemm_reference(const float *A, const float *B, float *C, int32_t n) {
  for (int32_t i = 0; i < n; i++)
    for (int32_t j = 0; j < n; j++) {
      double sum = 0.0;
      for (int32_t k = 0; k < n; k++) sum += (double)A[(int64_t)i * n + k] * (double)B[(int64_t)k * n + j];
      C[(int64_t)i * n + j] = (float)sum;
    }
}
