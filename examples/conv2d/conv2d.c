/* 2-D convolution (cross-correlation, "valid" region) of an h x w single-precision image with a k x k
 * filter: out[y][x] = sum over fy, fx of image[y + fy][x + fx] * filter[fy][fx], for the
 * (h - k + 1) x (w - k + 1) output positions whose window lies inside the image. Row-major throughout.
 *
 * Tunable parameters (each arrives as -DNAME=value; the defaults below are the naive baseline):
 *   TILE_Y, TILE_X  output block sizes; 0 leaves that dimension unblocked. Blocks at the right and bottom
 *                   edges are cut short, so any image and filter size is handled.
 *   LOOP_ORDER      pixel: for each output pixel, run over the filter (a dot product per pixel);
 *                   tap:   for each filter tap, sweep a row of the block (unit stride, vectorisable).
 *   UNROLL          unroll factor the compiler applies to the innermost loop.
 * Vectorisation is chosen by the spec's VECTORIZE parameter through compiler flags.
 *
 * Both orders add the taps of every output pixel in the same order (fy, then fx, increasing). */
#include <stdint.h>

#ifndef TILE_Y
#define TILE_Y 0
#endif
#ifndef TILE_X
#define TILE_X 0
#endif
#ifndef LOOP_ORDER
#define LOOP_ORDER pixel
#endif
#ifndef UNROLL
#define UNROLL 1
#endif

#define ORDER_pixel 0
#define ORDER_tap 1
#define ORDER_NUMBER_(o) ORDER_##o
#define ORDER_NUMBER(o) ORDER_NUMBER_(o)
#define ORDER ORDER_NUMBER(LOOP_ORDER)

#define PRAGMA_(x) _Pragma(#x)
#define UNROLL_INNER_(n) PRAGMA_(GCC unroll n)
#define UNROLL_INNER UNROLL_INNER_(UNROLL)

#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* Output rows [y0, y1) and columns [x0, x1). */
static void block(const float *restrict image, const float *restrict filter, float *restrict out, int w, int k, int ow, int y0, int y1,
                  int x0, int x1) {
#if ORDER == ORDER_pixel
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) {
      float sum = 0.0f;
      for (int fy = 0; fy < k; fy++) {
        const float *row = image + (int64_t)(y + fy) * w + x;
        UNROLL_INNER
        for (int fx = 0; fx < k; fx++) sum += row[fx] * filter[fy * k + fx];
      }
      out[(int64_t)y * ow + x] = sum;
    }
#elif ORDER == ORDER_tap
  for (int y = y0; y < y1; y++) {
    float *o = out + (int64_t)y * ow;
    for (int x = x0; x < x1; x++) o[x] = 0.0f;
    for (int fy = 0; fy < k; fy++)
      for (int fx = 0; fx < k; fx++) {
        const float f = filter[fy * k + fx];
        const float *in = image + (int64_t)(y + fy) * w + fx;
        UNROLL_INNER
        for (int x = x0; x < x1; x++) o[x] += in[x] * f;
      }
  }
#else
#error "LOOP_ORDER must be pixel or tap"
#endif
}

void conv2d(const float *restrict image, const float *restrict filter, float *restrict out, int32_t h, int32_t w, int32_t k) {
  const int oh = h - k + 1;
  const int ow = w - k + 1;
  const int by = TILE_Y > 0 ? TILE_Y : oh;
  const int bx = TILE_X > 0 ? TILE_X : ow;
  for (int y0 = 0; y0 < oh; y0 += by)
    for (int x0 = 0; x0 < ow; x0 += bx) block(image, filter, out, w, k, ow, y0, MIN(y0 + by, oh), x0, MIN(x0 + bx, ow));
}
