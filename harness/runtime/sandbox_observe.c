/* Monitor-side views of a sandboxed program, all from outside it: nothing here reads what the program
 * could have written. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

/* 1 when every thread is stopped (or gone), 0 when one still runs, -1 when the process is gone. */
static int all_threads_stopped(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR* d = opendir(path);
  if (!d) return -1;
  int seen = 0, stopped = 1;
  struct dirent* e;
  while (stopped && (e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char stat_path[320], buf[512];
    snprintf(stat_path, sizeof stat_path, "/proc/%d/task/%s/stat", (int)pid, e->d_name);
    FILE* f = fopen(stat_path, "re");
    if (!f) continue; /* the thread exited meanwhile */
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The name in parentheses may itself contain ") ": the state follows the last one. */
    char* close_paren = strrchr(buf, ')');
    if (!close_paren || close_paren[1] != ' ') continue;
    char state = close_paren[2];
    seen++;
    if (state != 'T' && state != 't' && state != 'Z' && state != 'X') stopped = 0;
  }
  closedir(d);
  if (seen == 0) return -1;
  return stopped;
}

int ns_sandbox_stop(pid_t pid) {
  if (kill(pid, SIGSTOP) != 0) return -1;
  struct timespec nap = {0, 200 * 1000};
  /* The stop report alone could wait forever: it never comes once the main thread has exited while others
   * run. The threads' own states settle that case, and a bound covers threads stuck in the kernel. */
  for (int i = 0; i < 25000; i++) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int rc = waitid(P_PID, (id_t)pid, &si, WSTOPPED | WEXITED | WNOHANG | WNOWAIT);
    if (rc != 0 && errno != EINTR && errno != ECHILD) return -1;
    if (rc == 0 && si.si_pid == pid) {
      if (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED) {
        errno = ESRCH;
        return -1;
      }
      if (si.si_code == CLD_STOPPED) {
        waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG); /* consume it: the caller asked for this stop */
        return 0;
      }
    }
    int stopped = all_threads_stopped(pid);
    if (stopped < 0) {
      errno = ESRCH;
      return -1;
    }
    if (stopped) {
      waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG);
      return 0;
    }
    nanosleep(&nap, NULL);
  }
  errno = ETIMEDOUT;
  return -1;
}

int ns_sandbox_cont(pid_t pid) {
  /* PID 1 has no handler for SIGCONT, but the kernel resumes the stopped threads before dropping it. */
  return kill(pid, SIGCONT);
}

long long ns_sandbox_cpu_ns(pid_t pid) {
  clockid_t clock;
  int rc = clock_getcpuclockid(pid, &clock);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return -1;
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int ns_sandbox_threads(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR* d = opendir(path);
  if (!d) return -1;
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) n += e->d_name[0] >= '0' && e->d_name[0] <= '9';
  closedir(d);
  return n;
}

int ns_sandbox_signal_state(pid_t pid, unsigned long long* pending, unsigned long long* caught) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE* f = fopen(path, "re");
  if (!f) return -1;
  unsigned long long pnd = 0, shd = 0, cgt = 0;
  int found = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "SigPnd:", 7) == 0) pnd = strtoull(line + 7, NULL, 16), found |= 1;
    else if (strncmp(line, "ShdPnd:", 7) == 0) shd = strtoull(line + 7, NULL, 16), found |= 2;
    else if (strncmp(line, "SigCgt:", 7) == 0) cgt = strtoull(line + 7, NULL, 16), found |= 4;
  }
  fclose(f);
  if (found != 7) {
    errno = ESRCH;
    return -1;
  }
  if (pending) *pending = pnd | shd;
  if (caught) *caught = cgt;
  return 0;
}
