/* The trusted compare program, built with the spec's reference in the trusted directory before the variant
 * runs, and run on the evidence the monitor wrote there (or, for CUDA, the harness beside the variant). It
 * regenerates each case's inputs from the run seed, computes the expected outputs with the reference,
 * and compares the variant's dumps: the whole output within tolerance (NaN counts as wrong), inputs unchanged,
 * both calls bit-identical, and every timed repetition's output, each against the reference on the inputs that
 * repetition got (its seed in timed_seeds.bin). It writes verdict.json.
 * ns_plan.h (tables, tolerances) and ns_call.h (the reference's prototype and call) are generated. */
#include "ns_plan.h"
#include "ns_common.h"
#include "ns_call.h"

#include <unistd.h>

typedef struct {
  double max_abs, max_rel;
  /* The largest |got - want| / (atol + rtol |want|): what share of its tolerance the worst element used (< 1 passes). */
  double worst;
  long long first_bad;
  double expected, received;
  int missing;
} ns_cmp;

static const char* ns_dir;
/* Where the given inputs are (--inputs), for the cases the plan marks ns_case_given. */
static const char* ns_inputs_dir;

/** Reads one dump of the variant; a missing or short file counts as a wrong output, not a crash. */
static void* ns_read_dump(const char* name, size_t bytes) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", ns_dir, name);
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  void* p = malloc(bytes > 0 ? bytes : 1);
  if (!p) ns_die("out of memory", path);
  size_t got = fread(p, 1, bytes, f);
  int extra = fgetc(f) != EOF;
  fclose(f);
  if (got != bytes || extra) { free(p); return NULL; }
  return p;
}

static double ns_tolerance_used(double abs_err, double allowed) {
  return allowed > 0 ? abs_err / allowed : (abs_err == 0 ? 0 : INFINITY);
}

static void ns_track(ns_cmp* r, long long i, double abs_err, double rel_err, double used, double want, double got, int bad) {
  if (abs_err > r->max_abs || abs_err != abs_err) r->max_abs = abs_err != abs_err ? INFINITY : abs_err;
  if (rel_err > r->max_rel || rel_err != rel_err) r->max_rel = rel_err != rel_err ? INFINITY : rel_err;
  if (used > r->worst || used != used) r->worst = used != used ? INFINITY : used;
  if (bad && r->first_bad < 0) { r->first_bad = i; r->expected = want; r->received = got; }
}

#define NS_COMPARE_FLOAT(T)                                                               \
  for (size_t i = 0; i < n; i++) {                                                        \
    double want = (double)((const T*)expected)[i], got = (double)((const T*)received)[i]; \
    double abs_err, rel_err, used;                                                        \
    int bad;                                                                              \
    if (got != got) { abs_err = INFINITY; rel_err = INFINITY; used = INFINITY; bad = 1; } \
    else if (isinf(want) || isinf(got)) { bad = want != got; abs_err = bad ? INFINITY : 0; rel_err = abs_err; used = abs_err; } \
    else {                                                                                \
      abs_err = fabs(got - want);                                                         \
      rel_err = want != 0 ? abs_err / fabs(want) : (abs_err == 0 ? 0 : INFINITY);         \
      used = ns_tolerance_used(abs_err, atol + rtol * fabs(want));                        \
      bad = !(abs_err <= atol + rtol * fabs(want));                                       \
    }                                                                                     \
    if (bad || abs_err > r->max_abs || rel_err > r->max_rel || used > r->worst) ns_track(r, (long long)i, abs_err, rel_err, used, want, got, bad); \
  }

#define NS_COMPARE_INT(T)                                                                  \
  for (size_t i = 0; i < n; i++) {                                                         \
    T want = ((const T*)expected)[i], got = ((const T*)received)[i];                       \
    if (want != got) {                                                                     \
      double w = (double)want, g = (double)got, abs_err = fabs(g - w);                     \
      ns_track(r, (long long)i, abs_err, w != 0 ? abs_err / fabs(w) : INFINITY, ns_tolerance_used(abs_err, atol + rtol * fabs(w)), w, g, !(abs_err <= atol + rtol * fabs(w))); \
    }                                                                                      \
  }

