/* The trusted monitor: the only program that judges a variant's run. It is built from nightshift's sources
 * alone, before the variant runs, in a directory the variant never sees. It starts the variant's binary (the
 * worker, worker_main.c) in the sandbox, owns every buffer the kernel computes on (one shared region), and
 * for every call: writes fresh inputs and poisoned outputs while the worker is stopped, starts the clock and
 * lets the worker run, stops the clock at its answer, stops the worker, and only then reads what the kernel
 * did. The worker never runs unobserved: between calls it is stopped, so no work can happen off the clock,
 * and it cannot know the next inputs before they are there. Every timed repetition gets inputs drawn from a
 * seed of its own that nothing the worker sees can predict; every output is kept for the compare program.
 * After each call it checks the threads, pending and caught signals, CPU time against wall time, the canaries
 * around every buffer and that inputs are unchanged. Its evidence goes to the current directory:
 *   harness.json           what happened (complete, or the first thing that stopped the run, and why)
 *   samples.bin            one time per timed repetition (doubles, ms): the monitor's clock, never the worker's
 *   c<k>_<buf>_{in,1,2}.bin the verification calls' inputs after the call, and outputs of both calls
 *   timed_seeds.bin        per timed repetition: its seed (uint64) and its case (int64)
 *   timed_<r>_<buf>.bin    every timed repetition's outputs
 *   worker_stderr.txt      the tail of what the worker printed (shown to people, never parsed)
 *
 *   monitor <seed> <variant-dir> [--time-limit-ms N] [--binary NAME] [--sanitize] [--unsandboxed] [--inputs DIR]
 *
 * The time limit covers every call of the run (the plan's NS_TIME_LIMIT_MS by default); the worker's start
 * and lock-down have their own. --sanitize runs the verification sizes only, of a sanitized build. --inputs
 * names the trusted folder holding the given inputs of the cases the plan marks (ns_case_given): those cases
 * read their inputs from there instead of drawing them from the seed.
 *
 * Exit status 0 means harness.json was written, whatever the verdict; anything else is the machine's fault. */
#include "ns_plan.h"
#include "ns_common.h"
#include "ns_layout.h"
#include "ns_progress.h"
#include "ns_samples.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define NS_WORKER_SETUP_FAILED 157
#define NS_LOCKDOWN_EXIT 159
#define NS_ASAN_EXIT 86
#define NS_UBSAN_EXIT 87
/* How long the worker may take to start and lock itself down, outside its time limit. */
#define NS_START_MS 20000.0
#define NS_OVERHEAD_PROBES 7
#define NS_WORKER_OUTPUT_FILE "worker_stderr.txt"

typedef struct {
  pid_t pid;
  int cmd, reply, report, err;
  int threads_allowed;
  unsigned long long caught_at_start;
  double deadline_ms;
} ns_worker;

static ns_worker W;
static unsigned char* ns_region;
static void* ns_pristine[NS_NBUF];
static unsigned char* ns_flush_buf;
static volatile unsigned ns_sink;
static int ns_sanitize;
static int ns_unsandboxed;
static int ns_calls_done;
static long long ns_time_limit_ms = NS_TIME_LIMIT_MS;
static const char* ns_inputs_dir;

/* ---- the report ---- */

static void json_string(FILE* f, const char* s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 32) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

/* The tail of what the worker printed, drained while it runs so a chatty kernel never blocks on a full pipe. */
static char ns_out[8192];
static size_t ns_out_n;

static void drain_worker_output(void) {
  char chunk[4096];
  for (;;) {
    ssize_t got = read(W.err, chunk, sizeof chunk);
    if (got <= 0) return;
    for (ssize_t i = 0; i < got; i++) ns_out[ns_out_n++ % sizeof ns_out] = chunk[i];
  }
}

