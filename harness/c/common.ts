// C shared by the generated harness and the generated compare program: the portable random generator,
// the input distributions, poisoning, the case tables and file helpers. Both programs are built with the
// same fixed flags (never the variant's), so they regenerate bit-identical inputs from the same seed.
// Also the pieces the C harness and the CUDA harness generate alike, so a fix to one reaches both: the
// kernel's parameter and argument lists, and the host helpers around each call.

import { fail } from "../../core/errors.ts";
import type { Dtype } from "../../specs/schema.ts";
import { DTYPE_C } from "../../specs/schema.ts";
import { DISTRIBUTION_CODES, type HarnessPlan } from "../plan.ts";

export const DTYPE_CODES: Record<Dtype, number> = { float32: 0, float64: 1, int32: 2, int64: 3, uint8: 4, uint32: 5 };
const INTENT_CODES = { in: 0, out: 1, inout: 2 } as const;
const ROLE_CODES = { verify: 0, timing_a: 1, timing_b: 2 } as const;

/** A finite number as a C double literal. */
export function cDouble(value: number, where: string): string {
  if (!Number.isFinite(value)) fail("SPEC_INVALID", `${where}: expected a finite number, received ${value}`);
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** C tables describing buffers and cases; array sizes are at least 1 because C has no empty arrays. */
function tables(plan: HarnessPlan): string {
  const nb = plan.buffers.length;
  const ns = Math.max(1, plan.scalars.length);
  const list = (items: Array<string | number>) => `{ ${items.join(", ")} }`;
  const caseRows = (row: (c: HarnessPlan["cases"][number]) => string) => plan.cases.map(row).join(",\n  ");
  return `#define NS_NBUF ${nb}
#define NS_NCASES ${plan.cases.length}
static const char* const ns_buf_name[NS_NBUF] = ${list(plan.buffers.map((b) => JSON.stringify(b.name)))};
static const int ns_buf_dtype[NS_NBUF] = ${list(plan.buffers.map((b) => DTYPE_CODES[b.dtype]))};
static const int ns_buf_intent[NS_NBUF] = ${list(plan.buffers.map((b) => INTENT_CODES[b.intent]))};
static const int ns_buf_dist[NS_NBUF] = ${list(plan.buffers.map((b) => (b.distribution === "mixed" ? -1 : DISTRIBUTION_CODES[b.distribution])))};
static const int ns_buf_has_range[NS_NBUF] = ${list(plan.buffers.map((b) => (b.range ? 1 : 0)))};
static const double ns_buf_lo[NS_NBUF] = ${list(plan.buffers.map((b) => cDouble(b.range?.[0] ?? 0, `arguments.${b.name}.range`)))};
static const double ns_buf_hi[NS_NBUF] = ${list(plan.buffers.map((b) => cDouble(b.range?.[1] ?? 0, `arguments.${b.name}.range`)))};
static const int ns_case_role[NS_NCASES] = ${list(plan.cases.map((c) => ROLE_CODES[c.role]))};
static const int ns_case_dist[NS_NCASES] = ${list(plan.cases.map((c) => DISTRIBUTION_CODES[c.distribution]))};
static const char* const ns_case_dist_name[NS_NCASES] = ${list(plan.cases.map((c) => JSON.stringify(c.label)))};
static const size_t ns_case_len[NS_NCASES][NS_NBUF] = {
  ${caseRows((c) => list(c.lengths.map((l) => `${l}ull`)))}
};
static const double ns_case_scalar[NS_NCASES][${ns}] = {
  ${caseRows((c) => list(c.scalarValues.length > 0 ? c.scalarValues.map((v, i) => cDouble(v, `arguments.${plan.scalars[i]!.name}.value`)) : ["0.0"]))}
};
`;
}

/**
 * The function's parameter list in the spec's call order, and the matching arguments cast from the
 * harness's `void** bufs` and `const double* scalars`: the kernel must be declared and called exactly as
 * the spec says, whichever harness calls it.
 */
export function callLists(plan: HarnessPlan): { params: string; args: string } {
  const params: string[] = [];
  const args: string[] = [];
  for (const slot of plan.callOrder) {
    if (slot.kind === "buffer") {
      const b = plan.buffers[slot.index]!;
      const ctype = DTYPE_C[b.dtype];
      params.push(`${b.intent === "in" ? "const " : ""}${ctype}* ${b.name}`);
      args.push(`(${ctype}*)bufs[${slot.index}]`);
    } else {
      const s = plan.scalars[slot.index]!;
      const ctype = DTYPE_C[s.dtype];
      params.push(`${ctype} ${s.name}`);
      args.push(`(${ctype})scalars[${slot.index}]`);
    }
  }
  return { params: params.join(", "), args: args.join(", ") };
}

/** The prototype and a call through void pointers and the case's scalar row, for the kernel or the reference. */
export function callFunction(plan: HarnessPlan, functionName: string, wrapperName: string): string {
  const { params, args } = callLists(plan);
  return `void ${functionName}(${params});
static void ${wrapperName}(void** bufs, const double* scalars) {
  (void)scalars;
  ${functionName}(${args});
}
`;
}

/** A monotonic clock in milliseconds; plain C that also compiles as CUDA C++. */
export function monotonicClockC(name: string): string {
  return `static double ${name}(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}`;
}

/** What a harness adds to the early-stop report after the stop itself: JSON with printf conversions, and their C arguments. */
export interface StopReportExtra {
  format: string;
  args: string[];
}

/**
 * The host helpers both harnesses wrap each kernel call in: progress lines (ns_step), the thread count
 * (ns_threads), the clock (ns_now_ms) and the early stop that writes an incomplete report (ns_stop).
 * Expects NS_REPORT_FILE and whatever `stopExtra` names to be declared before it.
 */
export function hostHelpersC(stopExtra: StopReportExtra = { format: "", args: [] }): string {
  const stopArgs = ["reason", "where", "k", "call", "before", "after", ...stopExtra.args].join(", ");
  return String.raw`static FILE* ns_progress;

static void ns_step(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vfprintf(ns_progress, fmt, args);
  va_end(args);
  fputc('\n', ns_progress);
  fflush(ns_progress);
}

static int ns_threads(void) {
  DIR* d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

${monotonicClockC("ns_now_ms")}

/** Ends the run early with a report naming the check that failed; the dumps so far are not trusted. */
static void ns_stop(const char* reason, const char* where, int k, int call, int before, int after) {
  FILE* f = fopen(NS_REPORT_FILE, "w");
  if (!f) ns_die("cannot create", NS_REPORT_FILE);
  fprintf(f, "{\"complete\":false,\"stop\":{\"reason\":\"%s\",\"where\":\"%s\",\"case\":%d,\"call\":%d,\"threadsBefore\":%d,\"threadsAfter\":%d}${stopExtra.format}}\n",
          ${stopArgs});
  fclose(f);
  exit(0);
}
`;
}

const PRELUDE = String.raw`#define _GNU_SOURCE
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
static void ns_fill(void* p, int k, int b, uint32_t case_seed) {
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

static void ns_write_file(const char* path, const void* data, size_t bytes) {
  FILE* f = fopen(path, "wb");
  if (!f) ns_die("cannot create", path);
  if (bytes > 0 && fwrite(data, 1, bytes, f) != bytes) ns_die("cannot write", path);
  if (fclose(f) != 0) ns_die("cannot close", path);
}
`;

export function commonC(plan: HarnessPlan): string {
  // Tables come first: the helpers below index them.
  return PRELUDE.replace("enum { NS_F32", `${tables(plan)}\nenum { NS_F32`);
}