static void ns_compare(const void* received, const void* expected, size_t n, int dtype, ns_cmp* r) {
  const double rtol = ns_rtol[dtype], atol = ns_atol[dtype];
  switch (dtype) {
    case NS_F32: NS_COMPARE_FLOAT(float) break;
    case NS_F64: NS_COMPARE_FLOAT(double) break;
    case NS_I32: NS_COMPARE_INT(int32_t) break;
    case NS_I64: NS_COMPARE_INT(int64_t) break;
    case NS_U8: NS_COMPARE_INT(uint8_t) break;
    default: NS_COMPARE_INT(uint32_t) break;
  }
}

static long long ns_first_difference(const void* a, const void* b, size_t n, size_t elem) {
  for (size_t i = 0; i < n; i++) if (memcmp((const char*)a + i * elem, (const char*)b + i * elem, elem) != 0) return (long long)i;
  return -1;
}

static double ns_element(const void* p, int dtype, long long i) {
  switch (dtype) {
    case NS_F32: return ((const float*)p)[i];
    case NS_F64: return ((const double*)p)[i];
    case NS_I32: return ((const int32_t*)p)[i];
    case NS_I64: return (double)((const int64_t*)p)[i];
    case NS_U8: return ((const uint8_t*)p)[i];
    default: return ((const uint32_t*)p)[i];
  }
}

/** JSON has no NaN or infinity: non-finite numbers are written as null. */
static void ns_json_number(FILE* f, double v) {
  if (isfinite(v)) fprintf(f, "%.17g", v);
  else fputs("null", f);
}

/* The first failure of each kind, so the interpretation can rank them. */
typedef struct {
  int found, k, b;
  /* The timed repetition it happened in, or -1 for a verification call. */
  int rep;
  uint64_t seed;
  const char* call;
  ns_cmp c;
} ns_failure;

static ns_failure ns_wrong, ns_modified, ns_nondeterministic;

static void ns_note(ns_failure* f, int k, int b, int rep, uint64_t seed, const char* call, const ns_cmp* c) {
  if (f->found) return;
  f->found = 1; f->k = k; f->b = b; f->rep = rep; f->seed = seed; f->call = call; f->c = *c;
}

static void ns_write_failure(FILE* f, const char* key, const ns_failure* x, int comma) {
  fprintf(f, "%s\"%s\":", comma ? "," : "", key);
  if (!x->found) { fputs("null", f); return; }
  /* A seed is written as a string: a timed repetition's is 64 bits, more than a JSON number holds exactly. */
  fprintf(f, "{\"case\":%d,\"repetition\":%d,\"seed\":\"%llu\",\"distribution\":\"%s\",\"buffer\":\"%s\",\"call\":\"%s\",\"missing\":%s,\"firstBadIndex\":%lld,\"expected\":",
          x->k, x->rep, (unsigned long long)x->seed, ns_case_dist_name[x->k], ns_buf_name[x->b], x->call, x->c.missing ? "true" : "false", x->c.first_bad);
  ns_json_number(f, x->c.expected);
  fputs(",\"received\":", f);
  ns_json_number(f, x->c.received);
  fputs(",\"maxAbsError\":", f);
  ns_json_number(f, x->c.max_abs);
  fputs(",\"maxRelError\":", f);
  ns_json_number(f, x->c.max_rel);
  fputc('}', f);
}

static ns_cmp ns_fresh_cmp(void) {
  ns_cmp c = { 0, 0, 0, -1, 0, 0, 0 };
  return c;
}

