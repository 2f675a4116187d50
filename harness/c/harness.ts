// Generates harness.c, the trusted program linked with variant.o. It draws every case's inputs from the
// run-time seed, poisons outputs, calls the kernel twice per case on fresh copies, counts threads around
// each call, checks guard zones, dumps outputs and inputs for the compare program, then times the
// tuning size with cache flushes and rotating input sets. Samples go to a file it opens itself; nothing
// the variant prints is read.

import { FILES, type HarnessPlan } from "../plan.ts";
import { callFunction, commonC, hostHelpersC } from "./common.ts";

export function generateHarness(plan: HarnessPlan): string {
  return `${commonC(plan)}
${callFunction(plan, plan.kernel, "ns_call_kernel")}
#define NS_WARMUP ${plan.warmup}
#define NS_REPETITIONS ${plan.repetitions}
#define NS_FLUSH_BYTES ${plan.flushBytes}ull
#define NS_PERSISTENT_POOL_ALLOWED ${plan.allowsPersistentThreadPool ? 1 : 0}
static const char* const NS_SAMPLES_FILE = ${JSON.stringify(FILES.samples)};
static const char* const NS_REPORT_FILE = ${JSON.stringify(FILES.harnessReport)};
static const char* const NS_PROGRESS_FILE = ${JSON.stringify(FILES.progress)};
${HARNESS_MAIN}`;
}