static void save_worker_stderr(void) {
  drain_worker_output();
  FILE* f = fopen(NS_WORKER_OUTPUT_FILE, "wb");
  if (!f) return;
  if (ns_out_n <= sizeof ns_out) fwrite(ns_out, 1, ns_out_n, f);
  else {
    size_t start = ns_out_n % sizeof ns_out;
    fwrite(ns_out + start, 1, sizeof ns_out - start, f);
    fwrite(ns_out, 1, start, f);
  }
  fclose(f);
}

static void finish(const char* stop_json) {
  FILE* f = fopen(NS_REPORT_FILE, "w");
  if (!f) ns_die("cannot create", NS_REPORT_FILE);
  fprintf(f, "{\"complete\":%s,\"isolation\":\"%s\",\"calls\":%d", stop_json ? "false" : "true", ns_unsandboxed ? "unsandboxed" : "sandboxed", ns_calls_done);
  if (stop_json) fprintf(f, ",\"stop\":%s", stop_json);
  fputs("}\n", f);
  if (fclose(f) != 0) ns_die("cannot write", NS_REPORT_FILE);
  exit(0);
}

static void stop_run(const char* reason, const char* where, int k, int call, const char* fmt, ...) __attribute__((format(printf, 5, 6)));

/* Ends the run at the first thing that disqualifies it: kills the worker and writes the report. */
static void stop_run(const char* reason, const char* where, int k, int call, const char* fmt, ...) {
  if (W.pid > 0) {
    kill(W.pid, SIGKILL);
    waitpid(W.pid, NULL, 0);
    W.pid = 0;
  }
  save_worker_stderr();
  char detail[1024];
  va_list args;
  va_start(args, fmt);
  vsnprintf(detail, sizeof detail, fmt, args);
  va_end(args);
  static char json[2048];
  FILE* m = fmemopen(json, sizeof json, "w");
  if (!m) ns_die("out of memory", "report");
  fprintf(m, "{\"reason\":\"%s\",\"where\":\"%s\",\"case\":%d,\"call\":%d,\"detail\":", reason, where, k, call);
  json_string(m, detail);
  fputc('}', m);
  fclose(m);
  finish(json);
}

/* ---- the worker's life ---- */

/* Node's names for the signals a kernel dies of, so a verdict reads the same from every executor. */
static const char* signal_name(int sig) {
  static const struct { int sig; const char* name; } names[] = {
    { SIGSEGV, "SIGSEGV" }, { SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGILL, "SIGILL" }, { SIGABRT, "SIGABRT" },
    { SIGKILL, "SIGKILL" }, { SIGTRAP, "SIGTRAP" }, { SIGXCPU, "SIGXCPU" }, { SIGTERM, "SIGTERM" }, { SIGPIPE, "SIGPIPE" },
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) if (names[i].sig == sig) return names[i].name;
  static char other[16];
  snprintf(other, sizeof other, "SIG%d", sig);
  return other;
}

static double ms_left(void) { return W.deadline_ms - ns_now_ms(); }

/* The worker ended (or had to be killed): name what happened, as a verdict on the kernel. */
static void worker_ended(int status, const char* where, int k, int call) {
  W.pid = 0;
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    if (code == NS_LOCKDOWN_EXIT) {
      char line[256] = "";
      ssize_t n = read(W.report, line, sizeof line - 1);
      line[n > 0 ? n : 0] = 0;
      char* nl = strchr(line, '\n');
      if (nl) *nl = 0;
      /* The line is the worker's own: the exit status is the evidence, the line only names the call. */
      stop_run("sandbox_violation", where, k, call, "%s", strncmp(line, "sandbox_violation ", 18) == 0 ? line + 18 : "a refused system call (unnamed)");
    }
    if (code == NS_WORKER_SETUP_FAILED && ns_calls_done == 0) stop_run("worker_setup", where, k, call, "the worker could not start");
    if (ns_sanitize && (code == NS_ASAN_EXIT || code == NS_UBSAN_EXIT)) {
      stop_run("memory_error", where, k, call, "%s found an error (see the worker's output)", code == NS_ASAN_EXIT ? "AddressSanitizer" : "UndefinedBehaviorSanitizer");
    }
    stop_run("crashed", where, k, call, "exit %d", code);
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGSYS) stop_run("sandbox_violation", where, k, call, "a refused system call (the filter killed the process before it could name the call)");
    stop_run("crashed", where, k, call, "signal %s", signal_name(sig));
  }
  stop_run("crashed", where, k, call, "ended (status %d)", status);
}

