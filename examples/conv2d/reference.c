/* Trusted reference: the definition of a valid 2-D cross-correlation, accumulating in double. */
#include <stdint.h>

void conv2d_reference(const float *image, const float *filter, float *out, int32_t h, int32_t w, int32_t k) {
  for (int32_t y = 0; y + k <= h; y++)
    for (int32_t x = 0; x + k <= w; x++) {
      double sum = 0.0;
      for (int32_t fy = 0; fy < k; fy++)
        for (int32_t fx = 0; fx < k; fx++) sum += (double)image[(int64_t)(y + fy) * w + (x + fx)] * (double)filter[fy * k + fx];
      out[(int64_t)y * (w - k + 1) + x] = (float)sum;
    }
}
