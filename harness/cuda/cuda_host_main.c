/* The host half of the trusted CUDA harness: plain C built by gcc with the compare program's flags, so inputs
 * drawn from the run seed are bit-identical to the ones the compare program regenerates (same PRNG, same libm).
 * It walks the same cases, writes the same dump files and the same harness.json as the C harness; the device
 * half (cuda_layer.cu) allocates, launches and times. ns_plan.h is generated for each variant. */
#include "ns_plan.h"
#include "ns_common.h"

#include <sys/random.h>

/* The device layer (cuda_layer.cu). Every function checks its CUDA calls and exits on failure. */
int ns_cuda_init(char* device_json, size_t n, char* why, size_t why_n);
int ns_cuda_kernel_attributes(char* json, size_t n);
void* ns_dev_alloc(size_t bytes, int guard);
void ns_dev_free(void* p);
void ns_dev_upload(void* d, const void* h, size_t bytes);
void ns_dev_download(void* h, const void* d, size_t bytes);
void ns_dev_copy(void* dst, const void* src, size_t bytes);
void ns_dev_fill(void* d, int byte, size_t bytes);
int ns_dev_guard_intact(const void* d, size_t bytes);
void ns_dev_launch(void** bufs, const double* scalars, int k);
double ns_dev_timed_launch(void** bufs, const double* scalars, int k, double* wall_ms);
void ns_dev_flush_l2(int r, size_t bytes);
int ns_dev_launches(void);

static int ns_guards = 1;
/* The trusted folder (mounted read-only in the sandbox) holding the given inputs of ns_case_given cases. */
static const char* ns_inputs_dir;
static int ns_calls_made = 0;
static char ns_device_json[1024] = "null";
static char ns_kernel_json[1024] = "null";

#include "ns_host.h"
/* A stopped CUDA run still reports the device, the kernel's attributes and how many launches it made. */
static void ns_stop_extra(FILE* f) { fprintf(f, ",\"device\":%s,\"kernel\":%s,\"launches\":%d", ns_device_json, ns_kernel_json, ns_dev_launches()); }

static void ns_no_device(const char* why) {
  FILE* f = fopen(NS_REPORT_FILE, "w");
  if (f) {
    fputs("{\"complete\":false,\"infra\":{\"cause\":\"no CUDA device\",\"detail\":\"", f);
    for (const char* c = why; *c; c++) if (*c != '"' && *c != '\\' && (unsigned char)*c >= 32) fputc(*c, f);
    fputs("\"}}\n", f);
    fclose(f);
  }
  fprintf(stderr, "nightshift harness: no CUDA device: %s\n", why);
  exit(NS_EXIT_NO_DEVICE);
}

/** Launches case k with thread counting and guard checks around it; the layer synchronises and checks errors. */
static void ns_checked_call(void** bufs, int k, int call, const char* where) {
  int before = ns_threads();
  ns_dev_launch(bufs, ns_case_scalar[k], k);
  int after = ns_threads();
  /* The CUDA runtime may start its helper threads on the first launch; later growth is the variant's.
     Under compute-sanitizer (--sanitize) the tool's own threads come and go, so only the tool judges. */
  if (ns_guards && after > before && ns_calls_made > 0) ns_stop("threads_leaked", where, k, call, before, after);
  ns_calls_made++;
  for (int b = 0; b < NS_NBUF && ns_guards; b++) {
    if (!ns_dev_guard_intact(bufs[b], ns_bytes(k, b))) ns_stop("memory_error", where, k, call, before, after);
  }
}

static void ns_dump_device(const void* d, int k, int b, const char* what, void* scratch) {
  char path[256];
  ns_dev_download(scratch, d, ns_bytes(k, b));
  snprintf(path, sizeof path, "c%d_%s_%s.bin", k, ns_buf_name[b], what);
  ns_write_file(path, scratch, ns_bytes(k, b));
}

static void ns_poison_byte_fill(void* d, int k, int b) {
  ns_dev_fill(d, ns_buf_dtype[b] <= NS_F64 ? 0xFF : 0xA5, ns_bytes(k, b));
}

/** Fresh device buffers for case k: inputs uploaded from the pristine host set, outputs poisoned. */
static void ns_dev_load_fresh(void** dev, void** pristine, int k) {
  for (int b = 0; b < NS_NBUF; b++) {
    dev[b] = ns_dev_alloc(ns_bytes(k, b), ns_guards);
    if (ns_buf_intent[b] == NS_OUT) ns_poison_byte_fill(dev[b], k, b);
    else ns_dev_upload(dev[b], pristine[b], ns_bytes(k, b));
  }
}

static void ns_dev_free_all(void** dev) {
  for (int b = 0; b < NS_NBUF; b++) ns_dev_free(dev[b]);
}

