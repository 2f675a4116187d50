/* Standalone GEMM benchmark: single-threaded OpenBLAS sgemm, the examples/gemm kernel, multi-threaded
 * OpenBLAS and the examples/gemm-omp kernel, timed side by side (interleaved, with a cache flush before
 * every call) and checked against a double-accumulated reference.
 *
 *   bench [-n N] [-r REPS] [-t THREADS] [-w WHICH] [-v SIZES] [-q]
 *     -n N        size timed (default 384)
 *     -r REPS     timed calls per variant (default 41); the median and minimum are printed
 *     -t THREADS  threads for multi-threaded OpenBLAS (default: online CPUs)
 *     -w WHICH    variants to run, any of: o (OpenBLAS 1 thread), s (gemm), O (OpenBLAS THREADS), p (gemm_omp)
 *                 (default "osOp")
 *     -v SIZES    comma-separated extra sizes to verify only (default "97,200,13")
 *     -g GAP_MS   pause after each multi-threaded call (default 200): OpenBLAS's idle workers spin (with
 *                 sched_yield) for about 2^28 cycles after a call and libgomp's for a while too; on a 2-core
 *                 machine a spinning pool of one library steals the cores from the other's timed call.
 *                 The pause lets both pools fall asleep, so every threaded call starts from the same state.
 *     -F MB       size of the buffer written between calls to evict the caches (default 64; nightshift's
 *                 harness writes twice the last-level cache it detects, at least 1 MiB)
 *     -q          one summary line only (for sweeps)
 *
 * The kernels are linked in as gemm_st and gemm_omp (run.sh renames them with -D when compiling). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <omp.h>

void gemm_st(const float *restrict A, const float *restrict B, float *restrict C, int32_t n);
void gemm_omp(const float *restrict A, const float *restrict B, float *restrict C, int32_t n);

static int mt_threads = 2;

static void blas_st(const float *A, const float *B, float *C, int32_t n) {
  openblas_set_num_threads(1);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
}
static void blas_mt(const float *A, const float *B, float *C, int32_t n) {
  openblas_set_num_threads(mt_threads);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
}
static void ours_st(const float *A, const float *B, float *C, int32_t n) { gemm_st(A, B, C, n); }
static void ours_omp(const float *A, const float *B, float *C, int32_t n) { gemm_omp(A, B, C, n); }

typedef void (*gemm_fn)(const float *, const float *, float *, int32_t);

struct variant {
  char key;
  const char *name;
  gemm_fn fn;
  double *times;
  double err_rel, err_tol; /* worst over all sizes checked */
};

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Evict the caches as a kernel harness would between calls: write then read a buffer (64 MiB by default). */
static size_t FLUSH_BYTES = (size_t)64 << 20;
static unsigned char *flush_buf;
static volatile unsigned flush_sink;
static void flush_caches(void) {
  static unsigned char v;
  v++;
  memset(flush_buf, v, FLUSH_BYTES);
  unsigned s = 0;
  for (size_t i = 0; i < FLUSH_BYTES; i += 64) s += flush_buf[i];
  flush_sink = s;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static double uniform01(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return ((rng_state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double normal01(void) { return sqrt(-2.0 * log(uniform01())) * cos(6.283185307179586 * uniform01()); }

static void reference(const float *A, const float *B, float *C, int n) {
  double *row = malloc(sizeof(double) * (size_t)n);
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) row[j] = 0.0;
    for (int k = 0; k < n; k++) {
      const double a = A[(size_t)i * n + k];
      for (int j = 0; j < n; j++) row[j] += a * (double)B[(size_t)k * n + j];
    }
    for (int j = 0; j < n; j++) C[(size_t)i * n + j] = (float)row[j];
  }
  free(row);
}

/* Max relative error (|c - r| / max(|r|, 1e-3)) and max tolerance ratio (|c - r| / (atol + rtol |r|), the
 * spec's float32 check passes when <= 1, rtol = atol = 1e-4). Non-finite outputs count as failures. */
static void compare(const float *C, const float *R, size_t len, double *rel, double *tol) {
  double worst_rel = 0, worst_tol = 0;
  for (size_t x = 0; x < len; x++) {
    const double d = fabs((double)C[x] - (double)R[x]);
    if (!isfinite(C[x])) {
      worst_rel = worst_tol = INFINITY;
      break;
    }
    const double r = d / fmax(fabs((double)R[x]), 1e-3), t = d / (1e-4 + 1e-4 * fabs((double)R[x]));
    if (r > worst_rel) worst_rel = r;
    if (t > worst_tol) worst_tol = t;
  }
  *rel = worst_rel;
  *tol = worst_tol;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void fill(float *A, float *B, int n) {
  for (size_t x = 0; x < (size_t)n * n; x++) A[x] = (float)normal01();
  for (size_t x = 0; x < (size_t)n * n; x++) B[x] = (float)uniform01();
}

/* Verify every selected variant at size n (poisoned output, then compared to the reference). */
static void verify(struct variant *v, int nv, int n) {
  const size_t len = (size_t)n * n;
  float *A = malloc(4 * len), *B = malloc(4 * len), *C = malloc(4 * len), *R = malloc(4 * len);
  fill(A, B, n);
  reference(A, B, R, n);
  for (int i = 0; i < nv; i++) {
    for (size_t x = 0; x < len; x++) C[x] = NAN;
    v[i].fn(A, B, C, n);
    double rel, tol;
    compare(C, R, len, &rel, &tol);
    if (rel > v[i].err_rel || isnan(rel)) v[i].err_rel = rel;
    if (tol > v[i].err_tol || isnan(tol)) v[i].err_tol = tol;
  }
  free(A);
  free(B);
  free(C);
  free(R);
}

int main(int argc, char **argv) {
  int n = 384, reps = 41, quiet = 0, gap_ms = 200;
  const char *which = "osOp", *sizes = "97,200,13";
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  mt_threads = ncpu > 0 ? (int)ncpu : 2;
  int opt;
  while ((opt = getopt(argc, argv, "n:r:t:w:v:g:F:q")) != -1) {
    switch (opt) {
      case 'n': n = atoi(optarg); break;
      case 'r': reps = atoi(optarg); break;
      case 't': mt_threads = atoi(optarg); break;
      case 'w': which = optarg; break;
      case 'v': sizes = optarg; break;
      case 'g': gap_ms = atoi(optarg); break;
      case 'F': FLUSH_BYTES = (size_t)(atof(optarg) * 1048576.0); break;
      case 'q': quiet = 1; break;
      default: fprintf(stderr, "usage: %s [-n N] [-r REPS] [-t THREADS] [-w osOp] [-v 97,200,13] [-g GAP_MS] [-F MB] [-q]\n", argv[0]); return 2;
    }
  }
  static const struct variant all[] = {
      {'o', "openblas-1t", blas_st, 0, 0, 0},
      {'s', "gemm", ours_st, 0, 0, 0},
      {'O', "openblas-mt", blas_mt, 0, 0, 0},
      {'p', "gemm_omp", ours_omp, 0, 0, 0},
  };
  struct variant v[4];
  int nv = 0;
  for (int i = 0; i < 4; i++)
    if (strchr(which, all[i].key)) v[nv++] = all[i];
  if (nv == 0) return 2;

  if (!quiet)
    printf("openblas core %s, %s; %d threads for openblas-mt, %d for gemm_omp\n", openblas_get_corename(), openblas_get_config(),
           mt_threads, omp_get_max_threads());
  flush_buf = malloc(FLUSH_BYTES);
  memset(flush_buf, 1, FLUSH_BYTES);

  /* Correctness: the extra sizes, then the timed size. */
  char *list = strdup(sizes);
  for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
    if (atoi(tok) > 0) verify(v, nv, atoi(tok));
  free(list);

  const size_t len = (size_t)n * n;
  float *A = aligned_alloc(64, 4 * len + 64), *B = aligned_alloc(64, 4 * len + 64), *C = aligned_alloc(64, 4 * len + 64),
        *R = malloc(4 * len);
  fill(A, B, n);
  reference(A, B, R, n);
  for (int i = 0; i < nv; i++) {
    v[i].times = malloc(sizeof(double) * (size_t)reps);
    v[i].fn(A, B, C, n); /* warm-up (thread pools, page faults) */
  }
  if (gap_ms > 0) usleep((useconds_t)gap_ms * 1000);
  const double tf = now_s();
  flush_caches();
  if (!quiet) printf("flush %.0f MiB: %.2f ms\n", FLUSH_BYTES / 1048576.0, 1e3 * (now_s() - tf));
  /* Interleaved: every rep times each variant once, in a rotating order, after a flush. */
  for (int r = 0; r < reps; r++) {
    for (int s = 0; s < nv; s++) {
      const int i = (r + s) % nv;
      for (size_t x = 0; x < len; x++) C[x] = NAN;
      flush_caches();
      const double t0 = now_s();
      v[i].fn(A, B, C, n);
      v[i].times[r] = now_s() - t0;
      if ((v[i].key == 'O' || v[i].key == 'p') && gap_ms > 0) usleep((useconds_t)gap_ms * 1000);
      if (r == reps - 1 || r == 0) {
        double rel, tol;
        compare(C, R, len, &rel, &tol);
        if (rel > v[i].err_rel || isnan(rel)) v[i].err_rel = rel;
        if (tol > v[i].err_tol || isnan(tol)) v[i].err_tol = tol;
      }
    }
  }

  double med[4], mn[4], q1[4];
  const double flops = 2.0 * n * (double)n * n;
  for (int i = 0; i < nv; i++) {
    qsort(v[i].times, (size_t)reps, sizeof(double), cmp_double);
    med[i] = v[i].times[reps / 2];
    mn[i] = v[i].times[0];
    q1[i] = v[i].times[reps / 4];
    if (!quiet)
      printf("%-12s N=%d median %.4f ms  q1 %.4f ms  min %.4f ms  %.1f GFLOP/s  max_rel_err %.2e  tol_ratio %.3f %s\n", v[i].name, n,
             1e3 * med[i], 1e3 * q1[i], 1e3 * mn[i], flops / med[i] * 1e-9, v[i].err_rel, v[i].err_tol, v[i].err_tol <= 1.0 ? "PASS" : "FAIL");
  }
  /* Ratios: OpenBLAS time / ours (>= 1 means ours is faster). */
  double r1 = NAN, r2 = NAN, r1min = NAN, r2min = NAN;
  int io = -1, is = -1, iO = -1, ip = -1;
  for (int i = 0; i < nv; i++) {
    if (v[i].key == 'o') io = i;
    if (v[i].key == 's') is = i;
    if (v[i].key == 'O') iO = i;
    if (v[i].key == 'p') ip = i;
  }
  if (io >= 0 && is >= 0) r1 = med[io] / med[is], r1min = mn[io] / mn[is];
  if (iO >= 0 && ip >= 0) r2 = med[iO] / med[ip], r2min = mn[iO] / mn[ip];
  if (!quiet) {
    if (io >= 0 && is >= 0) printf("ratio openblas-1t/gemm     median %.3f  min %.3f\n", r1, r1min);
    if (iO >= 0 && ip >= 0) printf("ratio openblas-%dt/gemm_omp median %.3f  min %.3f\n", mt_threads, r2, r2min);
  } else {
    printf("SUMMARY");
    for (int i = 0; i < nv; i++) printf(" %s=%.4f/%.4f%s", v[i].name, 1e3 * med[i], 1e3 * mn[i], v[i].err_tol <= 1.0 ? "" : "(FAIL)");
    if (io >= 0 && is >= 0) printf(" r1=%.3f", r1);
    if (iO >= 0 && ip >= 0) printf(" r2=%.3f", r2);
    printf("\n");
  }
  int ok = 1;
  for (int i = 0; i < nv; i++) ok &= v[i].err_tol <= 1.0;
  return ok ? 0 : 1;
}
