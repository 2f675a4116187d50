/* The allow-lists, and their translation to a classic BPF program for seccomp. Rules are tried in order;
 * the first whose system call and argument conditions all match decides, and a call no rule allows is
 * trapped (SIGSYS, reported by the handler). Conditions can only look at argument registers, never at
 * memory they point to: that is why clone3 (flags in a struct) is answered ENOSYS instead. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "lockdown_internal.h"

enum cond_kind {
  NONE_OF = 1, /* (arg & value) == 0 */
  ALL_OF,      /* (arg & value) == value */
  EQUALS,      /* arg == value (low 32 bits: the kernel reads these arguments as int) */
  IS_SELF,     /* arg == our own pid */
  IS_NULL,     /* all 64 bits zero (a pointer) */
};

struct cond {
  unsigned char arg;
  unsigned char kind;
  uint32_t value;
};

struct rule {
  long nr;
  uint32_t action; /* 0 means SECCOMP_RET_ALLOW */
  struct cond when[3];
};

#define ALLOW(name) {__NR_##name, 0, {{0, 0, 0}}}
#define ALLOW_IF(name, ...) {__NR_##name, 0, {__VA_ARGS__}}
#define FAIL_WITH(name, err) {__NR_##name, SECCOMP_RET_ERRNO | ((err) & SECCOMP_RET_DATA), {{0, 0, 0}}}

/* glibc's internal signal for set*id broadcasts (__SIGRTMIN + 1); its handler is installed by the first
 * pthread_create, which under lockdown may be the kernel's own first thread. Nothing can send it: tgkill
 * is limited to SIGABRT, so a handler installed there by untrusted code never runs. */
#define GLIBC_SIGSETXID 33

