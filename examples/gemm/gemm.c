/* C = A x B for n x n single-precision matrices in row-major order, one thread.
 *
 * The structure of a fast GEMM, written in plain C with GCC vector extensions:
 *   - cache blocking: the k dimension is cut into KC-deep slabs, the columns into NC-wide panels and the
 *     rows into MC-high blocks;
 *   - packing: the KC x NC panel of B is copied into NR-column slivers (each sliver is KC rows of NR
 *     contiguous floats) and the MC x KC block of A into MR-row slivers (each sliver is KC columns of MR
 *     contiguous floats), into aligned buffers, zero-padded at the matrix edge;
 *   - a register-blocked micro-kernel: an MR x NR tile of C lives in MR * NV vector accumulators
 *     (NR = NV * VEC) for the whole KC loop; each k step loads NV vectors of B and broadcasts MR floats of A.
 *
 * Tunable parameters (each arrives as -DNAME=value; the defaults below are the spec's baseline):
 *   VEC  floats per vector register: 4 (16 bytes: SSE/NEON), 8 (32 bytes: AVX2), 16 (64 bytes: AVX-512).
 *        A width the target lacks still compiles (gcc splits the vectors) but runs slowly.
 *   MR   rows of the register tile (broadcasts of A per k step).
 *   NV   vectors per row of the register tile; NR = NV * VEC columns.
 *   MC   rows of the packed A block (rounded down to a multiple of MR, at least MR).
 *   KC   depth of the packed slabs.
 *   NC   columns of the packed B panel (rounded down to a multiple of NR, at least NR).
 *   KU   unroll factor of the micro-kernel's k loop.
 *   PF   software prefetch distance in k steps for the packed A and B streams (0: none).
 *
 * Any n is handled: packing pads the last sliver with zeros and the micro-kernel stores only the valid part
 * of an edge tile. Each C element is the sum over k-slabs in increasing k, each slab summed with k
 * increasing, in float (with fused multiply-adds where the target has them). */
#include <stdint.h>

#ifndef VEC
#define VEC 4
#endif
#ifndef MR
#define MR 4
#endif
#ifndef NV
#define NV 3
#endif
#ifndef MC
#define MC 96
#endif
#ifndef KC
#define KC 256
#endif
#ifndef NC
#define NC 1024
#endif
#ifndef KU
#define KU 1
#endif
#ifndef PF
#define PF 0
#endif

#define NR (NV * VEC)
/* Block sizes actually used: whole numbers of slivers. */
#define MCB ((MC / MR > 0 ? MC / MR : 1) * MR)
#define NCB ((NC / NR > 0 ? NC / NR : 1) * NR)

#define PRAGMA_(x) _Pragma(#x)
#define UNROLL_(n) PRAGMA_(GCC unroll n)
#define UNROLL(n) UNROLL_(n)

#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* An aligned vector (packed buffers) and an unaligned one (rows of A, B and C). */
typedef float vf __attribute__((vector_size(VEC * sizeof(float))));
typedef float vfu __attribute__((vector_size(VEC * sizeof(float)), aligned(sizeof(float))));

/* C[0:mr, 0:nr] (=, or += when accumulate) the product of an MR-row sliver of packed A and an NR-column
 * sliver of packed B, both kc deep. mr <= MR and nr <= NR; the padding rows and columns are computed
 * but not stored. */
static inline void micro_kernel(int kc, const float *restrict a, const float *restrict b, float *restrict c, int64_t ldc, int mr,
                                int nr, int accumulate) {
  vf zero;
  UNROLL(VEC)
  for (int l = 0; l < VEC; l++) zero[l] = 0.0f;
  vf acc[MR][NV];
  UNROLL(MR)
  for (int i = 0; i < MR; i++) {
    UNROLL(NV)
    for (int j = 0; j < NV; j++) acc[i][j] = zero;
  }

  UNROLL(KU)
  for (int k = 0; k < kc; k++) {
#if PF > 0
    /* Clamped so that the address stays inside this sliver. */
    const int kp = MIN(k + PF, kc - 1);
    __builtin_prefetch(a + (int64_t)kp * MR);
    __builtin_prefetch(b + (int64_t)kp * NR);
#endif
    vf bv[NV];
    UNROLL(NV)
    for (int j = 0; j < NV; j++) bv[j] = *(const vf *)&b[(int64_t)k * NR + j * VEC];
    UNROLL(MR)
    for (int i = 0; i < MR; i++) {
      const float ai = a[(int64_t)k * MR + i];
      UNROLL(NV)
      for (int j = 0; j < NV; j++) acc[i][j] += ai * bv[j];
    }
  }

  if (mr == MR && nr == NR) {
    if (accumulate) {
      UNROLL(MR)
      for (int i = 0; i < MR; i++) {
        UNROLL(NV)
        for (int j = 0; j < NV; j++) *(vfu *)&c[i * ldc + j * VEC] += acc[i][j];
      }
    } else {
      UNROLL(MR)
      for (int i = 0; i < MR; i++) {
        UNROLL(NV)
        for (int j = 0; j < NV; j++) *(vfu *)&c[i * ldc + j * VEC] = acc[i][j];
      }
    }
  } else {
    /* Edge tile: spill the accumulators, store the valid mr x nr part element by element. */
    float tile[MR * NR] __attribute__((aligned(64)));
    UNROLL(MR)
    for (int i = 0; i < MR; i++) {
      UNROLL(NV)
      for (int j = 0; j < NV; j++) *(vf *)&tile[i * NR + j * VEC] = acc[i][j];
    }
    for (int i = 0; i < mr; i++) {
      if (accumulate) {
        for (int j = 0; j < nr; j++) c[i * ldc + j] += tile[i * NR + j];
      } else {
        for (int j = 0; j < nr; j++) c[i * ldc + j] = tile[i * NR + j];
      }
    }
  }
}