/** Compares one dump with the expected output; returns whether it was within tolerance. */
static int ns_check_output(const char* name, const void* expected, int k, int b, ns_cmp* c, void** keep) {
  void* got = ns_read_dump(name, ns_bytes(k, b));
  *c = ns_fresh_cmp();
  if (!got) { c->missing = 1; c->max_abs = INFINITY; c->max_rel = INFINITY; c->worst = INFINITY; if (keep) *keep = NULL; return 0; }
  ns_compare(got, expected, ns_case_len[k][b], ns_buf_dtype[b], c);
  if (keep) *keep = got; else free(got);
  return c->first_bad < 0;
}

/* Case k's inputs from `seed`, outputs zeroed, then the reference's outputs in them. */
static void ns_expected(void** bufs, int k, uint64_t seed) {
  for (int b = 0; b < NS_NBUF; b++) {
    bufs[b] = ns_alloc(ns_bytes(k, b));
    if (ns_buf_intent[b] == NS_OUT) memset(bufs[b], 0, ns_bytes(k, b));
    else if (ns_case_given[k]) ns_load_given(bufs[b], k, b, ns_inputs_dir);
    else ns_fill(bufs[b], k, b, seed);
  }
}

static void ns_free_bufs(void** bufs) {
  for (int b = 0; b < NS_NBUF; b++) free(bufs[b]);
}

/* Inputs as the variant left them after its first call must equal what was generated. */
static void ns_check_inputs(int k, uint64_t seed, void** bufs) {
  for (int b = 0; b < NS_NBUF; b++) {
    if (ns_buf_intent[b] != NS_IN) continue;
    char name[256];
    snprintf(name, sizeof name, "c%d_%s_in.bin", k, ns_buf_name[b]);
    void* after = ns_read_dump(name, ns_bytes(k, b));
    ns_cmp c = ns_fresh_cmp();
    size_t elem = ns_dtype_size[ns_buf_dtype[b]];
    if (!after) { c.missing = 1; }
    else if ((c.first_bad = ns_first_difference(after, bufs[b], ns_case_len[k][b], elem)) >= 0) {
      c.expected = ns_element(bufs[b], ns_buf_dtype[b], c.first_bad);
      c.received = ns_element(after, ns_buf_dtype[b], c.first_bad);
    }
    if (c.missing || c.first_bad >= 0) ns_note(&ns_modified, k, b, -1, seed, "first", &c);
    free(after);
  }
}

/* Both calls of a verification case against the reference, and against each other; returns the case's line. */
static void ns_verify(FILE* out, int k, uint64_t seed, int first_case) {
  void* bufs[NS_NBUF];
  ns_expected(bufs, k, seed);
  ns_check_inputs(k, seed, bufs);
  ns_call_reference(bufs, ns_case_scalar[k]);
  double case_abs = 0, case_rel = 0, case_worst = 0;
  int case_ok = 1;
  for (int b = 0; b < NS_NBUF; b++) {
    if (ns_buf_intent[b] == NS_IN) continue;
    char name[256];
    ns_cmp c;
    void* first = NULL;
    void* second = NULL;
    snprintf(name, sizeof name, "c%d_%s_1.bin", k, ns_buf_name[b]);
    if (!ns_check_output(name, bufs[b], k, b, &c, &first)) { ns_note(&ns_wrong, k, b, -1, seed, "first", &c); case_ok = 0; }
    if (c.max_abs > case_abs) case_abs = c.max_abs;
    if (c.max_rel > case_rel) case_rel = c.max_rel;
    if (c.worst > case_worst) case_worst = c.worst;
    snprintf(name, sizeof name, "c%d_%s_2.bin", k, ns_buf_name[b]);
    if (!ns_check_output(name, bufs[b], k, b, &c, &second)) ns_note(&ns_wrong, k, b, -1, seed, "second", &c);
    else if (first) {
      ns_cmp d = ns_fresh_cmp();
      d.first_bad = ns_first_difference(first, second, ns_case_len[k][b], ns_dtype_size[ns_buf_dtype[b]]);
      if (d.first_bad >= 0) {
        d.expected = ns_element(first, ns_buf_dtype[b], d.first_bad);
        d.received = ns_element(second, ns_buf_dtype[b], d.first_bad);
        ns_note(&ns_nondeterministic, k, b, -1, seed, "second", &d);
      }
    }
    free(first);
    free(second);
  }
  fprintf(out, "%s{\"case\":%d,\"seed\":%llu,\"distribution\":\"%s\",\"ok\":%s,\"maxAbsError\":", first_case ? "" : ",", k, (unsigned long long)seed,
          ns_case_dist_name[k], case_ok ? "true" : "false");
  ns_json_number(out, case_abs);
  fputs(",\"maxRelError\":", out);
  ns_json_number(out, case_rel);
  fputs(",\"toleranceUsed\":", out);
  ns_json_number(out, case_worst);
  fputc('}', out);
  ns_free_bufs(bufs);
}