#define CLONE_NEW_ANY                                                                                   \
  (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

/* Opening for reading only: no creating, truncating or writing any file, /work included. */
#define WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY))

static const struct rule kernel_rules[] = {
    /* I/O only on descriptors the worker kept: no call here can open another. writev: glibc's fatal
       messages ("free(): invalid pointer") are written with it. */
    ALLOW(read), ALLOW(write), ALLOW(writev), ALLOW(close),
    /* Memory, never executable: new code would walk past every check made on the binary. */
    ALLOW_IF(mmap, {2, NONE_OF, PROT_EXEC}), ALLOW_IF(mprotect, {2, NONE_OF, PROT_EXEC}),
    ALLOW(munmap), ALLOW(mremap), ALLOW(madvise), ALLOW(brk),
    /* NUMA placement of its own pages (OpenBLAS's allocator binds its buffers): no effect beyond itself. */
    ALLOW(mbind), ALLOW(get_mempolicy),
    /* malloc's locks, exit, and glibc's bookkeeping of the thread (rseq, robust futex list). */
    ALLOW(futex), ALLOW(exit), ALLOW(exit_group), ALLOW(rseq), ALLOW(set_robust_list), ALLOW(membarrier),
    /* Masks and returning from a handler installed before lockdown; no new handler can be installed. */
    ALLOW(rt_sigprocmask), ALLOW(rt_sigreturn), ALLOW(restart_syscall),
    /* Clocks and waiting (the vDSO covers most clock reads; these are its fallbacks). */
    ALLOW(clock_gettime), ALLOW(clock_getres), ALLOW(gettimeofday), ALLOW(nanosleep), ALLOW(clock_nanosleep),
    ALLOW(sched_yield), ALLOW(getpid), ALLOW(gettid), ALLOW(getrandom),
    /* abort(): raise(SIGABRT) on itself only; then it resets SIGABRT to the default. As PID 1 of its
       namespace the process ignores its own default-action signals, so abort() ends in glibc's last resort
       (a faulting instruction, SIGSEGV) rather than in a violation. */
    ALLOW_IF(tgkill, {0, IS_SELF, 0}, {2, EQUALS, SIGABRT}),
    ALLOW_IF(rt_sigaction, {0, EQUALS, SIGABRT}),
    /* So that a kernel creating a thread is refused at the clone itself, which names what it tried. */
    ALLOW_IF(rt_sigaction, {0, EQUALS, GLIBC_SIGSETXID}),
};

static const struct rule thread_rules[] = {
    /* Threads only: a new process (fork, vfork, posix_spawn) shares no address space, so it lacks CLONE_VM
       and CLONE_THREAD; no new namespaces either. */
    ALLOW_IF(clone, {0, ALL_OF, CLONE_THREAD | CLONE_VM | CLONE_SIGHAND}, {0, NONE_OF, CLONE_NEW_ANY}),
    FAIL_WITH(clone3, ENOSYS),
    /* libgomp sizes its team from the affinity mask (omp_get_num_procs); setting it stays refused. */
    ALLOW(sched_getaffinity),
};

/* Found by tracing an ASan heap overflow and a UBSan signed overflow from the fault to the exit, with
 * ASAN_OPTIONS=detect_leaks=0:symbolize=0:halt_on_error=1 and UBSAN_OPTIONS=halt_on_error=1:
 * print_stacktrace=0. ASan reads /proc/self/maps to describe the address; UBSan initialises at its first
 * report and reads /proc/self/exe, cmdline and environ for its options; both ask isatty(2) for colours. */
static const struct rule sanitizer_rules[] = {
    /* ASan gives every new thread (an OpenMP team's too) an alternate stack for its fault handler. Only the
       stack: installing a handler stays refused. */
    ALLOW(sigaltstack),
    ALLOW_IF(openat, {2, NONE_OF, WRITE_FLAGS}),
    ALLOW(readlinkat),
    ALLOW_IF(ioctl, {1, EQUALS, TCGETS}),
#if defined(__x86_64__)
    ALLOW_IF(open, {1, NONE_OF, WRITE_FLAGS}),
    ALLOW(readlink),
#endif
};

/* Weaker: the NVIDIA driver talks to the GPU through ioctls on /dev/nvidia* whose numbers and argument
 * structs change between driver versions, so ioctl is allowed whole, on any open descriptor; it opens
 * device and /proc files read-write (no creating or truncating), maps device memory with file descriptors,
 * and runs helper threads that poll. The files it can reach are only those the sandbox shows. Without a
 * GPU here this list follows the documented needs and was not exercised. */
static const struct rule cuda_rules[] = {
    ALLOW(ioctl),
    ALLOW_IF(openat, {2, NONE_OF, O_CREAT | O_TRUNC | (O_TMPFILE & ~O_DIRECTORY)}),
    ALLOW(fstat), ALLOW(newfstatat), ALLOW(readlinkat), ALLOW(lseek), ALLOW(pread64), ALLOW(fcntl),
    ALLOW(ppoll), ALLOW(eventfd2), ALLOW(pipe2), ALLOW(getdents64), ALLOW(uname), ALLOW(sysinfo),
    ALLOW(faccessat), ALLOW_IF(prlimit64, {2, IS_NULL, 0}), ALLOW(getrlimit),
#if defined(__x86_64__)
    ALLOW_IF(open, {1, NONE_OF, O_CREAT | O_TRUNC | (O_TMPFILE & ~O_DIRECTORY)}),
    ALLOW(stat), ALLOW(lstat), ALLOW(readlink), ALLOW(poll), ALLOW(access),
#endif
};

struct prog {
  struct sock_filter* ins;
  int n, max, overflow;
};

static void put(struct prog* p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k) {
  if (p->n >= p->max) {
    p->overflow = 1;
    return;
  }
  p->ins[p->n++] = (struct sock_filter){code, jt, jf, k};
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (i)))
#define ARG_HI(i) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (i) + 4))
#else
#define ARG_LO(i) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (i) + 4))
#define ARG_HI(i) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (i)))
#endif
#define LOAD(off) put(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (off))

static int cond_length(const struct cond* c) {
  switch (c->kind) {
    case NONE_OF: case EQUALS: case IS_SELF: return 2;
    case ALL_OF: return 3;
    case IS_NULL: return 4;
  }
  return 0;
}

