/* Attacks that try to start or reach other processes, or to leave something running after the run. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

extern char** environ;

static void spin_forever(void) {
  for (volatile unsigned long i = 0;; i++) {
  }
}

static int do_fork(int argc, char** argv) {
  (void)argc, (void)argv;
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  return ns_not_refused("fork", pid);
}

/* A child in its own session, meant to outlive the run; without lockdown it shows that PID 1's death
 * takes it along ("spin": the parent spins too, for a test that kills the monitor instead). */
static int fork_setsid(int argc, char** argv) {
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    spin_forever();
  }
  if (pid < 0) return ns_not_refused("fork (failed)", pid);
  printf("child %d\n", (int)pid);
  fflush(stdout);
  if (argc > 0 && argv[0][0] == 's') spin_forever();
  return 0;
}

static int clone_sigchld(int argc, char** argv) {
  (void)argc, (void)argv;
  long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) _exit(0);
  return ns_not_refused("clone(SIGCHLD)", pid);
}

/* The system call instruction itself, so no libc wrapper or symbol check is involved. */
static int clone_asm(int argc, char** argv) {
  (void)argc, (void)argv;
  long ret;
#if defined(__x86_64__)
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"((long)SYS_clone), "D"((long)SIGCHLD), "S"(0L), "d"(0L)
                   : "rcx", "r11", "r10", "r8", "r9", "memory");
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = SYS_clone;
  register long x0 __asm__("x0") = SIGCHLD;
  register long x1 __asm__("x1") = 0;
  register long x2 __asm__("x2") = 0;
  register long x3 __asm__("x3") = 0;
  register long x4 __asm__("x4") = 0;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory", "cc");
  ret = x0;
#endif
  if (ret == 0) syscall(SYS_exit_group, 0);
  return ns_not_refused("clone via the syscall instruction", ret);
}

static int fork_raw(int argc, char** argv) {
  (void)argc, (void)argv;
#ifdef SYS_fork
  long pid = syscall(SYS_fork);
  if (pid == 0) _exit(0);
  return ns_not_refused("fork syscall", pid);
#else
  return ns_not_refused("fork syscall (this architecture has none)", -1);
#endif
}

static int do_vfork(int argc, char** argv) {
  (void)argc, (void)argv;
  pid_t pid = vfork();
  if (pid == 0) _exit(0);
  return ns_not_refused("vfork", pid);
}

static int do_execve(int argc, char** argv) {
  (void)argc, (void)argv;
  char* args[] = {"/bin/sh", "-c", "echo escaped", NULL};
  execve(args[0], args, environ);
  return ns_not_refused("execve", -1);
}

static int do_execveat(int argc, char** argv) {
  (void)argc, (void)argv;
  char* args[] = {"/bin/sh", NULL};
  long rc = syscall(SYS_execveat, -100 /* AT_FDCWD */, "/bin/sh", args, environ, 0);
  return ns_not_refused("execveat", rc);
}

static int do_system(int argc, char** argv) {
  (void)argc, (void)argv;
  int rc = system("echo escaped");
  return ns_not_refused("system", rc);
}

static int do_posix_spawn(int argc, char** argv) {
  (void)argc, (void)argv;
  pid_t pid;
  char* args[] = {"/bin/sh", "-c", "echo escaped", NULL};
  int rc = posix_spawn(&pid, args[0], NULL, NULL, args, environ);
  return ns_not_refused("posix_spawn", rc);
}

static int kill_init(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("kill(1)", kill(1, SIGKILL));
}

static int kill_all(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("kill(-1)", kill(-1, SIGKILL));
}

static int do_ptrace(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("ptrace", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
}

static int vm_writev(int argc, char** argv) {
  (void)argc, (void)argv;
  static char target[16], source[16] = "overwritten";
  struct iovec local = {source, sizeof source}, remote = {target, sizeof target};
  return ns_not_refused("process_vm_writev", process_vm_writev(getpid(), &local, 1, &remote, 1, 0));
}

static int do_unshare(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("unshare", unshare(CLONE_NEWUSER));
}

static int do_mount(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("mount", mount("none", "/work", "tmpfs", 0, NULL));
}

static int do_setns(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("setns", setns(0, 0));
}

static int do_personality(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("personality", personality(READ_IMPLIES_EXEC));
}

static int do_prctl(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("prctl", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
}

static int set_affinity(int argc, char** argv) {
  (void)argc, (void)argv;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  return ns_not_refused("sched_setaffinity", sched_setaffinity(0, sizeof set, &set));
}

/* getpid through the x32 ABI: the same kernel entry, numbers with bit 30 set. */
static int x32_syscall(int argc, char** argv) {
  (void)argc, (void)argv;
#if defined(__x86_64__)
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(0x40000000L | SYS_getpid) : "rcx", "r11", "memory");
  return ns_not_refused("x32 getpid", ret);
#else
  return ns_not_refused("x32 getpid (x86-64 only)", -1);
#endif
}

/* Without lockdown: says whether a child process could be started ("fork: ok" or the errno name). */
static int fork_probe(int argc, char** argv) {
  (void)argc, (void)argv;
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  if (pid > 0) waitpid(pid, NULL, 0);
  printf("fork: %s\n", pid > 0 ? "ok" : strerrorname_np(errno));
  return 0;
}

static int do_abort(int argc, char** argv) {
  (void)argc, (void)argv;
  abort();
}

const struct attack ns_attacks[] = {
    {"fork", do_fork, NULL},
    {"fork_setsid", fork_setsid, NULL},
    {"clone_sigchld", clone_sigchld, NULL},
    {"clone_asm", clone_asm, NULL},
    {"fork_raw", fork_raw, NULL},
    {"vfork", do_vfork, NULL},
    {"execve", do_execve, NULL},
    {"execveat", do_execveat, NULL},
    {"system", do_system, NULL},
    {"posix_spawn", do_posix_spawn, NULL},
    {"kill_init", kill_init, NULL},
    {"kill_all", kill_all, NULL},
    {"ptrace", do_ptrace, NULL},
    {"process_vm_writev", vm_writev, NULL},
    {"unshare", do_unshare, NULL},
    {"mount", do_mount, NULL},
    {"setns", do_setns, NULL},
    {"personality", do_personality, NULL},
    {"prctl", do_prctl, NULL},
    {"sched_setaffinity", set_affinity, NULL},
    {"x32_syscall", x32_syscall, NULL},
    {"fork_probe", fork_probe, NULL},
    {"abort", do_abort, NULL},
    {NULL, NULL, NULL},
};