static void check_alive(const char* where, int k, int call) {
  int status;
  pid_t got = waitpid(W.pid, &status, WNOHANG);
  if (got == W.pid) worker_ended(status, where, k, call);
}

/* Waits for one word on the reply pipe until the deadline; the worker's exit or the deadline end the run. */
static int32_t await_word(const char* where, int k, int call) {
  int32_t word = 0;
  size_t got = 0;
  while (got < sizeof word) {
    double left = ms_left();
    if (left <= 0) stop_run("timeout", where, k, call, "the time limit of %lld ms ran out", ns_time_limit_ms);
    struct pollfd p[2] = { { .fd = W.reply, .events = POLLIN }, { .fd = W.err, .events = POLLIN } };
    int r = poll(p, 2, left > 100 ? 100 : (int)left + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r > 0 && (p[1].revents & POLLIN)) drain_worker_output();
    if (r <= 0 || !(p[0].revents & (POLLIN | POLLHUP))) {
      check_alive(where, k, call);
      continue;
    }
    ssize_t n = read(W.reply, (char*)&word + got, sizeof word - got);
    if (n > 0) got += (size_t)n;
    else {
      int status;
      if (waitpid(W.pid, &status, 0) == W.pid) worker_ended(status, where, k, call);
      stop_run("crashed", where, k, call, "closed its answer pipe");
    }
  }
  return word;
}

static void stop_worker(const char* where, int k, int call) {
  if (ns_sandbox_stop(W.pid) != 0) {
    int status;
    if (waitpid(W.pid, &status, 0) == W.pid) worker_ended(status, where, k, call);
    ns_die("cannot stop the worker", strerror(errno));
  }
}

static void cpus_for_worker(int* cpus, int* n) {
  cpu_set_t set;
  *n = 0;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return;
  int all[CPU_SETSIZE], count = 0;
  for (int c = 0; c < CPU_SETSIZE; c++) if (CPU_ISSET(c, &set)) all[count++] = c;
  /* The last cores: with a core to spare the monitor keeps the first, away from the timed kernel. */
  int want = W.threads_allowed < count ? W.threads_allowed : count;
  for (int i = 0; i < want; i++) cpus[(*n)++] = all[count - want + i];
}

