/* A host that cannot build the sandbox must be detected before untrusted code is run, not after. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

static int wait_status(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

static int seccomp_works(char* why, size_t n) {
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(why, n, "fork: %s", strerror(errno));
    return 0;
  }
  if (pid == 0) {
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog prog = {.len = 1, .filter = &allow};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(2);
    _exit(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 0 : 3);
  }
  int status = wait_status(pid);
  if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    snprintf(why, n, "seccomp filters cannot be installed here (%s)",
             WIFEXITED(status) && WEXITSTATUS(status) == 2 ? "PR_SET_NO_NEW_PRIVS failed" : "seccomp() failed");
    return 0;
  }
  return 1;
}

int ns_sandbox_available(char* why, size_t n) {
  char err[512];
  char* argv[] = {"/bin/true", NULL};
  ns_sandbox_config cfg;
  memset(&cfg, 0, sizeof cfg);
  pid_t pid = ns_sandbox_spawn(&cfg, argv, err, sizeof err);
  if (pid < 0) {
    snprintf(why, n, "%s", err);
    return 0;
  }
  int status = wait_status(pid);
  if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    snprintf(why, n, "/bin/true in the sandbox did not exit 0 (wait status %d)", status);
    return 0;
  }
  return seccomp_works(why, n);
}