/* Every timed repetition's outputs, each against the reference on that repetition's own inputs. */
static void ns_verify_timed(void) {
  struct { uint64_t seed; int64_t k; } entry;
  char name[256];
  snprintf(name, sizeof name, "%s/timed_seeds.bin", ns_dir);
  FILE* f = fopen(name, "rb");
  if (!f) return;
  for (int r = 0; fread(&entry, sizeof entry, 1, f) == 1; r++) {
    int k = (int)entry.k;
    if (k < 0 || k >= NS_NCASES) ns_die("bad timed_seeds.bin entry", name);
    void* bufs[NS_NBUF];
    ns_expected(bufs, k, entry.seed);
    ns_call_reference(bufs, ns_case_scalar[k]);
    for (int b = 0; b < NS_NBUF; b++) {
      if (ns_buf_intent[b] == NS_IN) continue;
      ns_cmp c;
      snprintf(name, sizeof name, "timed_%d_%s.bin", r, ns_buf_name[b]);
      if (!ns_check_output(name, bufs[b], k, b, &c, NULL)) ns_note(&ns_wrong, k, b, r, entry.seed, "timed", &c);
    }
    ns_free_bufs(bufs);
  }
  fclose(f);
}

int main(int argc, char** argv) {
  if (argc < 3) ns_die("usage", "compare_bin <seed> <evidence-dir> [--verify-only] [--inputs DIR]");
  uint64_t run_seed = strtoull(argv[1], NULL, 10);
  ns_dir = argv[2];
  int verify_only = 0;
  for (int i = 3; i < argc; i++) {
    if (strcmp(argv[i], "--verify-only") == 0) verify_only = 1;
    else if (strcmp(argv[i], "--inputs") == 0 && i + 1 < argc) ns_inputs_dir = argv[++i];
    else ns_die("unknown argument", argv[i]);
  }
  FILE* out = fopen(NS_VERDICT_FILE, "w");
  if (!out) ns_die("cannot create", NS_VERDICT_FILE);
  fputs("{\"cases\":[", out);
  int first_case = 1;
  for (int k = 0; k < NS_NCASES; k++) {
    if (ns_case_role[k] != NS_VERIFY) continue;
    /* A sanitizer run dumps no tuning-size case: nothing to compare there. */
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/c%d_%s_%s.bin", ns_dir, k, ns_buf_name[0], ns_buf_intent[0] == NS_IN ? "in" : "1");
    if (verify_only && access(probe, F_OK) != 0) continue;
    ns_verify(out, k, ns_case_seed(run_seed, k), first_case);
    first_case = 0;
  }
  ns_verify_timed();
  fputs("],\"failures\":{", out);
  ns_write_failure(out, "wrong", &ns_wrong, 0);
  ns_write_failure(out, "inputsModified", &ns_modified, 1);
  ns_write_failure(out, "nondeterministic", &ns_nondeterministic, 1);
  fputs("}}\n", out);
  if (fclose(out) != 0) ns_die("cannot write", NS_VERDICT_FILE);
  return 0;
}
