/* Single-core calibration for the local profile's peaks. Built with gcc -O3 -march=native by
 * calibrate.ts and run once per machine. It prints one JSON object:
 *   fma32_gflops, fma64_gflops   independent FMA chains in the widest vectors the compiler allows
 *   l1_gbs, l2_gbs, dram_gbs      best of a read-reduce and a copy over a buffer of that size
 * The peaks derived from these are upper bounds (a physics floor), so each kernel is timed several
 * times and the fastest repetition counts. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 64-byte vectors: one AVX-512 register, or two AVX2 / four SSE registers, so the chains below
 * fill the FMA pipes whatever -march=native selects. */
typedef float vf32 __attribute__((vector_size(64)));
typedef double vf64 __attribute__((vector_size(64)));

#define CHAINS 12 /* more independent accumulators than FMA latency x FMA ports on current cores */

/* CPU time of this thread, not wall time: on a shared machine the scheduler's time slices would otherwise
 * count as slowness and push the peaks (which must be upper bounds) down. */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

volatile double sink;

/* Peak FMA rate of one core: CHAINS independent vector chains of acc = acc * mul + add, so the FMA units
   never wait on a result. One definition for both precisions, so they are measured alike. */
#define FMA_RATE(name, vtype, stype, lanes, mul_value, add_value)                 \
  static double name(long iterations) {                                            \
    vtype acc[CHAINS];                                                             \
    vtype mul, add;                                                                \
    for (int l = 0; l < (lanes); l++) {                                            \
      mul[l] = (mul_value);                                                        \
      add[l] = (add_value);                                                        \
    }                                                                              \
    for (int c = 0; c < CHAINS; c++)                                               \
      for (int l = 0; l < (lanes); l++) acc[c][l] = (stype)(c + l);                \
    double t0 = now();                                                             \
    for (long i = 0; i < iterations; i++) {                                        \
      for (int c = 0; c < CHAINS; c++) acc[c] = acc[c] * mul + add;                \
    }                                                                              \
    double t = now() - t0;                                                         \
    stype s = 0;                                                                   \
    for (int c = 0; c < CHAINS; c++)                                               \
      for (int l = 0; l < (lanes); l++) s += acc[c][l];                            \
    sink = s;                                                                      \
    return 2.0 * (lanes) * CHAINS * (double)iterations / t / 1e9;                  \
  }

FMA_RATE(fma32, vf32, float, 16, 0.999999f, 1e-7f)
FMA_RATE(fma64, vf64, double, 8, 0.999999, 1e-7)

/* Reads `bytes` of `buf` `passes` times with 4 independent vector sums; returns the best GB/s. */
static double read_bandwidth(const vf32 *buf, size_t bytes, int passes, int repeats) {
  size_t n = bytes / sizeof(vf32);
  double best = 0;
  for (int r = 0; r < repeats; r++) {
    vf32 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    double t0 = now();
    for (int p = 0; p < passes; p++) {
      __asm__ volatile("" ::: "memory");
      for (size_t i = 0; i + 3 < n; i += 4) {
        s0 += buf[i];
        s1 += buf[i + 1];
        s2 += buf[i + 2];
        s3 += buf[i + 3];
      }
    }
    double t = now() - t0;
    vf32 s = s0 + s1 + s2 + s3;
    sink = s[0] + s[15];
    double gbs = (double)bytes * passes / t / 1e9;
    if (gbs > best) best = gbs;
  }
  return best;
}

/* Copies half the buffer into the other half; counts bytes read plus bytes written. */
static double copy_bandwidth(vf32 *buf, size_t bytes, int passes, int repeats) {
  size_t n = bytes / sizeof(vf32) / 2;
  vf32 *src = buf, *dst = buf + n;
  double best = 0;
  for (int r = 0; r < repeats; r++) {
    double t0 = now();
    for (int p = 0; p < passes; p++) {
      __asm__ volatile("" ::: "memory");
      for (size_t i = 0; i < n; i++) dst[i] = src[i];
    }
    double t = now() - t0;
    sink = dst[n - 1][0];
    double gbs = 2.0 * (double)(n * sizeof(vf32)) * passes / t / 1e9;
    if (gbs > best) best = gbs;
  }
  return best;
}

static double best_of(double a, double b) { return a > b ? a : b; }

int main(int argc, char **argv) {
  size_t l1 = argc > 1 ? (size_t)atol(argv[1]) : 32 * 1024;
  size_t l2 = argc > 2 ? (size_t)atol(argv[2]) : 512 * 1024;
  /* Half of each cache level, so the buffer stays resident. */
  size_t l1_bytes = l1 / 2 / 256 * 256;
  size_t l2_bytes = l2 / 2 / 256 * 256;
  size_t dram_bytes = 128u * 1024 * 1024; /* several times any last-level cache per core */
  if (l1_bytes < 4096) l1_bytes = 4096;
  if (l2_bytes < 65536) l2_bytes = 65536;
  vf32 *buf = aligned_alloc(64, dram_bytes);
  if (!buf) return 1;
  memset(buf, 1, dram_bytes);

  double f32 = 0, f64 = 0;
  for (int r = 0; r < 3; r++) {
    f32 = best_of(f32, fma32(4000000));
    f64 = best_of(f64, fma64(4000000));
  }
  long l1_passes = (long)(200e6 / (double)l1_bytes);
  long l2_passes = (long)(400e6 / (double)l2_bytes);
  double l1_gbs = best_of(read_bandwidth(buf, l1_bytes, (int)l1_passes, 3), copy_bandwidth(buf, l1_bytes, (int)l1_passes, 3));
  double l2_gbs = best_of(read_bandwidth(buf, l2_bytes, (int)l2_passes, 3), copy_bandwidth(buf, l2_bytes, (int)l2_passes, 3));
  double dram_gbs = best_of(read_bandwidth(buf, dram_bytes, 1, 3), copy_bandwidth(buf, dram_bytes, 1, 2));
  printf("{\"fma32_gflops\": %.3f, \"fma64_gflops\": %.3f, \"l1_gbs\": %.3f, \"l2_gbs\": %.3f, \"dram_gbs\": %.3f}\n", f32, f64, l1_gbs,
         l2_gbs, dram_gbs);
  free(buf);
  return 0;
}
