/* The SIGSYS handler. It runs after untrusted code made a refused call, so it relies on nothing that code
 * could have redirected cheaply: no libc function (whose GOT or PLT entry may have been overwritten), only
 * its own system call instructions. Untrusted code can still overwrite the report fd or the name table in
 * memory; the line is a diagnostic, the exit status is the evidence. */
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "lockdown_internal.h"

static int report_fd = -1;

void ns_lockdown_set_report_fd(int fd) {
  report_fd = fd;
}

#if defined(__x86_64__)
static inline long raw_syscall3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
static inline long raw_syscall3(long nr, long a, long b, long c) {
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory", "cc");
  return x0;
}
#endif

/* GCC may otherwise turn these loops into calls to memcpy/strlen through the PLT. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBC_CALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LIBC_CALLS
#endif

NO_LIBC_CALLS static size_t put_str(char* buf, size_t at, size_t size, const char* s) {
  while (s && *s && at < size) buf[at++] = *s++;
  return at;
}

NO_LIBC_CALLS static size_t put_uint(char* buf, size_t at, size_t size, unsigned long v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n > 0 && at < size) buf[at++] = digits[--n];
  return at;
}

NO_LIBC_CALLS void ns_lockdown_on_sigsys(int sig, siginfo_t* info, void* context) {
  (void)sig;
  (void)context;
  unsigned int nr = (unsigned int)info->si_syscall;
  const char* name;
  if (info->si_arch != NS_AUDIT_ARCH) {
    name = "foreign-arch";
#ifdef NS_X32_SYSCALL_BIT
  } else if (nr & NS_X32_SYSCALL_BIT) {
    name = "x32";
#endif
  } else {
    name = ns_syscall_name((long)nr);
  }
  char line[96];
  size_t at = put_str(line, 0, sizeof line - 1, "sandbox_violation ");
  at = put_uint(line, at, sizeof line - 1, nr);
  if (name) {
    at = put_str(line, at, sizeof line - 1, " ");
    at = put_str(line, at, sizeof line - 1, name);
  }
  line[at++] = '\n';
  if (report_fd >= 0) raw_syscall3(SYS_write, report_fd, (long)line, (long)at);
  for (;;) raw_syscall3(SYS_exit_group, NS_LOCKDOWN_EXIT, 0, 0);
}