/* Jumps in classic BPF are relative and forward only; a failed condition jumps to the rule's last
 * instruction, which reloads the syscall number for the rules that follow. */
static void emit_rule(struct prog* p, const struct rule* r, uint32_t self_pid) {
  uint32_t action = r->action ? r->action : SECCOMP_RET_ALLOW;
  int conds = 0, body = 0;
  for (int i = 0; i < 3 && r->when[i].kind; i++, conds++) body += cond_length(&r->when[i]);
  if (conds == 0) {
    put(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (uint32_t)r->nr);
    put(p, BPF_RET | BPF_K, 0, 0, action);
    return;
  }
  body += 2;
  put(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)body, (uint32_t)r->nr);
  int fail = p->n + body - 1;
#define TO_FAIL ((uint8_t)(fail - (p->n + 1)))
  for (int i = 0; i < conds; i++) {
    const struct cond* c = &r->when[i];
    switch (c->kind) {
      case NONE_OF:
        LOAD(ARG_LO(c->arg));
        put(p, BPF_JMP | BPF_JSET | BPF_K, TO_FAIL, 0, c->value);
        break;
      case ALL_OF:
        LOAD(ARG_LO(c->arg));
        put(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, c->value);
        put(p, BPF_JMP | BPF_JEQ | BPF_K, 0, TO_FAIL, c->value);
        break;
      case EQUALS:
      case IS_SELF:
        LOAD(ARG_LO(c->arg));
        put(p, BPF_JMP | BPF_JEQ | BPF_K, 0, TO_FAIL, c->kind == IS_SELF ? self_pid : c->value);
        break;
      case IS_NULL:
        LOAD(ARG_LO(c->arg));
        put(p, BPF_JMP | BPF_JEQ | BPF_K, 0, TO_FAIL, 0);
        LOAD(ARG_HI(c->arg));
        put(p, BPF_JMP | BPF_JEQ | BPF_K, 0, TO_FAIL, 0);
        break;
    }
  }
#undef TO_FAIL
  put(p, BPF_RET | BPF_K, 0, 0, action);
  LOAD(offsetof(struct seccomp_data, nr));
}

static void emit_rules(struct prog* p, const struct rule* rules, size_t n, uint32_t self_pid) {
  for (size_t i = 0; i < n; i++) emit_rule(p, &rules[i], self_pid);
}

#define EMIT(rules) emit_rules(&p, rules, sizeof rules / sizeof rules[0], (uint32_t)self_pid)

int ns_lockdown_build(ns_policy policy, int self_pid, struct sock_filter* out, int max) {
  if (policy < NS_POLICY_KERNEL || policy > NS_POLICY_CUDA) return -1;
  struct prog p = {out, 0, max, 0};
  /* Numbers mean different calls in another ABI (i386 via int 0x80, x32): those are never allowed. */
  put(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
  put(&p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, NS_AUDIT_ARCH);
  put(&p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_TRAP);
  put(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
#ifdef NS_X32_SYSCALL_BIT
  put(&p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, NS_X32_SYSCALL_BIT);
  put(&p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_TRAP);
#endif
  EMIT(kernel_rules);
  if (policy != NS_POLICY_KERNEL) EMIT(thread_rules);
  if (policy == NS_POLICY_SANITIZER) EMIT(sanitizer_rules);
  if (policy == NS_POLICY_CUDA) EMIT(cuda_rules);
  put(&p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_TRAP);
  return p.overflow ? -1 : p.n;
}

int ns_policy_from_name(const char* name) {
  static const struct {
    const char* name;
    ns_policy policy;
  } names[] = {
      {"kernel", NS_POLICY_KERNEL},
      {"threads", NS_POLICY_THREADS},
      {"sanitizer", NS_POLICY_SANITIZER},
      {"cuda", NS_POLICY_CUDA},
  };
  for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(name, names[i].name) == 0) return names[i].policy;
  }
  return -1;
}