static void start_worker(const char* variant_dir, const char* binary, int memfd) {
  int cmd[2], reply[2], report[2], err[2];
  if (pipe(cmd) || pipe(reply) || pipe(report) || pipe2(err, O_NONBLOCK)) ns_die("cannot create", "pipes");
  fcntl(cmd[1], F_SETFD, FD_CLOEXEC);
  fcntl(reply[0], F_SETFD, FD_CLOEXEC);
  fcntl(report[0], F_SETFD, FD_CLOEXEC);
  fcntl(err[0], F_SETFD, FD_CLOEXEC);
  char a[6][24];
  snprintf(a[0], sizeof a[0], "%d", cmd[0]);
  snprintf(a[1], sizeof a[1], "%d", reply[1]);
  snprintf(a[2], sizeof a[2], "%d", report[1]);
  snprintf(a[3], sizeof a[3], "%d", memfd);
  snprintf(a[4], sizeof a[4], "%d", err[1]);
  snprintf(a[5], sizeof a[5], "%s", ns_sanitize ? "sanitizer" : W.threads_allowed > 1 ? "threads" : "kernel");
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", ns_unsandboxed ? variant_dir : "/work", binary);
  char* argv[] = { path, a[0], a[1], a[2], a[3], a[4], a[5], NULL };
  char threads_env[64];
  snprintf(threads_env, sizeof threads_env, "OMP_NUM_THREADS=%d", W.threads_allowed);
  char* envp[] = { "PATH=/usr/bin:/bin", "LANG=C", threads_env, "OMP_WAIT_POLICY=PASSIVE",
                   "ASAN_OPTIONS=detect_leaks=0:symbolize=0:halt_on_error=1:exitcode=86:abort_on_error=0",
                   "UBSAN_OPTIONS=halt_on_error=1:exitcode=87:print_stacktrace=0", NULL };
  int cpus[CPU_SETSIZE], ncpus = 0;
  cpus_for_worker(cpus, &ncpus);
  const int keep[] = { cmd[0], reply[1], report[1], memfd, err[1] };
  if (ns_unsandboxed) {
    pid_t pid = fork();
    if (pid < 0) ns_die("cannot fork", strerror(errno));
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      setpgid(0, 0);
      if (ncpus > 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (int i = 0; i < ncpus; i++) CPU_SET(cpus[i], &set);
        sched_setaffinity(0, sizeof set, &set);
      }
      if (!ns_sanitize) {
        struct rlimit as = { (rlim_t)NS_MEMORY_MB << 20, (rlim_t)NS_MEMORY_MB << 20 };
        setrlimit(RLIMIT_AS, &as);
      }
      execve(path, argv, envp);
      _exit(NS_WORKER_SETUP_FAILED);
    }
    W.pid = pid;
  } else {
    ns_sandbox_config cfg = { 0 };
    cfg.workdir = variant_dir;
    cfg.cpus = cpus;
    cfg.ncpus = ncpus;
    /* AddressSanitizer reserves terabytes of address space for its shadow; its run has no address limit. */
    cfg.address_space_bytes = ns_sanitize ? 0 : (unsigned long long)NS_MEMORY_MB << 20;
    cfg.keep_fds = keep;
    cfg.nkeep = 5;
    cfg.envp = envp;
    char why[512];
    W.pid = ns_sandbox_spawn(&cfg, argv, why, sizeof why);
    if (W.pid < 0) {
      fprintf(stderr, "nightshift monitor: cannot start the sandbox: %s\n", why);
      exit(92);
    }
  }
  close(cmd[0]);
  close(reply[1]);
  close(report[1]);
  close(err[1]);
  W.cmd = cmd[1];
  W.reply = reply[0];
  W.report = report[0];
  W.err = err[0];
  double startup_deadline = W.deadline_ms;
  W.deadline_ms = ns_now_ms() + NS_START_MS;
  int32_t ready = await_word("startup", -1, 0);
  W.deadline_ms = startup_deadline;
  if (ready != NS_READY_MAGIC) stop_run("evidence_tampering", "startup", -1, 0, "the worker's first word was %d, not the ready signal", ready);
  stop_worker("startup", -1, 0);
  unsigned long long pending = 0;
  ns_sandbox_signal_state(W.pid, &pending, &W.caught_at_start);
}

/* ---- one call ---- */

static unsigned char* slot(int b) { return ns_region + ns_slot_offset(b); }
static unsigned char* buffer(int k, int b) { return slot(b) + ns_buffer_offset(k, b); }

/* Inputs from the pristine copies, outputs poisoned, every byte of a slot outside its buffer a canary. */
static void load_case(int k) {
  for (int b = 0; b < NS_NBUF; b++) {
    memset(slot(b), NS_CANARY_BYTE, ns_slot_bytes(b));
    if (ns_buf_intent[b] == NS_OUT) ns_poison(buffer(k, b), k, b);
    else memcpy(buffer(k, b), ns_pristine[b], ns_bytes(k, b));
  }
}

