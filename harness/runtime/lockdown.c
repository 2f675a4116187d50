/* ns_lockdown: the last thing trusted code does before untrusted code runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lockdown_internal.h"

/* A fixed size: SIGSTKSZ is no longer a constant in recent glibc, and the handler needs little. */
static char sigsys_stack[64 * 1024] __attribute__((aligned(64)));

/* 1 when no mapping is both writable and executable and reads do not imply exec, 0 when one is, -1 with
 * errno when that cannot be read. */
static int code_is_fixed(void) {
  int persona = personality(0xffffffff);
  if (persona == -1) return -1;
  if (persona & READ_IMPLIES_EXEC) return 0;
  FILE* maps = fopen("/proc/self/maps", "re");
  if (!maps) return -1;
  char* line = NULL;
  size_t cap = 0;
  int ok = 1;
  while (ok && getline(&line, &cap, maps) > 0) {
    const char* perms = strchr(line, ' ');
    if (perms && perms[1] && perms[2] && perms[3] && perms[2] == 'w' && perms[3] == 'x') ok = 0;
  }
  free(line);
  fclose(maps);
  return ok;
}

static int install_handler(void) {
  stack_t ss = {.ss_sp = sigsys_stack, .ss_size = sizeof sigsys_stack, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0) return -1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = ns_lockdown_on_sigsys;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigfillset(&sa.sa_mask);
  if (sigaction(SIGSYS, &sa, NULL) != 0) return -1;
  /* A blocked SIGSYS would make the kernel kill instead of report. */
  sigset_t sys;
  sigemptyset(&sys);
  sigaddset(&sys, SIGSYS);
  return sigprocmask(SIG_UNBLOCK, &sys, NULL);
}

int ns_lockdown(ns_policy policy, int report_fd) {
  struct sock_filter insns[NS_LOCKDOWN_MAX_INSNS];
  int len = ns_lockdown_build(policy, (int)getpid(), insns, NS_LOCKDOWN_MAX_INSNS);
  if (len < 0) {
    errno = EINVAL;
    return -1;
  }
  int fixed = code_is_fixed();
  if (fixed <= 0) {
    if (fixed == 0) errno = EPERM;
    return -1;
  }
  if (report_fd >= 0) {
    int flags = fcntl(report_fd, F_GETFL);
    if (flags < 0 || fcntl(report_fd, F_SETFL, flags | O_NONBLOCK) != 0) return -1;
  }
  ns_lockdown_set_report_fd(report_fd);
  if (install_handler() != 0) return -1;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  struct sock_fprog prog = {.len = (unsigned short)len, .filter = insns};
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
  if (rc > 0) {
    /* rc names a thread that could not be synchronised: the filter was not installed anywhere. */
    errno = EBUSY;
    return -1;
  }
  return rc == 0 ? 0 : -1;
}
