/* Child side of ns_sandbox_spawn, from clone to execve. Only system calls and memory from the plan: the
 * caller may be multi-threaded, so locks held by its other threads (malloc, stdio) must never be touched,
 * and glibc wrappers that coordinate threads (setresuid, setgroups) are bypassed with raw system calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox_internal.h"

#ifndef SYS_close_range
#define SYS_close_range 436 /* the same number on every architecture */
#endif

size_t ns_str_append(char* buf, size_t size, size_t at, const char* s) {
  while (*s && at + 1 < size) buf[at++] = *s++;
  if (at < size) buf[at] = '\0';
  return at;
}

static size_t append_uint(char* buf, size_t size, size_t at, unsigned long long v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n > 0 && at + 1 < size) buf[at++] = digits[--n];
  if (at < size) buf[at] = '\0';
  return at;
}

void ns_fd_path(char buf[40], int fd) {
  size_t at = ns_str_append(buf, 40, 0, "/proc/self/fd/");
  append_uint(buf, 40, at, (unsigned)fd);
}

void ns_child_fail(const struct ns_plan* p, const char* what, const char* detail, int err) {
  char msg[512];
  size_t at = ns_str_append(msg, sizeof msg, 0, what);
  if (detail) {
    at = ns_str_append(msg, sizeof msg, at, " ");
    at = ns_str_append(msg, sizeof msg, at, detail);
  }
  at = ns_str_append(msg, sizeof msg, at, ": ");
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  /* Unlike strerror, never allocates or consults the locale. */
  const char* text = strerrordesc_np(err);
  if (text) {
    at = ns_str_append(msg, sizeof msg, at, text);
  } else
#endif
  {
    at = ns_str_append(msg, sizeof msg, at, "errno ");
    at = append_uint(msg, sizeof msg, at, (unsigned)err);
  }
  if (write(p->errfd, msg, at) < 0) {
    /* Nobody to tell. */
  }
  _exit(127);
}

/* PR_SET_PDEATHSIG only covers a parent that dies after the call; this covers one that died before it. */
static void exit_if_orphaned(const struct ns_plan* p) {
  struct pollfd pfd = {.fd = p->parent_pidfd, .events = POLLIN};
  if (p->parent_pidfd < 0) pfd = (struct pollfd){.fd = p->errfd, .events = 0};
  if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) _exit(127);
}

static void arm_parent_death(const struct ns_plan* p) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) ns_child_fail(p, "PR_SET_PDEATHSIG", NULL, errno);
  exit_if_orphaned(p);
}

static void reset_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  /* An ignored signal stays ignored across execve; the caller's choices must not leak into the program. */
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &sa, NULL);
  }
}

static void write_file(const struct ns_plan* p, const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) ns_child_fail(p, "open", path, errno);
  size_t n = strlen(text);
  if (write(fd, text, n) != (ssize_t)n) ns_child_fail(p, "write", path, errno);
  close(fd);
}

static void map_ids(const struct ns_plan* p) {
  /* Required before an unprivileged gid_map; it also means the caller's groups cannot be dropped. */
  write_file(p, "/proc/self/setgroups", "deny");
  char line[64];
  size_t at = ns_str_append(line, sizeof line, 0, "65534 ");
  at = append_uint(line, sizeof line, at, p->host_uid);
  ns_str_append(line, sizeof line, at, " 1\n");
  write_file(p, "/proc/self/uid_map", line);
  at = ns_str_append(line, sizeof line, 0, "65534 ");
  at = append_uint(line, sizeof line, at, p->host_gid);
  ns_str_append(line, sizeof line, at, " 1\n");
  write_file(p, "/proc/self/gid_map", line);
}

static void set_limit(const struct ns_plan* p, int resource, unsigned long long value, const char* name) {
  struct rlimit now;
  if (getrlimit(resource, &now) != 0) ns_child_fail(p, "getrlimit", name, errno);
  /* Never above the hard limit we were given: raising it needs CAP_SYS_RESOURCE. */
  if (now.rlim_max != RLIM_INFINITY && value > now.rlim_max) value = now.rlim_max;
  struct rlimit rl = {.rlim_cur = value, .rlim_max = value};
  if (setrlimit(resource, &rl) != 0) ns_child_fail(p, "setrlimit", name, errno);
}

static void drop_privileges(const struct ns_plan* p) {
  for (unsigned long cap = 0; cap < 64; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break; /* past the last capability this kernel knows */
      ns_child_fail(p, "drop from the bounding set a capability", NULL, errno);
    }
  }
  if (!p->userns && syscall(SYS_setgroups, 0, NULL) != 0) ns_child_fail(p, "setgroups", NULL, errno);
  if (syscall(SYS_setresgid, NS_SANDBOX_ID, NS_SANDBOX_ID, NS_SANDBOX_ID) != 0) ns_child_fail(p, "setresgid", NULL, errno);
  if (syscall(SYS_setresuid, NS_SANDBOX_ID, NS_SANDBOX_ID, NS_SANDBOX_ID) != 0) ns_child_fail(p, "setresuid", NULL, errno);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    ns_child_fail(p, "clear ambient capabilities", NULL, errno);
  /* In a user namespace the uid did not change, so the kernel kept our capabilities: clear them. */
  struct __user_cap_header_struct head = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capset, &head, data) != 0) ns_child_fail(p, "capset", NULL, errno);
  if (getuid() != NS_SANDBOX_ID || geteuid() != NS_SANDBOX_ID || getgid() != NS_SANDBOX_ID || getegid() != NS_SANDBOX_ID)
    ns_child_fail(p, "switch to uid 65534", NULL, EPERM);
}

