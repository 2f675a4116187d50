/* sandbox_exec: runs one whole command (a compiler on untrusted source, say) in the sandbox, without a
 * seccomp filter since such commands exec helpers, but with the same namespaces, read-only system, one
 * writable directory, no network and a wall-clock limit.
 *
 *   sandbox_exec --workdir DIR [--own-workdir] [--gpu] [--ro PATH]... [--cpus 0,2-3] [--as-bytes N]
 *                [--time-limit-ms N] [--env K=V]... -- argv...
 *   sandbox_exec --probe
 *
 * --own-workdir hands DIR to the sandbox's user first (on the root path the program runs as uid 65534 and
 * must be able to write its outputs there); --gpu lets the program reach the GPU's device files (CUDA runs).
 * --probe says whether a sandbox can be made on this host: exit 0, or 125 with the reason.
 *
 * The environment is only the --env pairs, plus PATH=/usr/local/bin:/usr/bin:/bin when none sets PATH.
 * Exit status: the program's, or 128+signal when it was killed; 124 when the time limit killed it; 125 with
 * one line "sandbox_exec: <reason>" on stderr when the sandbox could not be set up. SIGTERM, SIGINT and
 * SIGHUP kill the sandbox (then exit 128+that signal), and sandbox_exec dies with its parent. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

enum { MAX_LIST = 256 };

struct options {
  const char* workdir;
  int own_workdir;
  int gpu;
  const char* ro[MAX_LIST];
  int nro;
  int cpus[MAX_LIST];
  int ncpus;
  unsigned long long as_bytes;
  long long time_limit_ms;
  char* env[MAX_LIST];
  int nenv;
  char** argv;
};

__attribute__((noreturn)) static void die(const char* fmt, const char* arg) {
  fprintf(stderr, "sandbox_exec: ");
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  exit(125);
}

static unsigned long long parse_number(const char* s, const char* flag) {
  char* end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || s[0] == '-') die("bad number for %s", flag);
  return v;
}

static void parse_cpus(struct options* o, const char* spec) {
  const char* s = spec;
  while (*s) {
    char* end;
    long lo = strtol(s, &end, 10), hi = lo;
    if (end == s || lo < 0) die("bad --cpus list: %s", spec);
    if (*end == '-') {
      s = end + 1;
      hi = strtol(s, &end, 10);
      if (end == s || hi < lo) die("bad --cpus list: %s", spec);
    }
    for (long c = lo; c <= hi; c++) {
      if (o->ncpus == MAX_LIST) die("too many cpus in %s", spec);
      o->cpus[o->ncpus++] = (int)c;
    }
    if (*end == ',') end++;
    else if (*end) die("bad --cpus list: %s", spec);
    s = end;
  }
}

static void parse(struct options* o, int argc, char** argv) {
  int i = 1;
  for (; i < argc; i++) {
    const char* a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "--own-workdir") == 0) {
      o->own_workdir = 1;
      continue;
    }
    if (strcmp(a, "--gpu") == 0) {
      o->gpu = 1;
      continue;
    }
    if (i + 1 >= argc) die("missing value for %s", a);
    const char* v = argv[++i];
    if (strcmp(a, "--workdir") == 0) {
      o->workdir = v;
    } else if (strcmp(a, "--ro") == 0) {
      if (o->nro == MAX_LIST) die("too many %s", a);
      o->ro[o->nro++] = v;
    } else if (strcmp(a, "--cpus") == 0) {
      parse_cpus(o, v);
    } else if (strcmp(a, "--as-bytes") == 0) {
      o->as_bytes = parse_number(v, a);
    } else if (strcmp(a, "--time-limit-ms") == 0) {
      o->time_limit_ms = (long long)parse_number(v, a);
    } else if (strcmp(a, "--env") == 0) {
      if (!strchr(v, '=')) die("--env wants K=V, got %s", v);
      if (o->nenv == MAX_LIST - 2) die("too many %s", a);
      o->env[o->nenv++] = (char*)v;
    } else {
      die("unknown option %s (usage: sandbox_exec --workdir DIR [--own-workdir] [--gpu] [--ro PATH]... "
          "[--cpus LIST] [--as-bytes N] [--time-limit-ms N] [--env K=V]... -- argv...)", a);
    }
  }
  if (!o->workdir) die("%s", "--workdir is required");
  if (i >= argc) die("%s", "no command after --");
  o->argv = argv + i;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 125;
}

static void kill_and_reap(pid_t pid) {
  /* PID 1 of its namespace: everything inside dies with it before waitpid returns. */
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
}

