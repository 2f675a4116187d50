/* The seccomp allow-list a trusted worker installs on itself, after its own setup and before it first calls
 * untrusted code. A refused system call either makes the process write
 *     sandbox_violation <number> <name>\n
 * to report_fd (the name is left out when unknown, "x32" for x32 calls, "foreign-arch" for another ABI)
 * and exit_group(159), or, when the handler cannot run (SIGSYS blocked, a broken stack), kills it with a
 * signal. The untrusted code shares the process: it can write a forged line or keep the real one from being
 * written, so only exit status 159 or death by a signal is evidence, and a missing line proves nothing. */
#ifndef NS_LOCKDOWN_H
#define NS_LOCKDOWN_H

typedef enum {
  NS_POLICY_KERNEL = 1,    /* one thread computing on memory it already has */
  NS_POLICY_THREADS = 2,   /* KERNEL plus creating threads (pthreads, OpenMP) */
  NS_POLICY_SANITIZER = 3, /* THREADS plus what AddressSanitizer/UBSan need to report an error and exit */
  NS_POLICY_CUDA = 4,      /* THREADS plus the CUDA driver's device files and ioctls: much weaker */
} ns_policy;

#define NS_LOCKDOWN_EXIT 159

/* Installs the filter for every thread of the process (SECCOMP_FILTER_FLAG_TSYNC), with the SIGSYS handler
 * on an alternate stack of the calling thread, and sets O_NONBLOCK on report_fd (-1: no report) so a full
 * pipe cannot hang the handler. Refuses (EPERM) a process with a writable and executable mapping or with
 * READ_IMPLIES_EXEC, since code could then be changed without any system call. For the thread policies the
 * worker must not pin threads itself (sched_setaffinity is refused); CPU placement is the sandbox's.
 * stdio must not allocate after lockdown (glibc calls fstat for it): give stdout a buffer with setvbuf first.
 * Returns 0, or -1 with errno. */
int ns_lockdown(ns_policy policy, int report_fd);

/* "kernel", "threads", "sanitizer", "cuda" -> the policy; -1 when unknown. */
int ns_policy_from_name(const char* name);

/* Name of a system call number of this architecture, or NULL. Async-signal-safe. */
const char* ns_syscall_name(long nr);

#endif