/* Insertion sort: qsort may allocate. */
static void sort_fds(int* fds, int n) {
  for (int i = 1; i < n; i++) {
    int v = fds[i], j = i;
    for (; j > 0 && fds[j - 1] > v; j--) fds[j] = fds[j - 1];
    fds[j] = v;
  }
}

static void close_between(const struct ns_plan* p, unsigned lo, unsigned hi) {
  if (lo > hi) return;
  if (syscall(SYS_close_range, lo, hi, 0) == 0) return;
  if (errno != ENOSYS) ns_child_fail(p, "close_range", NULL, errno);
  struct rlimit rl;
  unsigned top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (1u << 20) ? (unsigned)rl.rlim_cur : 1u << 20;
  for (unsigned fd = lo; fd <= hi && fd < top; fd++) close((int)fd);
}

static void setup_fds(const struct ns_plan* p) {
  int keep[64 + 4];
  int n = 0;
  for (int i = 0; i < p->nkeep; i++) {
    if (fcntl(p->keep[i], F_SETFD, 0) != 0) ns_child_fail(p, "keep fd", NULL, errno);
    keep[n++] = p->keep[i];
  }
  int null_fd = -1;
  for (int std = 0; std <= 2; std++) {
    int kept = 0;
    for (int i = 0; i < p->nkeep; i++) kept |= p->keep[i] == std;
    if (kept) continue;
    /* Never left closed: the program's next open would become its stdout. */
    if (null_fd < 0) null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) ns_child_fail(p, "open /dev/null", NULL, errno);
    if (null_fd == std) {
      if (fcntl(std, F_SETFD, 0) != 0) ns_child_fail(p, "fcntl /dev/null", NULL, errno);
    } else if (dup2(null_fd, std) != std) {
      ns_child_fail(p, "dup2 /dev/null", NULL, errno);
    }
    keep[n++] = std;
  }
  keep[n++] = p->errfd; /* close-on-exec: it closes exactly when execve succeeds */
  sort_fds(keep, n);
  unsigned lo = 0;
  for (int i = 0; i < n; i++) {
    if ((unsigned)keep[i] > lo) close_between(p, lo, (unsigned)keep[i] - 1);
    if ((unsigned)keep[i] + 1 > lo) lo = (unsigned)keep[i] + 1;
  }
  close_between(p, lo, ~0u);
}

static void exec_program(const struct ns_plan* p) {
  static char* const no_env[] = {NULL};
  char* const* envp = p->envp ? p->envp : no_env;
  const char* prog = p->argv[0];
  if (strchr(prog, '/')) {
    execve(prog, p->argv, envp);
    ns_child_fail(p, "execve", prog, errno);
  }
  int saved = ENOENT;
  const char* dir = p->search_path;
  for (;;) {
    const char* colon = strchr(dir, ':');
    size_t len = colon ? (size_t)(colon - dir) : strlen(dir);
    char path[PATH_MAX];
    size_t at = 0;
    if (len == 0) {
      at = ns_str_append(path, sizeof path, 0, ".");
    } else if (len < sizeof path) {
      memcpy(path, dir, len);
      path[len] = '\0';
      at = len;
    }
    at = ns_str_append(path, sizeof path, at, "/");
    ns_str_append(path, sizeof path, at, prog);
    execve(path, p->argv, envp);
    if (errno != ENOENT && errno != ENOTDIR) saved = errno;
    if (!colon) break;
    dir = colon + 1;
  }
  ns_child_fail(p, "execve", prog, saved);
}

void ns_child_run(const struct ns_plan* p) {
  reset_signals();
  arm_parent_death(p);
  if (p->userns) map_ids(p);
  ns_child_make_root(p);
  /* The host's name is of no use inside and would let the program tell hosts apart. */
  if (sethostname("sandbox", 7) != 0) ns_child_fail(p, "sethostname", NULL, errno);
  if (setsid() < 0) ns_child_fail(p, "setsid", NULL, errno);
  if (p->as_bytes) set_limit(p, RLIMIT_AS, p->as_bytes, "RLIMIT_AS");
  if (p->cpu_seconds) set_limit(p, RLIMIT_CPU, p->cpu_seconds, "RLIMIT_CPU");
  set_limit(p, RLIMIT_CORE, 0, "RLIMIT_CORE");
  if (p->cpus && sched_setaffinity(0, p->cpus_size, p->cpus) != 0) ns_child_fail(p, "sched_setaffinity", NULL, errno);
  drop_privileges(p);
  /* Counted per real uid, so only meaningful where 65534 is a real uid of its own. */
  if (p->max_processes > 0 && !p->userns) set_limit(p, RLIMIT_NPROC, (unsigned long long)p->max_processes, "RLIMIT_NPROC");
  /* Changing the euid cleared the parent-death signal: set it again, and look again for a parent gone. */
  arm_parent_death(p);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ns_child_fail(p, "PR_SET_NO_NEW_PRIVS", NULL, errno);
  setup_fds(p);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  exec_program(p);
  _exit(127);
}
