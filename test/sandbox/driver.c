/* Test driver: a minimal monitor. Spawns a program in the sandbox with its stdout, stderr and a report
 * pipe at fds 1, 2 and 3, and prints one JSON line about what happened.
 *
 *   driver --workdir DIR [--cpus LIST] [--as-bytes N] [--cpu-seconds N] [--nproc N] [--env K=V]...
 *          [--mode run|stop|hold] [--timeout-ms N] -- /work/PROGRAM ARGS...
 *
 * run:  {"pid","exit","signal","violation","report","stdout","stderr","threads_max","cpu_ns","timed_out"}
 * hold: first {"spawned":PID}, then as run (the test kills the driver meanwhile)
 * stop: waits for "ready" on the program's stdout, then {"pid","threads","pending","caught","stop_rc",
 *       "state","stopped_delta_ns","running_delta_ns"} and kills it
 * On a setup error: {"error":"..."} and exit status 2.
 *   driver --available  prints {"available":BOOL,"why":"..."} from ns_sandbox_available. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../harness/runtime/sandbox.h"

enum { MAX_ITEMS = 64, CAPTURE = 1 << 16 };

struct buffer {
  char data[CAPTURE];
  size_t len;
  int fd;
};

static FILE* json_out;

static void json_string(const char* s, size_t n) {
  fputc('"', json_out);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') fprintf(json_out, "\\%c", c);
    else if (c == '\n') fputs("\\n", json_out);
    else if (c < 0x20 || c >= 0x7f) fprintf(json_out, "\\u%04x", c);
    else fputc(c, json_out);
  }
  fputc('"', json_out);
}

__attribute__((noreturn)) static void fail(const char* what, const char* detail) {
  fputs("{\"error\":", json_out);
  char msg[1024];
  snprintf(msg, sizeof msg, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
  json_string(msg, strlen(msg));
  fputs("}\n", json_out);
  fflush(json_out);
  exit(2);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Reads what is there; returns 0 at end of file. */
static int drain(struct buffer* b) {
  if (b->fd < 0) return 0;
  char chunk[4096];
  ssize_t n = read(b->fd, chunk, sizeof chunk);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
  if (n <= 0) {
    close(b->fd);
    b->fd = -1;
    return 0;
  }
  size_t keep = (size_t)n;
  if (keep > CAPTURE - 1 - b->len) keep = CAPTURE - 1 - b->len;
  memcpy(b->data + b->len, chunk, keep);
  b->len += keep;
  b->data[b->len] = '\0';
  return 1;
}

static void poll_buffers(struct buffer* bufs, int n, int timeout_ms) {
  struct pollfd pfd[3];
  for (int i = 0; i < n; i++) pfd[i] = (struct pollfd){.fd = bufs[i].fd, .events = POLLIN};
  if (poll(pfd, (nfds_t)n, timeout_ms) <= 0) return;
  for (int i = 0; i < n; i++) {
    if (pfd[i].revents) drain(&bufs[i]);
  }
}

/* Program fds 1, 2, 3 become pipes into bufs; the driver's own stdout and stderr move out of the way. */
static void make_pipes(struct buffer* bufs, int write_ends[3]) {
  for (int i = 0; i < 3; i++) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) fail("pipe", strerror(errno));
    bufs[i].fd = fcntl(p[0], F_DUPFD_CLOEXEC, 10);
    write_ends[i] = fcntl(p[1], F_DUPFD_CLOEXEC, 10);
    close(p[0]);
    close(p[1]);
    bufs[i].len = 0;
    bufs[i].data[0] = '\0';
    fcntl(bufs[i].fd, F_SETFL, O_NONBLOCK);
  }
}

static pid_t spawn(ns_sandbox_config* cfg, char** argv, struct buffer* bufs) {
  int write_ends[3];
  make_pipes(bufs, write_ends);
  int saved_err = fcntl(2, F_DUPFD_CLOEXEC, 10);
  for (int i = 0; i < 3; i++) {
    if (dup2(write_ends[i], i + 1) != i + 1) fail("dup2", strerror(errno));
  }
  static const int keep[] = {1, 2, 3};
  cfg->keep_fds = keep;
  cfg->nkeep = 3;
  char err[512];
  pid_t pid = ns_sandbox_spawn(cfg, argv, err, sizeof err);
  dup2(saved_err, 2);
  close(saved_err);
  close(1);
  close(3);
  for (int i = 0; i < 3; i++) close(write_ends[i]);
  if (pid < 0) fail("spawn", err);
  return pid;
}

