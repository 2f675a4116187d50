/* C = A x B for n x n single-precision matrices in row-major order, on all cores with OpenMP.
 *
 * The same blocked, packed, register-tiled GEMM as examples/gemm (see there for the structure), with the
 * work shared among OpenMP threads in one of three ways (PAR):
 *   jc  the NC-column panels of C are shared out (one parallel loop, one region per call): each thread packs
 *       its own B panels and A blocks into private buffers on its stack and computes those columns of C.
 *       No sharing and no barrier until the end, but A is packed once per panel; balanced when the number
 *       of NC panels is a multiple of the threads.
 *   ij  the MC x NC tiles of C are shared out (one parallel loop, one region per call): each thread packs
 *       the B panel and the A block of its tile into private buffers on its stack. A is packed once per
 *       column of tiles and B once per row of tiles, but there are (n/MC) * (n/NC) work items, enough to
 *       keep many cores busy at small n. With NC >= n it shares out MC-row blocks.
 *   ic  for each KC slab, the B panel is packed cooperatively (one parallel loop over its NR slivers) into
 *       a shared static buffer; then the MC-row blocks of C are shared out (a second parallel loop): each
 *       thread packs its A block into a private buffer on its stack and computes those rows of C.
 *       Two parallel regions and a barrier per KC slab, and each core reads the panel slivers the other
 *       cores packed; not in the spec's space: 1.1-1.4x slower than jc/ij on a 2-core machine,
 *       presumably from that barrier and the reads of the panel halves packed on the other core.
 * In all three, each element of C is written by exactly one thread, and every C element is the same sum in
 * the same order as in the single-threaded kernel.
 *
 * Tunable parameters (each arrives as -DNAME=value; the defaults below are the spec's baseline):
 *   VEC  floats per vector register: 4 (16 bytes: SSE/NEON), 8 (32 bytes: AVX2), 16 (64 bytes: AVX-512).
 *   MR   rows of the register tile.   NV  vectors per row of the register tile; NR = NV * VEC columns.
 *   MC   rows of a packed A block (rounded down to a multiple of MR, at least MR).
 *   KC   depth of the packed slabs.
 *   NC   columns of a packed B panel (rounded down to a multiple of NR, at least NR).
 *   KU   unroll factor of the micro-kernel's k loop.
 *   PF   software prefetch distance in k steps for the packed A and B streams (0: none).
 *   PAR  work sharing: jc, ij or ic (above). */
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
#define NC 192
#endif
#ifndef KU
#define KU 1
#endif
#ifndef PF
#define PF 0
#endif
#ifndef PAR
#define PAR jc
#endif

#define PAR_ic 0
#define PAR_jc 1
#define PAR_ij 2
#define PAR_NUMBER_(p) PAR_##p
#define PAR_NUMBER(p) PAR_NUMBER_(p)
#define STRATEGY PAR_NUMBER(PAR)

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

void gemm_omp(const float *restrict A, const float *restrict B, float *restrict C, int32_t n) {
  const int64_t ld = n;
#if STRATEGY == PAR_ic
  /* The B panel is shared (static, 4 * KC * NCB bytes); each thread's A block is private, on its stack. */
  static float bp[KC * NCB] __attribute__((aligned(64)));
  for (int jc = 0; jc < n; jc += NCB) {
    const int nc = MIN(NCB, n - jc);
    for (int pc = 0; pc < n; pc += KC) {
      const int kc = MIN(KC, n - pc);
#pragma omp parallel for
      for (int jr = 0; jr < nc; jr += NR) pack_b(kc, MIN(NR, nc - jr), B + pc * ld + jc + jr, ld, bp + (int64_t)jr * kc);
#pragma omp parallel for
      for (int ic = 0; ic < n; ic += MCB) {
        float ap[MCB * KC] __attribute__((aligned(64)));
        const int mc = MIN(MCB, n - ic);
        pack_a(mc, kc, A + ic * ld + pc, ld, ap);
        macro_kernel(mc, nc, kc, ap, bp, C + ic * ld + jc, ld, pc > 0);
      }
    }
  }
#elif STRATEGY == PAR_jc
  /* Each thread's buffers are private, on its stack: 4 * KC * (MCB + NCB) bytes. */
#pragma omp parallel for
  for (int jc = 0; jc < n; jc += NCB) {
    float ap[MCB * KC] __attribute__((aligned(64)));
    float bp[KC * NCB] __attribute__((aligned(64)));
    const int nc = MIN(NCB, n - jc);
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
#elif STRATEGY == PAR_ij
  /* MC x NC tiles of C are shared out; each thread's buffers are private, on its stack. */
  const int tiles_j = (n + NCB - 1) / NCB;
  const int tiles = ((n + MCB - 1) / MCB) * tiles_j;
#pragma omp parallel for
  for (int t = 0; t < tiles; t++) {
    float ap[MCB * KC] __attribute__((aligned(64)));
    float bp[KC * NCB] __attribute__((aligned(64)));
    const int ic = (t / tiles_j) * MCB, jc = (t % tiles_j) * NCB;
    const int mc = MIN(MCB, n - ic), nc = MIN(NCB, n - jc);
    for (int pc = 0; pc < n; pc += KC) {
      const int kc = MIN(KC, n - pc);
      pack_b(kc, nc, B + pc * ld + jc, ld, bp);
      pack_a(mc, kc, A + ic * ld + pc, ld, ap);
      macro_kernel(mc, nc, kc, ap, bp, C + ic * ld + jc, ld, pc > 0);
    }
  }
#else
#error "PAR must be ic, jc or ij"
#endif
}
