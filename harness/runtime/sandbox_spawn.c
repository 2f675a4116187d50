/* Parent side of ns_sandbox_spawn: clone into the new namespaces and wait until the child has either
 * executed the program or said why it could not. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox_internal.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same number on every architecture */
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

uid_t ns_sandbox_host_uid(void) {
  return geteuid() == 0 ? (uid_t)NS_SANDBOX_ID : geteuid();
}

static ssize_t read_all(int fd, char* buf, size_t size) {
  size_t got = 0;
  while (got + 1 < size) {
    ssize_t n = read(fd, buf + got, size - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += (size_t)n;
  }
  buf[got] = '\0';
  return (ssize_t)got;
}

static void reap(pid_t pid) {
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
}

pid_t ns_sandbox_spawn(const ns_sandbox_config* cfg, char* const argv[], char* err, size_t errlen) {
  struct ns_plan plan;
  if (ns_plan_build(&plan, cfg, argv, err, errlen) != 0) return -1;
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    ns_plan_free(&plan);
    return -1;
  }
  plan.errfd = pipefd[1];
  plan.parent_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
  if (plan.userns) flags |= CLONE_NEWUSER;
  /* Until the child has reset every disposition, a signal must not run the caller's handlers in it. */
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  /* Raw clone without a new stack behaves like fork: the child runs on a copy of this stack. */
  pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) ns_child_run(&plan);
  int clone_errno = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  close(pipefd[1]);
  if (plan.parent_pidfd >= 0) close(plan.parent_pidfd);
  int userns = plan.userns;
  ns_plan_free(&plan);
  if (pid < 0) {
    close(pipefd[0]);
    snprintf(err, errlen, "clone into new namespaces: %s%s", strerror(clone_errno),
             userns && (clone_errno == EPERM || clone_errno == ENOSPC || clone_errno == EINVAL)
                 ? " (are unprivileged user namespaces disabled?)"
                 : "");
    return -1;
  }
  char msg[512];
  ssize_t n = read_all(pipefd[0], msg, sizeof msg);
  close(pipefd[0]);
  if (n > 0) {
    reap(pid);
    snprintf(err, errlen, "sandbox setup failed: %s", msg);
    return -1;
  }
  if (n < 0) {
    snprintf(err, errlen, "reading from the sandbox child: %s", strerror(errno));
    kill(pid, SIGKILL);
    reap(pid);
    return -1;
  }
  return pid;
}