static void generate(int k, uint64_t seed) {
  for (int b = 0; b < NS_NBUF; b++) {
    free(ns_pristine[b]);
    ns_pristine[b] = malloc(ns_bytes(k, b) > 0 ? ns_bytes(k, b) : 1);
    if (!ns_pristine[b]) ns_die("out of memory", "pristine inputs");
    if (ns_buf_intent[b] == NS_OUT) continue;
    if (ns_case_given[k]) ns_load_given(ns_pristine[b], k, b, ns_inputs_dir);
    else ns_fill(ns_pristine[b], k, b, seed);
  }
}

static long long first_difference(const unsigned char* a, const unsigned char* b, size_t bytes, size_t elem) {
  for (size_t i = 0; i < bytes; i += elem) if (memcmp(a + i, b + i, elem) != 0) return (long long)(i / elem);
  return -1;
}

/* What the kernel left behind, read while the worker is stopped. */
static void check_after(int k, int call, const char* where, double wall_ms, long long cpu_ns) {
  int threads = ns_sandbox_threads(W.pid);
  if (threads > W.threads_allowed) {
    stop_run("hidden_parallelism", where, k, call, "%d threads after the call; the spec allows %d", threads, W.threads_allowed);
  }
  /* CPU time of everything in the sandbox, from the kernel: more than the allowed cores could give in the wall time is work done elsewhere. */
  if ((double)cpu_ns / 1e6 > W.threads_allowed * wall_ms * 1.05 + 2.0) {
    stop_run("hidden_parallelism", where, k, call, "%.3f ms of CPU time in %.3f ms of wall time on %d allowed core(s)", (double)cpu_ns / 1e6, wall_ms, W.threads_allowed);
  }
  unsigned long long pending = 0, caught = 0;
  if (ns_sandbox_signal_state(W.pid, &pending, &caught) == 0) {
    /* glibc itself catches SIGABRT for abort() and signal 33 for its threads; nothing else may appear. */
    const unsigned long long allowed = (1ull << (SIGABRT - 1)) | (1ull << 32);
    if (pending != 0) stop_run("sandbox_violation", where, k, call, "a signal was pending after the call (mask %#llx)", pending);
    if ((caught & ~W.caught_at_start & ~allowed) != 0) stop_run("sandbox_violation", where, k, call, "the kernel installed a signal handler (caught mask %#llx)", caught);
  }
  for (int b = 0; b < NS_NBUF; b++) {
    const unsigned char* s = slot(b);
    size_t start = ns_buffer_offset(k, b), end = start + ns_bytes(k, b);
    for (size_t i = 0; i < ns_slot_bytes(b); i++) {
      if (i == start) i = end;
      if (i >= ns_slot_bytes(b)) break;
      if (s[i] != NS_CANARY_BYTE) {
        stop_run("memory_error", where, k, call, "the kernel wrote %zu bytes %s buffer %s", i < start ? start - i : i - end + 1, i < start ? "before the start of" : "past the end of", ns_buf_name[b]);
      }
    }
    if (ns_buf_intent[b] == NS_IN) {
      long long at = first_difference(buffer(k, b), ns_pristine[b], ns_bytes(k, b), ns_dtype_size[ns_buf_dtype[b]]);
      if (at >= 0) stop_run("inputs_modified", where, k, call, "input %s changed at index %lld", ns_buf_name[b], at);
    }
  }
}