static int supervise(pid_t pid, const sigset_t* watched, long long time_limit_ms) {
  long long deadline = time_limit_ms ? now_ms() + time_limit_ms : 0;
  for (;;) {
    int status;
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) return exit_code(status);
    if (w < 0 && errno != EINTR) die("waitpid: %s", strerror(errno));
    struct timespec wait = {1, 0};
    if (deadline) {
      long long left = deadline - now_ms();
      if (left <= 0) {
        kill_and_reap(pid);
        return 124;
      }
      if (left < 1000) wait = (struct timespec){0, (long)(left * 1000000)};
    }
    siginfo_t info;
    int sig = sigtimedwait(watched, &info, &wait);
    if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
      kill_and_reap(pid);
      return 128 + sig;
    }
  }
}

int main(int argc, char** argv) {
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) die("PR_SET_PDEATHSIG: %s", strerror(errno));
  if (getppid() != parent) return 125; /* the parent died before the call took effect */
  if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
    char why[512];
    if (ns_sandbox_available(why, sizeof why)) return 0;
    die("%s", why);
  }
  static struct options o;
  parse(&o, argc, argv);
  if (o.own_workdir && ns_sandbox_own(o.workdir) != 0) die("cannot hand the workdir to the sandbox user: %s", strerror(errno));

  const char* ro[2 * MAX_LIST];
  int nro = 0;
  /* An explicit list is strict about missing paths; the defaults are only those this host has. */
  struct stat st;
  for (int i = 0; ns_sandbox_default_ro[i]; i++) {
    if (stat(ns_sandbox_default_ro[i], &st) == 0) ro[nro++] = ns_sandbox_default_ro[i];
  }
  for (int i = 0; i < o.nro; i++) ro[nro++] = o.ro[i];
  ro[nro] = NULL;
  /* Compiler drivers find their assembler and linker through PATH. */
  int has_path = 0;
  for (int i = 0; i < o.nenv; i++) has_path |= strncmp(o.env[i], "PATH=", 5) == 0;
  if (!has_path) o.env[o.nenv++] = "PATH=/usr/local/bin:/usr/bin:/bin";
  o.env[o.nenv] = NULL;
  int keep[3], nkeep = 0;
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) >= 0) keep[nkeep++] = fd;
  }

  /* Blocked before the spawn so none is lost; the sandboxed child unblocks them before execve. */
  sigset_t watched;
  sigemptyset(&watched);
  sigaddset(&watched, SIGCHLD);
  sigaddset(&watched, SIGTERM);
  sigaddset(&watched, SIGINT);
  sigaddset(&watched, SIGHUP);
  sigprocmask(SIG_BLOCK, &watched, NULL);

  ns_sandbox_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.workdir = o.workdir;
  cfg.ro_paths = ro;
  cfg.cpus = o.cpus;
  cfg.ncpus = o.ncpus;
  cfg.address_space_bytes = o.as_bytes;
  cfg.keep_fds = keep;
  cfg.nkeep = nkeep;
  cfg.envp = o.env;
  cfg.allow_dev_gpu = o.gpu;
  char err[512];
  pid_t pid = ns_sandbox_spawn(&cfg, o.argv, err, sizeof err);
  if (pid < 0) die("%s", err);
  return supervise(pid, &watched, o.time_limit_ms);
}
