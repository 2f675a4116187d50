/* What the generated harness and the generated compare program share: the portable random generator, the
 * input distributions, poisoning, guard zones and file helpers. Both programs are built with the same fixed
 * flags (never the variant's), so they regenerate bit-identical inputs from the same seed.
 * Expects the plan's tables (ns_plan.h: NS_NBUF, NS_NCASES, ns_buf_*, ns_case_*) to be included first. */
#define _GNU_SOURCE
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { NS_F32 = 0, NS_F64 = 1, NS_I32 = 2, NS_I64 = 3, NS_U8 = 4, NS_U32 = 5 };
enum { NS_UNIFORM = 0, NS_NORMAL = 1, NS_HEAVY = 2, NS_POSITIVE = 3, NS_SMALL_INT = 4 };
enum { NS_IN = 0, NS_OUT = 1, NS_INOUT = 2 };
enum { NS_VERIFY = 0, NS_TIMING_A = 1, NS_TIMING_B = 2 };
static const size_t ns_dtype_size[6] = { 4, 8, 4, 8, 1, 4 };
#define NS_GUARD_BYTES 64

static void ns_die(const char* what, const char* detail) {
  fprintf(stderr, "nightshift harness: %s: %s\n", what, detail);
  exit(90);
}

static uint64_t ns_splitmix(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/** The per-case seed: a 31-bit number derived from the run seed and the case index. */
static uint32_t ns_case_seed(uint64_t run_seed, int case_index) {
  uint64_t s = run_seed * 1000003ull + (uint64_t)case_index;
  return (uint32_t)(ns_splitmix(&s) & 0x7fffffffu);
}

/** Uniform in the open interval (0, 1). */
static double ns_unit(uint64_t* s) { return ((double)(ns_splitmix(s) >> 11) + 0.5) * 0x1.0p-53; }

static double ns_draw(uint64_t* s, int dist, int dtype, int has_range, double lo, double hi, size_t i) {
  const int is_int = dtype >= NS_I32;
  const int is_unsigned = dtype == NS_U8 || dtype == NS_U32;
  double v, a, b, u = ns_unit(s);
  switch (dist) {
    case NS_NORMAL: {
      double u2 = ns_unit(s);
      v = sqrt(-2.0 * log(u)) * cos(6.283185307179586 * u2);
      if (is_int) v = round(v * 20.0);
      break;
    }
    case NS_HEAVY: {
      /* Pareto-like magnitudes with a random sign, plus periodic extremes and tiny values. */
      double sign = (ns_splitmix(s) & 1u) ? -1.0 : 1.0;
      v = sign * (pow(u, -1.0 / 1.5) - 1.0);
      if (v > 1e4) v = 1e4;
      if (v < -1e4) v = -1e4;
      if (i % 61u == 7u) v = sign * 1e3;
      if (i % 67u == 3u) v = sign * 1e-6;
      if (is_int) v = round(v * 4.0);
      break;
    }
    case NS_POSITIVE:
      a = has_range ? lo : (is_int ? 1.0 : 0.0);
      b = has_range ? hi : (is_int ? 100.0 : 1.0);
      v = is_int ? floor(a + (b - a + 1.0) * u) : a + (b - a) * u;
      break;
    case NS_SMALL_INT:
      a = has_range ? lo : -8.0;
      b = has_range ? hi : 8.0;
      v = floor(a + (b - a + 1.0) * u);
      break;
    default:
      a = has_range ? lo : (is_int ? (is_unsigned ? 0.0 : -100.0) : -1.0);
      b = has_range ? hi : (is_int ? (is_unsigned ? 200.0 : 100.0) : 1.0);
      v = is_int ? floor(a + (b - a + 1.0) * u) : a + (b - a) * u;
      break;
  }
  if (is_unsigned && v < 0) v = -v;
  if (has_range) {
    if (v < lo) v = lo;
    if (v > hi) v = hi;
  }
  if (dtype == NS_U8 && v > 255.0) v = 255.0;
  return v;
}

/** Fills buffer b of case k with its distribution drawn from its own stream of the case seed. */
static void ns_fill(void* p, int k, int b, uint64_t case_seed) {
  const size_t n = ns_case_len[k][b];
  const int dtype = ns_buf_dtype[b];
  const int dist = ns_buf_dist[b] < 0 ? ns_case_dist[k] : ns_buf_dist[b];
  uint64_t s = ((uint64_t)case_seed << 8) ^ (uint64_t)(b + 1) * 0xD1B54A32D192ED03ull;
  for (size_t i = 0; i < n; i++) {
    double v = ns_draw(&s, dist, dtype, ns_buf_has_range[b], ns_buf_lo[b], ns_buf_hi[b], i);
    switch (dtype) {
      case NS_F32: ((float*)p)[i] = (float)v; break;
      case NS_F64: ((double*)p)[i] = v; break;
      case NS_I32: ((int32_t*)p)[i] = (int32_t)v; break;
      case NS_I64: ((int64_t*)p)[i] = (int64_t)v; break;
      case NS_U8: ((uint8_t*)p)[i] = (uint8_t)v; break;
      default: ((uint32_t*)p)[i] = (uint32_t)v; break;
    }
  }
}

static size_t ns_bytes(int k, int b) { return ns_case_len[k][b] * ns_dtype_size[ns_buf_dtype[b]]; }

/** All-ones bytes are a NaN for float and double; integers get a pattern no correct kernel is likely to write everywhere. */
static void ns_poison(void* p, int k, int b) {
  memset(p, ns_buf_dtype[b] <= NS_F64 ? 0xFF : 0xA5, ns_bytes(k, b));
}

/** Allocation with a guard zone after the buffer, so out-of-bounds writes are seen. */
static void* ns_alloc(size_t bytes) {
  size_t total = (bytes + NS_GUARD_BYTES + 63u) & ~(size_t)63u;
  unsigned char* p = aligned_alloc(64, total);
  if (!p) ns_die("out of memory", "aligned_alloc failed");
  memset(p + bytes, 0xCD, NS_GUARD_BYTES);
  return p;
}

static int ns_guard_intact(const void* p, size_t bytes) {
  const unsigned char* g = (const unsigned char*)p + bytes;
  for (int i = 0; i < NS_GUARD_BYTES; i++) if (g[i] != 0xCD) return 0;
  return 1;
}

/** Given inputs (ns_case_given) of buffer b of case k, from <dir>/c<k>_<name>.bin: exactly the case's bytes, or the
 *  harness stops (the files are nightshift's own, written before the run; a wrong one is its fault, never the kernel's). */
static void ns_load_given(void* p, int k, int b, const char* dir) {
  char path[4096];
  if (!dir) ns_die("given inputs without --inputs", ns_buf_name[b]);
  snprintf(path, sizeof path, "%s/c%d_%s.bin", dir, k, ns_buf_name[b]);
  FILE* f = fopen(path, "rb");
  if (!f) ns_die("cannot open", path);
  size_t want = ns_bytes(k, b);
  size_t got = want > 0 ? fread(p, 1, want, f) : 0;
  int extra = fgetc(f) != EOF;
  fclose(f);
  if (got != want || extra) ns_die("given inputs of the wrong size", path);
}

static void ns_write_file(const char* path, const void* data, size_t bytes) {
  FILE* f = fopen(path, "wb");
  if (!f) ns_die("cannot create", path);
  if (bytes > 0 && fwrite(data, 1, bytes, f) != bytes) ns_die("cannot write", path);
  if (fclose(f) != 0) ns_die("cannot close", path);
}