/* Runs case k once: the worker runs only between the clock's start and its answer. Returns the call's time in ms. */
static double call_worker(int k, int call, const char* where) {
  struct pollfd p = { .fd = W.reply, .events = POLLIN };
  if (poll(&p, 1, 0) > 0) stop_run("evidence_tampering", where, k, call, "the worker wrote an answer nobody asked for");
  int32_t word = k;
  if (write(W.cmd, &word, sizeof word) != (ssize_t)sizeof word) ns_die("cannot write", "the worker's command pipe");
  long long cpu0 = ns_sandbox_cpu_ns(W.pid);
  double t0 = ns_now_ms();
  if (ns_sandbox_cont(W.pid) != 0) check_alive(where, k, call);
  int32_t answer = await_word(where, k, call);
  double t1 = ns_now_ms();
  stop_worker(where, k, call);
  double t2 = ns_now_ms();
  long long cpu1 = ns_sandbox_cpu_ns(W.pid);
  if (answer != k) stop_run("evidence_tampering", where, k, call, "the worker answered %d to case %d", answer, k);
  if (k >= 0) {
    ns_calls_done++;
    check_after(k, call, where, t2 - t0, cpu1 - cpu0);
  }
  /* One thread cannot work after its answer (the answer is written after the kernel returned); helper
     threads could, until the stop, so theirs is counted. */
  return (W.threads_allowed > 1 ? t2 : t1) - t0;
}

static void dump(const char* name, const void* p, size_t bytes) { ns_write_file(name, p, bytes); }

static void verify_case(int k, uint64_t run_seed) {
  generate(k, ns_case_seed(run_seed, k));
  char name[256];
  for (int call = 1; call <= 2; call++) {
    load_case(k);
    ns_step("case %d call %d", k, call);
    call_worker(k, call, "verification");
    for (int b = 0; b < NS_NBUF; b++) {
      if (ns_buf_intent[b] == NS_IN && call == 2) continue;
      snprintf(name, sizeof name, "c%d_%s_%s.bin", k, ns_buf_name[b], ns_buf_intent[b] == NS_IN ? "in" : call == 1 ? "1" : "2");
      dump(name, buffer(k, b), ns_bytes(k, b));
    }
  }
}

static uint64_t secret_seed(void) {
  uint64_t s;
  if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s) ns_die("cannot draw", "a repetition seed");
  return s;
}

static void flush_caches(int r) {
  memset(ns_flush_buf, r & 0xff, NS_FLUSH_BYTES);
  unsigned s = 0;
  for (size_t i = 0; i < NS_FLUSH_BYTES; i += 4096) s += ns_flush_buf[i];
  ns_sink += s;
}

static void timing(void) {
  int cases[2], n = 0;
  for (int k = 0; k < NS_NCASES; k++) if (ns_case_role[k] != NS_VERIFY && n < 2) cases[n++] = k;
  ns_flush_buf = malloc(NS_FLUSH_BYTES);
  if (!ns_flush_buf) ns_die("out of memory", "cache flush buffer");
  /* The protocol's own cost, measured on calls that do nothing (ns_samples.h says how it is used): before any
     kernel code has run, and as many again after the timed phase, since cold or loaded first probes alone can
     cost more than a fast kernel's timed calls. None runs between timed calls, where it would change how the
     scheduler treats them. */
  double overhead = 1e300;
  for (int i = 0; i < NS_OVERHEAD_PROBES; i++) {
    double t = call_worker(NS_CMD_NOOP, i, "calibration");
    if (t < overhead) overhead = t;
  }
  for (int w = 0; w < NS_WARMUP; w++) {
    int k = cases[w % n];
    generate(k, secret_seed());
    load_case(k);
    ns_step("timing warmup %d", w + 1);
    call_worker(k, w + 1, "warmup");
  }
  double samples[NS_REPETITIONS];
  struct { uint64_t seed; int64_t k; } seeds[NS_REPETITIONS];
  double phase_start = ns_now_ms();
  char name[256];
  for (int r = 0; r < NS_REPETITIONS; r++) {
    int k = cases[r % n];
    seeds[r].seed = secret_seed();
    seeds[r].k = k;
    generate(k, seeds[r].seed);
    load_case(k);
    flush_caches(r);
    ns_step("timing repetition %d", r + 1);
    samples[r] = call_worker(k, r + 1, "timing");
    for (int b = 0; b < NS_NBUF; b++) {
      if (ns_buf_intent[b] == NS_IN) continue;
      snprintf(name, sizeof name, "timed_%d_%s.bin", r, ns_buf_name[b]);
      dump(name, buffer(k, b), ns_bytes(k, b));
    }
  }
  double phase_ms = ns_now_ms() - phase_start;
  for (int i = 0; i < NS_OVERHEAD_PROBES; i++) {
    double t = call_worker(NS_CMD_NOOP, NS_OVERHEAD_PROBES + i, "calibration");
    if (t < overhead) overhead = t;
  }
  for (int r = 0; r < NS_REPETITIONS; r++) samples[r] = ns_kernel_sample(samples[r], overhead);
  ns_write_file("timed_seeds.bin", seeds, sizeof seeds);
  ns_write_file(NS_SAMPLES_FILE, samples, sizeof samples);
  FILE* f = fopen("timing.json", "w");
  if (!f) ns_die("cannot create", "timing.json");
  fprintf(f, "{\"repetitions\":%d,\"timingPhaseMs\":%.6f,\"overheadMs\":%.6f}\n", NS_REPETITIONS, phase_ms, overhead);
  fclose(f);
}