const HARNESS_MAIN = String.raw`
static int ns_calls_made = 0;
static unsigned char* ns_flush_buf;
static volatile unsigned ns_sink;

${hostHelpersC()}
/** Calls the kernel once; the clock brackets only the call, thread counts and guard checks sit outside it. */
static double ns_checked_call(void** bufs, int k, int call, const char* where) {
  int before = ns_threads();
  double t0 = ns_now_ms();
  ns_call_kernel(bufs, ns_case_scalar[k]);
  double t1 = ns_now_ms();
  int after = ns_threads();
  int first_call = ns_calls_made++ == 0;
  if (after > before && !(NS_PERSISTENT_POOL_ALLOWED && first_call)) ns_stop("threads_leaked", where, k, call, before, after);
  for (int b = 0; b < NS_NBUF; b++) {
    if (!ns_guard_intact(bufs[b], ns_bytes(k, b))) ns_stop("memory_error", where, k, call, before, after);
  }
  return t1 - t0;
}

static void ns_dump(const void* p, int k, int b, const char* what) {
  char path[256];
  snprintf(path, sizeof path, "c%d_%s_%s.bin", k, ns_buf_name[b], what);
  ns_write_file(path, p, ns_bytes(k, b));
}

/** Fresh buffers for case k: inputs copied from the pristine set, outputs poisoned. */
static void ns_load(void** bufs, void** pristine, int k) {
  for (int b = 0; b < NS_NBUF; b++) {
    if (ns_buf_intent[b] == NS_OUT) ns_poison(bufs[b], k, b);
    else memcpy(bufs[b], pristine[b], ns_bytes(k, b));
  }
}

static void ns_generate(void** pristine, int k, uint64_t run_seed) {
  uint32_t seed = ns_case_seed(run_seed, k);
  for (int b = 0; b < NS_NBUF; b++) {
    pristine[b] = ns_alloc(ns_bytes(k, b));
    if (ns_buf_intent[b] != NS_OUT) ns_fill(pristine[b], k, b, seed);
  }
}

static void ns_alloc_all(void** bufs, int k) {
  for (int b = 0; b < NS_NBUF; b++) bufs[b] = ns_alloc(ns_bytes(k, b));
}

static void ns_free_all(void** bufs) {
  for (int b = 0; b < NS_NBUF; b++) free(bufs[b]);
}

static void ns_verify_case(int k, uint64_t run_seed, int* modified_case, int* modified_buf) {
  void* pristine[NS_NBUF];
  void* first[NS_NBUF];
  void* second[NS_NBUF];
  ns_generate(pristine, k, run_seed);

  ns_alloc_all(first, k);
  ns_load(first, pristine, k);
  ns_step("case %d call %d", k, 1);
  ns_checked_call(first, k, 1, "verification");
  for (int b = 0; b < NS_NBUF; b++) ns_dump(first[b], k, b, ns_buf_intent[b] == NS_IN ? "in" : "1");

  /* Second call on fresh copies at new addresses: catches stale buffers, caches and nondeterminism. */
  ns_alloc_all(second, k);
  ns_load(second, pristine, k);
  ns_free_all(first);
  ns_step("case %d call %d", k, 2);
  ns_checked_call(second, k, 2, "verification");
  for (int b = 0; b < NS_NBUF; b++) {
    if (ns_buf_intent[b] != NS_IN) ns_dump(second[b], k, b, "2");
    else if (*modified_case < 0 && memcmp(second[b], pristine[b], ns_bytes(k, b)) != 0) {
      *modified_case = k;
      *modified_buf = b;
    }
  }
  ns_free_all(second);
  ns_free_all(pristine);
}

static void ns_flush(int r) {
  memset(ns_flush_buf, r & 0xff, NS_FLUSH_BYTES);
  unsigned s = 0;
  for (size_t i = 0; i < NS_FLUSH_BYTES; i += 4096) s += ns_flush_buf[i];
  ns_sink += s;
}

int main(int argc, char** argv) {
  if (argc < 2) ns_die("usage", "variant_bin <seed>");
  uint64_t run_seed = strtoull(argv[1], NULL, 10);
  /* A re-measurement reuses the directory: evidence from an earlier run must not survive into this one. */
  remove(NS_REPORT_FILE);
  remove(NS_SAMPLES_FILE);
  ns_progress = fopen(NS_PROGRESS_FILE, "w");
  if (!ns_progress) ns_die("cannot create", NS_PROGRESS_FILE);
  int modified_case = -1, modified_buf = -1;
  int timing_a = -1, timing_b = -1;
  for (int k = 0; k < NS_NCASES; k++) {
    if (ns_case_role[k] == NS_VERIFY) ns_verify_case(k, run_seed, &modified_case, &modified_buf);
    else if (ns_case_role[k] == NS_TIMING_A) timing_a = k;
    else timing_b = k;
  }

  /* Timing: two input sets rotate through the same buffers and the last repetition always sees set B
     right after set A, so a result cached from an earlier call is caught by the final comparison. */
  void* set_a[NS_NBUF];
  void* set_b[NS_NBUF];
  void* work[NS_NBUF];
  ns_generate(set_a, timing_a, run_seed);
  ns_generate(set_b, timing_b, run_seed);
  ns_alloc_all(work, timing_a);
  ns_flush_buf = malloc(NS_FLUSH_BYTES);
  if (!ns_flush_buf) ns_die("out of memory", "cache flush buffer");
  double samples[NS_REPETITIONS];
  double phase_start = ns_now_ms();
  for (int w = 0; w < NS_WARMUP; w++) {
    ns_step("timing warmup %d", w + 1);
    ns_load(work, set_a, timing_a);
    ns_checked_call(work, timing_a, w + 1, "warmup");
  }
  for (int r = 0; r < NS_REPETITIONS; r++) {
    int use_b = (NS_REPETITIONS - 1 - r) % 2 == 0;
    int k = use_b ? timing_b : timing_a;
    ns_step("timing repetition %d", r + 1);
    ns_load(work, use_b ? set_b : set_a, k);
    ns_flush(r);
    samples[r] = ns_checked_call(work, k, r + 1, "timing");
  }
  double phase_ms = ns_now_ms() - phase_start;
  for (int b = 0; b < NS_NBUF; b++) {
    if (ns_buf_intent[b] == NS_IN) continue;
    char path[256];
    snprintf(path, sizeof path, "timed_%s.bin", ns_buf_name[b]);
    ns_write_file(path, work[b], ns_bytes(timing_b, b));
  }
  ns_write_file(NS_SAMPLES_FILE, samples, sizeof samples);
  ns_step("done");
  FILE* f = fopen(NS_REPORT_FILE, "w");
  if (!f) ns_die("cannot create", NS_REPORT_FILE);
  fprintf(f, "{\"complete\":true,\"repetitions\":%d,\"timingPhaseMs\":%.6f,\"modifiedOnSecondCall\":", NS_REPETITIONS, phase_ms);
  if (modified_case >= 0) fprintf(f, "{\"case\":%d,\"buffer\":\"%s\"}", modified_case, ns_buf_name[modified_buf]);
  else fputs("null", f);
  fputs("}\n", f);
  fclose(f);
  return 0;
}
`;