static void run_mode(pid_t pid, struct buffer* bufs, long long timeout_ms) {
  long long deadline = now_ms() + timeout_ms;
  int threads_max = 0, timed_out = 0;
  siginfo_t si;
  for (;;) {
    int t = ns_sandbox_threads(pid);
    if (t > threads_max) threads_max = t;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) break;
    if (now_ms() > deadline && !timed_out) {
      timed_out = 1;
      kill(pid, SIGKILL);
    }
    poll_buffers(bufs, 3, 5);
  }
  long long cpu = ns_sandbox_cpu_ns(pid);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  /* PID 1 is gone and with it every process that could hold the pipes: they end now. */
  while (bufs[0].fd >= 0 || bufs[1].fd >= 0 || bufs[2].fd >= 0) poll_buffers(bufs, 3, 100);
  const char* violation = strstr(bufs[2].data, "sandbox_violation");
  size_t vlen = violation ? strcspn(violation, "\n") : 0;
  fprintf(json_out, "{\"pid\":%d,", (int)pid);
  if (WIFEXITED(status)) fprintf(json_out, "\"exit\":%d,\"signal\":null,", WEXITSTATUS(status));
  else fprintf(json_out, "\"exit\":null,\"signal\":%d,", WTERMSIG(status));
  fputs("\"violation\":", json_out);
  if (violation) json_string(violation, vlen);
  else fputs("null", json_out);
  fputs(",\"report\":", json_out);
  json_string(bufs[2].data, bufs[2].len);
  fputs(",\"stdout\":", json_out);
  json_string(bufs[0].data, bufs[0].len);
  fputs(",\"stderr\":", json_out);
  json_string(bufs[1].data, bufs[1].len);
  fprintf(json_out, ",\"threads_max\":%d,\"cpu_ns\":%lld,\"timed_out\":%s}\n", threads_max, cpu,
          timed_out ? "true" : "false");
  fflush(json_out);
}

static char thread_state(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE* f = fopen(path, "re");
  if (!f) return '?';
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char* paren = strrchr(buf, ')');
  return paren && paren[1] == ' ' ? paren[2] : '?';
}

static void stop_mode(pid_t pid, struct buffer* bufs, long long timeout_ms) {
  long long deadline = now_ms() + timeout_ms;
  while (!strstr(bufs[0].data, "ready")) {
    if (now_ms() > deadline || bufs[0].fd < 0) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      fail("the program never printed ready", bufs[1].data);
    }
    poll_buffers(bufs, 3, 10);
  }
  int threads = ns_sandbox_threads(pid);
  kill(pid, SIGUSR2); /* blocked by the program: it stays pending */
  unsigned long long pending = 0, caught = 0;
  ns_sandbox_signal_state(pid, &pending, &caught);
  int stop_rc = ns_sandbox_stop(pid);
  char state = thread_state(pid);
  long long a = ns_sandbox_cpu_ns(pid);
  sleep_ms(300);
  long long b = ns_sandbox_cpu_ns(pid);
  int cont_rc = ns_sandbox_cont(pid);
  sleep_ms(300);
  long long c = ns_sandbox_cpu_ns(pid);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  fprintf(json_out,
          "{\"pid\":%d,\"threads\":%d,\"pending\":%llu,\"caught\":%llu,\"stop_rc\":%d,\"cont_rc\":%d,"
          "\"state\":\"%c\",\"stopped_delta_ns\":%lld,\"running_delta_ns\":%lld}\n",
          (int)pid, threads, pending, caught, stop_rc, cont_rc, state, b - a, c - b);
  fflush(json_out);
}

static int parse_list(const char* s, int* out) {
  int n = 0;
  for (char* end; *s && n < MAX_ITEMS; s = *end ? end + 1 : end) out[n++] = (int)strtol(s, &end, 10);
  return n;
}

int main(int argc, char** argv) {
  int out_fd = fcntl(1, F_DUPFD_CLOEXEC, 10);
  json_out = fdopen(out_fd, "w");
  if (!json_out) return 2;
  if (argc == 2 && strcmp(argv[1], "--available") == 0) {
    char why[512] = "";
    int ok = ns_sandbox_available(why, sizeof why);
    fprintf(json_out, "{\"available\":%s,\"why\":", ok ? "true" : "false");
    json_string(why, strlen(why));
    fputs("}\n", json_out);
    return 0;
  }
  static int cpus[MAX_ITEMS];
  static char* env[MAX_ITEMS + 1];
  int nenv = 0;
  ns_sandbox_config cfg;
  memset(&cfg, 0, sizeof cfg);
  const char* mode = "run";
  long long timeout_ms = 60000;
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (i + 1 >= argc) fail("missing value for", argv[i]);
    const char* v = argv[++i];
    const char* flag = argv[i - 1];
    if (strcmp(flag, "--workdir") == 0) cfg.workdir = v;
    else if (strcmp(flag, "--cpus") == 0) cfg.ncpus = parse_list(v, cpus), cfg.cpus = cpus;
    else if (strcmp(flag, "--as-bytes") == 0) cfg.address_space_bytes = strtoull(v, NULL, 10);
    else if (strcmp(flag, "--cpu-seconds") == 0) cfg.cpu_seconds = strtoull(v, NULL, 10);
    else if (strcmp(flag, "--nproc") == 0) cfg.max_processes = atoi(v);
    else if (strcmp(flag, "--env") == 0 && nenv < MAX_ITEMS) env[nenv++] = (char*)v;
    else if (strcmp(flag, "--mode") == 0) mode = v;
    else if (strcmp(flag, "--timeout-ms") == 0) timeout_ms = atoll(v);
    else fail("unknown option", flag);
  }
  if (i >= argc) fail("no program", NULL);
  env[nenv] = NULL;
  cfg.envp = env;
  static struct buffer bufs[3];
  pid_t pid = spawn(&cfg, argv + i, bufs);
  if (strcmp(mode, "stop") == 0) {
    stop_mode(pid, bufs, timeout_ms);
    return 0;
  }
  if (strcmp(mode, "hold") == 0) {
    fprintf(json_out, "{\"spawned\":%d}\n", (int)pid);
    fflush(json_out);
  }
  run_mode(pid, bufs, timeout_ms);
  return 0;
}