int main(int argc, char** argv) {
  /* Dies with whoever started it (nightshift, or the shell of an SSH session), and the sandbox with it. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) return 93;
  if (argc < 3) ns_die("usage", "monitor <seed> <variant-dir> [--time-limit-ms N] [--binary NAME] [--sanitize] [--unsandboxed] [--inputs DIR]");
  uint64_t run_seed = strtoull(argv[1], NULL, 10);
  const char* variant_dir = argv[2];
  const char* binary = "variant_bin";
  for (int i = 3; i < argc; i++) {
    if (strcmp(argv[i], "--sanitize") == 0) ns_sanitize = 1;
    else if (strcmp(argv[i], "--unsandboxed") == 0) ns_unsandboxed = 1;
    else if (strcmp(argv[i], "--binary") == 0 && i + 1 < argc) binary = argv[++i];
    else if (strcmp(argv[i], "--time-limit-ms") == 0 && i + 1 < argc) ns_time_limit_ms = strtoll(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--inputs") == 0 && i + 1 < argc) ns_inputs_dir = argv[++i];
    else ns_die("unknown argument", argv[i]);
  }
  signal(SIGPIPE, SIG_IGN);
  ns_progress = fopen(NS_PROGRESS_FILE, "we");
  if (!ns_progress) ns_die("cannot create", NS_PROGRESS_FILE);
  W.threads_allowed = NS_THREADS;
  W.deadline_ms = ns_now_ms() + (double)ns_time_limit_ms;

  int memfd = memfd_create("nightshift-buffers", 0);
  if (memfd < 0 || ftruncate(memfd, (off_t)ns_region_bytes()) != 0) ns_die("cannot create", "the shared buffer region");
  ns_region = mmap(NULL, ns_region_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
  if (ns_region == MAP_FAILED) ns_die("cannot map", "the shared buffer region");

  ns_step("start");
  start_worker(variant_dir, binary, memfd);
  for (int k = 0; k < NS_NCASES; k++) {
    /* The sanitized build checks memory on the verification sizes; the tuning size is the timed run's. */
    if (ns_case_role[k] == NS_VERIFY && !(ns_sanitize && ns_case_is_tune_size[k])) verify_case(k, run_seed);
  }
  if (!ns_sanitize) timing();
  int32_t bye = NS_CMD_EXIT;
  (void)!write(W.cmd, &bye, sizeof bye);
  ns_sandbox_cont(W.pid);
  kill(W.pid, SIGKILL);
  waitpid(W.pid, NULL, 0);
  W.pid = 0;
  save_worker_stderr();
  ns_step("done");
  finish(NULL);
  return 0;
}