static void ns_generate(void** pristine, int k, uint64_t run_seed) {
  uint32_t seed = ns_case_seed(run_seed, k);
  for (int b = 0; b < NS_NBUF; b++) {
    pristine[b] = ns_alloc(ns_bytes(k, b));
    if (ns_buf_intent[b] == NS_OUT) continue;
    if (ns_case_given[k]) ns_load_given(pristine[b], k, b, ns_inputs_dir);
    else ns_fill(pristine[b], k, b, seed);
  }
}

/** A seed nothing in this process computed from what the variant could see. */
static uint64_t ns_secret_seed(void) {
  uint64_t s;
  if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s) ns_die("cannot draw", "a repetition seed");
  return s;
}

/** Work buffers for case k: inputs drawn from seed into host and uploaded, outputs poisoned. */
static void ns_load_seeded(void** work, void** host, int k, uint64_t seed) {
  for (int b = 0; b < NS_NBUF; b++) {
    if (ns_buf_intent[b] == NS_OUT) {
      ns_poison_byte_fill(work[b], k, b);
      continue;
    }
    ns_fill(host[b], k, b, seed);
    ns_dev_upload(work[b], host[b], ns_bytes(k, b));
  }
}

static void ns_verify_case(int k, uint64_t run_seed, int* modified_case, int* modified_buf) {
  void* pristine[NS_NBUF];
  void* scratch[NS_NBUF];
  void* first[NS_NBUF];
  void* second[NS_NBUF];
  ns_generate(pristine, k, run_seed);
  for (int b = 0; b < NS_NBUF; b++) scratch[b] = ns_alloc(ns_bytes(k, b));

  ns_dev_load_fresh(first, pristine, k);
  ns_step("case %d call %d", k, 1);
  ns_checked_call(first, k, 1, "verification");
  for (int b = 0; b < NS_NBUF; b++) ns_dump_device(first[b], k, b, ns_buf_intent[b] == NS_IN ? "in" : "1", scratch[b]);

  /* Second call on fresh allocations made before the first are freed, so they sit at new addresses:
     a kernel that skips work and leaves an earlier result behind finds only poison there. */
  ns_dev_load_fresh(second, pristine, k);
  ns_dev_free_all(first);
  ns_step("case %d call %d", k, 2);
  ns_checked_call(second, k, 2, "verification");
  for (int b = 0; b < NS_NBUF; b++) {
    if (ns_buf_intent[b] != NS_IN) ns_dump_device(second[b], k, b, "2", scratch[b]);
    else if (*modified_case < 0) {
      ns_dev_download(scratch[b], second[b], ns_bytes(k, b));
      if (memcmp(scratch[b], pristine[b], ns_bytes(k, b)) != 0) {
        *modified_case = k;
        *modified_buf = b;
      }
    }
  }
  ns_dev_free_all(second);
  for (int b = 0; b < NS_NBUF; b++) {
    free(scratch[b]);
    free(pristine[b]);
  }
}

static void ns_write_report(int complete_timing, double phase_ms, int modified_case, int modified_buf) {
  FILE* f = fopen(NS_REPORT_FILE, "w");
  if (!f) ns_die("cannot create", NS_REPORT_FILE);
  fprintf(f, "{\"complete\":true,\"repetitions\":%d,\"timingPhaseMs\":%.6f,\"timed\":%s,\"launches\":%d,\"device\":%s,\"kernel\":%s,\"modifiedOnSecondCall\":",
          complete_timing ? NS_REPETITIONS : 0, phase_ms, complete_timing ? "true" : "false", ns_dev_launches(), ns_device_json, ns_kernel_json);
  if (modified_case >= 0) fprintf(f, "{\"case\":%d,\"buffer\":\"%s\"}", modified_case, ns_buf_name[modified_buf]);
  else fputs("null", f);
  fputs("}\n", f);
  fclose(f);
}

