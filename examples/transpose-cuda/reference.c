/* Trusted reference for transpose_cuda: the definition of the operation, nothing clever. */
#include <stddef.h>
#include <stdint.h>

void transpose_reference(const float* in, float* out, int32_t R, int32_t C) {
  for (int32_t r = 0; r < R; r++)
    for (int32_t c = 0; c < C; c++) out[(size_t)c * R + r] = in[(size_t)r * C + c];
}
