// Generates compare.c, the trusted program that runs after the variant, from a freshly staged directory.
// It regenerates each case's inputs from the run seed, computes the expected outputs with the spec's
// reference, and compares the variant's dumps: the whole output within tolerance (NaN counts as wrong),
// inputs unchanged, both calls bit-identical, and the last timed repetition's output. It writes verdict.json.

import { DTYPES } from "../../specs/schema.ts";
import { FILES, type HarnessPlan } from "../plan.ts";
import { callFunction, cDouble, commonC } from "./common.ts";

export function generateCompare(plan: HarnessPlan): string {
  const rtol = DTYPES.map((d) => cDouble(plan.tolerances[d].rtol, `tolerance.${d}.rtol`)).join(", ");
  const atol = DTYPES.map((d) => cDouble(plan.tolerances[d].atol, `tolerance.${d}.atol`)).join(", ");
  return `${commonC(plan)}
${callFunction(plan, plan.referenceFunction, "ns_call_reference")}
static const double ns_rtol[6] = { ${rtol} };
static const double ns_atol[6] = { ${atol} };
static const char* const NS_VERDICT_FILE = ${JSON.stringify(FILES.verdict)};
${COMPARE_MAIN}`;
}

const COMPARE_MAIN = String.raw`
typedef struct {
  double max_abs, max_rel;
  /* The largest |got - want| / (atol + rtol |want|): what share of its tolerance the worst element used (< 1 passes). */
  double worst;
  long long first_bad;
  double expected, received;
  int missing;
} ns_cmp;

static const char* ns_dir;

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
  const char* call;
  ns_cmp c;
} ns_failure;

static ns_failure ns_wrong, ns_modified, ns_nondeterministic;

static void ns_note(ns_failure* f, int k, int b, const char* call, const ns_cmp* c) {
  if (f->found) return;
  f->found = 1; f->k = k; f->b = b; f->call = call; f->c = *c;
}

static void ns_write_failure(FILE* f, const char* key, const ns_failure* x, uint64_t run_seed, int comma) {
  fprintf(f, "%s\"%s\":", comma ? "," : "", key);
  if (!x->found) { fputs("null", f); return; }
  fprintf(f, "{\"case\":%d,\"seed\":%u,\"distribution\":\"%s\",\"buffer\":\"%s\",\"call\":\"%s\",\"missing\":%s,\"firstBadIndex\":%lld,\"expected\":",
          x->k, ns_case_seed(run_seed, x->k), ns_case_dist_name[x->k], ns_buf_name[x->b], x->call, x->c.missing ? "true" : "false", x->c.first_bad);
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

int main(int argc, char** argv) {
  if (argc < 3) ns_die("usage", "compare_bin <seed> <variant-dir>");
  uint64_t run_seed = strtoull(argv[1], NULL, 10);
  ns_dir = argv[2];
  FILE* out = fopen(NS_VERDICT_FILE, "w");
  if (!out) ns_die("cannot create", NS_VERDICT_FILE);
  fputs("{\"cases\":[", out);
  int first_case = 1;
  for (int k = 0; k < NS_NCASES; k++) {
    if (ns_case_role[k] == NS_TIMING_A) continue;
    uint32_t seed = ns_case_seed(run_seed, k);
    void* bufs[NS_NBUF];
    for (int b = 0; b < NS_NBUF; b++) {
      bufs[b] = ns_alloc(ns_bytes(k, b));
      if (ns_buf_intent[b] == NS_OUT) memset(bufs[b], 0, ns_bytes(k, b));
      else ns_fill(bufs[b], k, b, seed);
    }
    if (ns_case_role[k] == NS_VERIFY) {
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
        if (c.missing || c.first_bad >= 0) ns_note(&ns_modified, k, b, "first", &c);
        free(after);
      }
    }
    ns_call_reference(bufs, ns_case_scalar[k]);
    double case_abs = 0, case_rel = 0, case_worst = 0;
    int case_ok = 1;
    for (int b = 0; b < NS_NBUF; b++) {
      if (ns_buf_intent[b] == NS_IN) continue;
      char name[256];
      ns_cmp c;
      if (ns_case_role[k] == NS_TIMING_B) {
        snprintf(name, sizeof name, "timed_%s.bin", ns_buf_name[b]);
        if (!ns_check_output(name, bufs[b], k, b, &c, NULL)) ns_note(&ns_wrong, k, b, "timed", &c);
        continue;
      }
      void* first = NULL;
      void* second = NULL;
      snprintf(name, sizeof name, "c%d_%s_1.bin", k, ns_buf_name[b]);
      if (!ns_check_output(name, bufs[b], k, b, &c, &first)) { ns_note(&ns_wrong, k, b, "first", &c); case_ok = 0; }
      if (c.max_abs > case_abs) case_abs = c.max_abs;
      if (c.max_rel > case_rel) case_rel = c.max_rel;
      if (c.worst > case_worst) case_worst = c.worst;
      snprintf(name, sizeof name, "c%d_%s_2.bin", k, ns_buf_name[b]);
      if (!ns_check_output(name, bufs[b], k, b, &c, &second)) ns_note(&ns_wrong, k, b, "second", &c);
      else if (first) {
        ns_cmp d = ns_fresh_cmp();
        d.first_bad = ns_first_difference(first, second, ns_case_len[k][b], ns_dtype_size[ns_buf_dtype[b]]);
        if (d.first_bad >= 0) {
          d.expected = ns_element(first, ns_buf_dtype[b], d.first_bad);
          d.received = ns_element(second, ns_buf_dtype[b], d.first_bad);
          ns_note(&ns_nondeterministic, k, b, "second", &d);
        }
      }
      free(first);
      free(second);
    }
    if (ns_case_role[k] == NS_VERIFY) {
      fprintf(out, "%s{\"case\":%d,\"seed\":%u,\"distribution\":\"%s\",\"ok\":%s,\"maxAbsError\":", first_case ? "" : ",", k, seed,
              ns_case_dist_name[k], case_ok ? "true" : "false");
      ns_json_number(out, case_abs);
      fputs(",\"maxRelError\":", out);
      ns_json_number(out, case_rel);
      fputs(",\"toleranceUsed\":", out);
      ns_json_number(out, case_worst);
      fputc('}', out);
      first_case = 0;
    }
    for (int b = 0; b < NS_NBUF; b++) free(bufs[b]);
  }
  fputs("],\"failures\":{", out);
  ns_write_failure(out, "wrong", &ns_wrong, run_seed, 0);
  ns_write_failure(out, "inputsModified", &ns_modified, run_seed, 1);
  ns_write_failure(out, "nondeterministic", &ns_nondeterministic, run_seed, 1);
  fputs("}}\n", out);
  if (fclose(out) != 0) ns_die("cannot write", NS_VERDICT_FILE);
  return 0;
}
`;
