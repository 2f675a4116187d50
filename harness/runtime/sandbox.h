/* Runs a program in fresh Linux namespaces with a read-only system, one writable directory and no network,
 * as an unprivileged user with no capabilities. Used by the trusted monitor; see lockdown.h for the filter
 * the program installs on itself before untrusted code runs. */
#ifndef NS_SANDBOX_H
#define NS_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

/* The uid and gid the program has inside the sandbox (and, on the root path, outside it too). */
#define NS_SANDBOX_ID 65534

typedef struct {
  const char* workdir;            /* host path, bind-mounted read-write at /work (cwd); NULL = no /work, cwd / */
  const char* const* ro_paths;    /* NULL-terminated host paths bound read-only at the same path; NULL = ns_sandbox_default_ro */
  const int* cpus; int ncpus;     /* CPU affinity; ncpus 0 = inherited */
  unsigned long long address_space_bytes; /* RLIMIT_AS, 0 = unlimited */
  unsigned long long cpu_seconds; /* RLIMIT_CPU (soft = hard, so the kernel sends SIGKILL), 0 = none */
  int max_processes;              /* RLIMIT_NPROC on the root path (real uid 65534); 0 = leave */
  const int* keep_fds; int nkeep; /* stay open, same numbers; 0-2 not kept are /dev/null; all else closed */
  char* const* envp;              /* the whole environment (nothing is inherited); NULL = empty */
  int allow_dev_gpu;              /* bind /dev/nvidia*, /dev/dri, /sys and an unrestricted /proc (CUDA runs) */
} ns_sandbox_config;

/* Host paths bound when ro_paths is NULL (missing ones are skipped; symlinks are recreated as symlinks). */
extern const char* const ns_sandbox_default_ro[];

/* Starts argv[0] (a path inside the sandbox, or a name looked up in the PATH of envp, default /usr/bin:/bin)
 * as PID 1 of new PID, mount, network, IPC, UTS and cgroup namespaces, plus a user namespace when the caller
 * is not root. The pid returned is a direct child of the calling thread, so waitpid/waitid see its exit and
 * stops. Returns -1 with a one-line reason in err when the sandbox cannot be set up or argv[0] cannot be run.
 *
 * The program dies when the calling thread exits (PR_SET_PDEATHSIG, SIGKILL), and everything it starts dies
 * with it (PID 1 of its namespace). Being PID 1, it receives from the monitor only SIGKILL, SIGSTOP, SIGCONT
 * and signals it has a handler for, and signals it sends itself with the default action are dropped.
 *
 * On the root path the program runs as real uid/gid 65534 with no supplementary groups, so the workdir must be
 * writable by 65534. Without root it runs as the caller's uid mapped to 65534 inside a user namespace; the
 * caller's supplementary groups cannot be dropped there (setgroups is denied), so start it without any. */
pid_t ns_sandbox_spawn(const ns_sandbox_config* cfg, char* const argv[], char* err, size_t errlen);

/* The host uid the sandboxed program runs as: 65534 for root callers, the caller's euid otherwise. */
uid_t ns_sandbox_host_uid(void);

/* SIGSTOP the program and wait until all its threads are stopped (the stop is consumed, an exit is not reaped).
 * 0, or -1 with errno ESRCH (it exited), ETIMEDOUT (not all threads stopped within 5 s) or from kill/waitid. */
int ns_sandbox_stop(pid_t pid);
int ns_sandbox_cont(pid_t pid);

/* CPU time of the program's whole thread group (threads that exited included), in ns; -1 on error. */
long long ns_sandbox_cpu_ns(pid_t pid);

/* Number of threads in /proc/<pid>/task; -1 on error. */
int ns_sandbox_threads(pid_t pid);

/* Signal masks from /proc/<pid>/status: pending = SigPnd | ShdPnd, caught = SigCgt (bit n-1 is signal n). */
int ns_sandbox_signal_state(pid_t pid, unsigned long long* pending, unsigned long long* caught);

/* Makes a directory tree the sandbox user's (root path only; a no-op otherwise). 0, or -1 with errno. */
int ns_sandbox_own(const char* dir);

/* 1 when a sandbox can be made here (spawns /bin/true in one, installs a seccomp filter in a child),
 * else 0 with the reason in why. */
int ns_sandbox_available(char* why, size_t n);

#endif
