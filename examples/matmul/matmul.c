/* C = A x B for n x n single-precision matrices in row-major order.
 *
 * Tunable parameters (each arrives as -DNAME=value; the defaults below are the naive baseline):
 *   TILE_I, TILE_J, TILE_K  cache-block sizes; 0 leaves that loop unblocked. Any n is handled: the last
 *                           block of each loop is cut short at the matrix edge.
 *   LOOP_ORDER              order of the three loops inside a block: ijk, ikj, jik, jki, kij or kji.
 *                           The innermost loop decides the access pattern (j: unit stride in B and C).
 *   UNROLL                  unroll factor the compiler applies to the innermost loop.
 * Vectorisation is chosen by the spec's VECTORIZE parameter through compiler flags.
 *
 * Every order adds the products into C[i][j] with k increasing, so all variants round alike except for
 * the compiler's choice of fused multiply-add. */
#include <stdint.h>

#ifndef TILE_I
#define TILE_I 0
#endif
#ifndef TILE_J
#define TILE_J 0
#endif
#ifndef TILE_K
#define TILE_K 0
#endif
#ifndef LOOP_ORDER
#define LOOP_ORDER ijk
#endif
#ifndef UNROLL
#define UNROLL 1
#endif

/* LOOP_ORDER is a bare word so that parameter values read naturally; map it to a number the
 * preprocessor can compare. */
#define ORDER_ijk 0
#define ORDER_ikj 1
#define ORDER_jik 2
#define ORDER_jki 3
#define ORDER_kij 4
#define ORDER_kji 5
#define ORDER_NUMBER_(o) ORDER_##o
#define ORDER_NUMBER(o) ORDER_NUMBER_(o)
#define ORDER ORDER_NUMBER(LOOP_ORDER)

#define PRAGMA_(x) _Pragma(#x)
#define UNROLL_INNER_(n) PRAGMA_(GCC unroll n)
#define UNROLL_INNER UNROLL_INNER_(UNROLL)

#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* One block: rows [i0, i1) of C, columns [j0, j1), products over k in [k0, k1). */
static void block(const float *restrict A, const float *restrict B, float *restrict C, int n, int i0, int i1, int j0, int j1, int k0,
                  int k1) {
#if ORDER == ORDER_ijk
  for (int i = i0; i < i1; i++)
    for (int j = j0; j < j1; j++) {
      float sum = C[(int64_t)i * n + j];
      UNROLL_INNER
      for (int k = k0; k < k1; k++) sum += A[(int64_t)i * n + k] * B[(int64_t)k * n + j];
      C[(int64_t)i * n + j] = sum;
    }
#elif ORDER == ORDER_jik
  for (int j = j0; j < j1; j++)
    for (int i = i0; i < i1; i++) {
      float sum = C[(int64_t)i * n + j];
      UNROLL_INNER
      for (int k = k0; k < k1; k++) sum += A[(int64_t)i * n + k] * B[(int64_t)k * n + j];
      C[(int64_t)i * n + j] = sum;
    }
#elif ORDER == ORDER_ikj
  for (int i = i0; i < i1; i++)
    for (int k = k0; k < k1; k++) {
      const float a = A[(int64_t)i * n + k];
      UNROLL_INNER
      for (int j = j0; j < j1; j++) C[(int64_t)i * n + j] += a * B[(int64_t)k * n + j];
    }
#elif ORDER == ORDER_kij
  for (int k = k0; k < k1; k++)
    for (int i = i0; i < i1; i++) {
      const float a = A[(int64_t)i * n + k];
      UNROLL_INNER
      for (int j = j0; j < j1; j++) C[(int64_t)i * n + j] += a * B[(int64_t)k * n + j];
    }
#elif ORDER == ORDER_jki
  for (int j = j0; j < j1; j++)
    for (int k = k0; k < k1; k++) {
      const float b = B[(int64_t)k * n + j];
      UNROLL_INNER
      for (int i = i0; i < i1; i++) C[(int64_t)i * n + j] += A[(int64_t)i * n + k] * b;
    }
#elif ORDER == ORDER_kji
  for (int k = k0; k < k1; k++)
    for (int j = j0; j < j1; j++) {
      const float b = B[(int64_t)k * n + j];
      UNROLL_INNER
      for (int i = i0; i < i1; i++) C[(int64_t)i * n + j] += A[(int64_t)i * n + k] * b;
    }
#else
#error "LOOP_ORDER must be one of ijk, ikj, jik, jki, kij, kji"
#endif
}

void matmul(const float *restrict A, const float *restrict B, float *restrict C, int32_t n) {
  const int bi = TILE_I > 0 ? TILE_I : n;
  const int bj = TILE_J > 0 ? TILE_J : n;
  const int bk = TILE_K > 0 ? TILE_K : n;
  for (int64_t x = 0; x < (int64_t)n * n; x++) C[x] = 0.0f;
  /* k blocks run in increasing order so each C[i][j] still sums its products with k increasing. */
  for (int i0 = 0; i0 < n; i0 += bi)
    for (int j0 = 0; j0 < n; j0 += bj)
      for (int k0 = 0; k0 < n; k0 += bk) block(A, B, C, n, i0, MIN(i0 + bi, n), j0, MIN(j0 + bj, n), k0, MIN(k0 + bk, n));
}
