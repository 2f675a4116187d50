/* Attacks through signals and timers (a timer firing after the run is measured, a handler that swallows
 * SIGSYS), and the spinning programs the monitor-side tests observe. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "attack.h"

static void ignore(int sig) {
  (void)sig;
}

static int do_setitimer(int argc, char** argv) {
  (void)argc, (void)argv;
  struct itimerval t = {{0, 0}, {1, 0}};
  return ns_not_refused("setitimer", setitimer(ITIMER_REAL, &t, NULL));
}

static int do_alarm(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("alarm", alarm(5));
}

static int do_timer_create(int argc, char** argv) {
  (void)argc, (void)argv;
  timer_t timer;
  return ns_not_refused("timer_create", timer_create(CLOCK_MONOTONIC, NULL, &timer));
}

static int do_timerfd(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("timerfd_create", timerfd_create(CLOCK_MONOTONIC, 0));
}

static int do_signalfd(int argc, char** argv) {
  (void)argc, (void)argv;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  return ns_not_refused("signalfd", signalfd(-1, &set, 0));
}

/* A handler of its own for SIGSYS would let refused calls fail silently and the code go on. */
static int sigaction_sigsys(int argc, char** argv) {
  (void)argc, (void)argv;
  struct sigaction sa = {0};
  sa.sa_handler = ignore;
  int rc = sigaction(SIGSYS, &sa, NULL);
  return ns_not_refused("sigaction(SIGSYS)", rc);
}

static int sigaction_segv(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("signal(SIGSEGV)", (long)signal(SIGSEGV, ignore));
}

/* Blocking SIGSYS first: the kernel then kills with it instead of running the reporting handler. */
static int block_sigsys(int argc, char** argv) {
  (void)argc, (void)argv;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGSYS);
  sigprocmask(SIG_BLOCK, &set, NULL);
  return ns_not_refused("getppid with SIGSYS blocked", syscall(SYS_getppid));
}

static void* spin_thread(void* arg) {
  for (volatile unsigned long i = 0;; i++) {
  }
  return arg;
}

/* Trusted setup for "spin": a handler for SIGUSR1 and SIGUSR2 blocked, for the signal-state readers. */
static void spin_setup(void) {
  struct sigaction sa = {0};
  sa.sa_handler = ignore;
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sigprocmask(SIG_BLOCK, &set, NULL);
}

/* argv[0]: total threads (default 1). Prints "ready" once they all exist, then spins. */
static int spin(int argc, char** argv) {
  int threads = argc > 0 ? atoi(argv[0]) : 1;
  for (int i = 1; i < threads; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, spin_thread, NULL) != 0) return 1;
  }
  printf("ready\n");
  fflush(stdout);
  spin_thread(NULL);
  return 0;
}

const struct attack ns_attacks[] = {
    {"setitimer", do_setitimer, NULL},
    {"alarm", do_alarm, NULL},
    {"timer_create", do_timer_create, NULL},
    {"timerfd_create", do_timerfd, NULL},
    {"signalfd", do_signalfd, NULL},
    {"sigaction_sigsys", sigaction_sigsys, NULL},
    {"sigaction_segv", sigaction_segv, NULL},
    {"block_sigsys", block_sigsys, NULL},
    {"spin", spin, spin_setup},
    {NULL, NULL, NULL},
};