int main(int argc, char** argv) {
  if (argc < 2) ns_die("usage", "variant_bin <seed> [--sanitize] [--inputs DIR]");
  uint64_t run_seed = strtoull(argv[1], NULL, 10);
  int sanitize = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], NS_SANITIZE_FLAG) == 0) sanitize = 1;
    else if (strcmp(argv[i], "--inputs") == 0 && i + 1 < argc) ns_inputs_dir = argv[++i];
    else ns_die("unknown argument", argv[i]);
  }
  /* Under compute-sanitizer the buffers are exact-sized so every out-of-bounds access leaves the allocation. */
  ns_guards = !sanitize;
  ns_progress = fopen(NS_PROGRESS_FILE, "w");
  if (!ns_progress) ns_die("cannot create", NS_PROGRESS_FILE);

  char why[512];
  /* Modules load at start, not at a kernel's first launch, so no first-use work (or helper thread) of the
     runtime lands inside a checked call or a timed repetition. */
  setenv("CUDA_MODULE_LOADING", "EAGER", 1);
  ns_step("cuda init %d%.0d", 0, 0);
  if (ns_cuda_init(ns_device_json, sizeof ns_device_json, why, sizeof why) != 0) ns_no_device(why);
  /* The harness launches the kernel through its registered device function; a host function carrying the
     kernel's name (no device code behind it) is caught here, before anything is measured. */
  if (ns_cuda_kernel_attributes(ns_kernel_json, sizeof ns_kernel_json) != 0) ns_stop("launch_missing", "kernel registration", -1, 0, 0, 0);

  int modified_case = -1, modified_buf = -1;
  int timing_a = -1, timing_b = -1;
  for (int k = 0; k < NS_NCASES; k++) {
    if (ns_case_role[k] == NS_VERIFY) {
      if (sanitize && ns_case_is_tune_size[k]) continue;
      ns_verify_case(k, run_seed, &modified_case, &modified_buf);
    } else if (ns_case_role[k] == NS_TIMING_A) timing_a = k;
    else timing_b = k;
  }
  if (sanitize) {
    ns_write_report(0, 0.0, modified_case, modified_buf);
    return 0;
  }

  /* Timing: before each repetition fresh inputs are drawn from a seed of its own (getrandom: nothing the
     variant saw can predict it) and uploaded, outputs are poisoned and the L2 is flushed, all outside the
     timed interval. Every repetition's outputs are kept for the compare program, and its inputs are read
     back and compared with what was uploaded, so a kernel that caches answers or scribbles on its inputs
     while timed is caught on any repetition, not only the last. */
  int cases[2] = { timing_a, timing_b };
  void* host[NS_NBUF];
  void* scratch[NS_NBUF];
  void* work[NS_NBUF];
  for (int b = 0; b < NS_NBUF; b++) {
    size_t most = ns_bytes(timing_a, b) > ns_bytes(timing_b, b) ? ns_bytes(timing_a, b) : ns_bytes(timing_b, b);
    host[b] = ns_alloc(most);
    scratch[b] = ns_alloc(most);
    work[b] = ns_dev_alloc(most, 1);
  }
  double samples[NS_REPETITIONS];
  double wall[NS_REPETITIONS];
  struct { uint64_t seed; int64_t k; } seeds[NS_REPETITIONS];
  double phase_start = ns_now_ms();
  for (int w = 0; w < NS_WARMUP; w++) {
    int k = cases[w % 2];
    ns_step("timing warmup %d%.0d", w + 1, 0);
    ns_load_seeded(work, host, k, ns_secret_seed());
    ns_checked_call(work, k, 0, "warmup");
  }
  /* Counted after the warm-up has touched every code path of the loop once. */
  ns_dev_flush_l2(0, NS_FLUSH_BYTES);
  int threads_before_timing = ns_threads();
  char path[256];
  for (int r = 0; r < NS_REPETITIONS; r++) {
    int k = cases[r % 2];
    seeds[r].seed = ns_secret_seed();
    seeds[r].k = k;
    ns_step("timing repetition %d%.0d", r + 1, 0);
    ns_load_seeded(work, host, k, seeds[r].seed);
    ns_dev_flush_l2(r, NS_FLUSH_BYTES);
    int before = ns_threads();
    samples[r] = ns_dev_timed_launch(work, ns_case_scalar[k], k, &wall[r]);
    int after = ns_threads();
    if (after > before) ns_stop("threads_leaked", "timing", k, r + 1, before, after);
    for (int b = 0; b < NS_NBUF; b++) {
      if (!ns_dev_guard_intact(work[b], ns_bytes(k, b))) ns_stop("memory_error", "timing", k, r + 1, before, after);
    }
    /* The event interval lies inside the host interval around it; a longer event time means the timer was
       tampered with, a zero one that nothing ran. */
    if (!(samples[r] > 0.0)) ns_stop("launch_missing", "timing", k, r + 1, before, after);
    if (samples[r] > wall[r] * 1.01 + 0.05) ns_stop("timing_inconsistent", "timing", k, r + 1, before, after);
    for (int b = 0; b < NS_NBUF; b++) {
      ns_dev_download(scratch[b], work[b], ns_bytes(k, b));
      if (ns_buf_intent[b] == NS_IN) {
        if (memcmp(scratch[b], host[b], ns_bytes(k, b)) != 0) ns_stop("inputs_modified", "timing", k, r + 1, before, after);
        continue;
      }
      snprintf(path, sizeof path, "timed_%d_%s.bin", r, ns_buf_name[b]);
      ns_write_file(path, scratch[b], ns_bytes(k, b));
    }
  }
  double phase_ms = ns_now_ms() - phase_start;
  int threads_after_timing = ns_threads();
  if (threads_after_timing > threads_before_timing) ns_stop("threads_leaked", "timing", timing_b, NS_REPETITIONS, threads_before_timing, threads_after_timing);
  ns_write_file("timed_seeds.bin", seeds, sizeof seeds);
  ns_write_file(NS_SAMPLES_FILE, samples, sizeof samples);
  ns_write_file(NS_WALL_SAMPLES_FILE, wall, sizeof wall);
  ns_step("done %d%.0d", NS_REPETITIONS, 0);
  ns_write_report(1, phase_ms, modified_case, modified_buf);
  return 0;
}