/* Pack rows [0, mc) x columns [0, kc) of A (row stride lda) into MR-row slivers: sliver s holds, for each k,
 * the MR floats A[s*MR + 0..MR-1][k] contiguously. Rows past mc are zeros. */
static void pack_a(int mc, int kc, const float *restrict A, int64_t lda, float *restrict ap) {
  for (int ir = 0; ir < mc; ir += MR) {
    const float *src = A + ir * lda;
    float *dst = ap + (int64_t)ir * kc;
    const int mr = MIN(MR, mc - ir);
    if (mr == MR) {
      for (int k = 0; k < kc; k++) {
        UNROLL(MR)
        for (int i = 0; i < MR; i++) dst[k * MR + i] = src[i * lda + k];
      }
    } else {
      for (int k = 0; k < kc; k++) {
        for (int i = 0; i < mr; i++) dst[k * MR + i] = src[i * lda + k];
        for (int i = mr; i < MR; i++) dst[k * MR + i] = 0.0f;
      }
    }
  }
}

/* Pack rows [0, kc) x columns [0, nc) of B (row stride ldb) into NR-column slivers: sliver s holds, for each
 * k, the NR floats B[k][s*NR + 0..NR-1] contiguously. Columns past nc are zeros. */
static void pack_b(int kc, int nc, const float *restrict B, int64_t ldb, float *restrict bp) {
  for (int jr = 0; jr < nc; jr += NR) {
    const float *src = B + jr;
    float *dst = bp + (int64_t)jr * kc;
    const int nr = MIN(NR, nc - jr);
    if (nr == NR) {
      for (int k = 0; k < kc; k++) {
        UNROLL(NV)
        for (int j = 0; j < NV; j++) *(vf *)&dst[k * NR + j * VEC] = *(const vfu *)&src[k * ldb + j * VEC];
      }
    } else {
      for (int k = 0; k < kc; k++) {
        for (int j = 0; j < nr; j++) dst[k * NR + j] = src[k * ldb + j];
        for (int j = nr; j < NR; j++) dst[k * NR + j] = 0.0f;
      }
    }
  }
}

/* C block [0, mc) x [0, nc) from a packed A block and a packed B panel, both kc deep. */
static void macro_kernel(int mc, int nc, int kc, const float *restrict ap, const float *restrict bp, float *restrict c, int64_t ldc,
                         int accumulate) {
  for (int jr = 0; jr < nc; jr += NR)
    for (int ir = 0; ir < mc; ir += MR)
      micro_kernel(kc, ap + (int64_t)ir * kc, bp + (int64_t)jr * kc, c + ir * ldc + jr, ldc, MIN(MR, mc - ir), MIN(NR, nc - jr),
                   accumulate);
}

void gemm(const float *restrict A, const float *restrict B, float *restrict C, int32_t n) {
  /* Packing buffers, static (4 * (MCB + NCB) * KC bytes of .bss) so that no stack limit applies. */
  static float ap[MCB * KC] __attribute__((aligned(64)));
  static float bp[KC * NCB] __attribute__((aligned(64)));
  const int64_t ld = n;
  for (int jc = 0; jc < n; jc += NCB) {
    const int nc = MIN(NCB, n - jc);
    /* k-slabs in increasing order: the first stores into C, the others add to it. */
    for (int pc = 0; pc < n; pc += KC) {
      const int kc = MIN(KC, n - pc);
      pack_b(kc, nc, B + pc * ld + jc, ld, bp);
      for (int ic = 0; ic < n; ic += MCB) {
        const int mc = MIN(MCB, n - ic);
        pack_a(mc, kc, A + ic * ld + pc, ld, ap);
        macro_kernel(mc, nc, kc, ap, bp, C + ic * ld + jc, ld, pc > 0);
      }
    }
  }
}
