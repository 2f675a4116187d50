/* Shared between the parts of ns_sandbox_spawn. Everything the child needs is computed by the parent into a
 * plan before clone: after clone the child of a possibly multi-threaded caller may only make system calls
 * and touch memory it owns (no malloc, no stdio, no locale). */
#ifndef NS_SANDBOX_INTERNAL_H
#define NS_SANDBOX_INTERNAL_H

/* Each .c file defines _GNU_SOURCE before its first include (cpu_set_t, pivot_root, close_range). */
#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

#include "sandbox.h"

enum ns_bind_kind {
  NS_BIND_RO,   /* read-only, nosuid, nodev */
  NS_BIND_WORK, /* read-write, nosuid, nodev */
  NS_BIND_DEV,  /* a device node: nosuid, noexec, dev allowed */
};

struct ns_bind {
  char* src;   /* host path with no symlinks in it */
  char* dst;   /* path inside the new root, no leading '/' */
  int is_dir;
  enum ns_bind_kind kind;
};

struct ns_link {
  char* path;   /* inside the new root, no leading '/' */
  char* target; /* as the host's symlink has it */
};

struct ns_plan {
  int userns;               /* non-root path: a user namespace maps 65534 to the caller */
  uid_t host_uid;
  gid_t host_gid;
  const char* base;         /* host directory the new root's tmpfs is mounted over (in the child's namespace) */
  struct ns_bind* binds;    /* ancestors before descendants */
  int nbinds;
  struct ns_link* links;
  int nlinks;
  int full_proc;            /* /proc without subset=pid (GPU drivers read /proc/driver) */
  int have_work;
  char* const* argv;
  char* const* envp;
  const char* search_path;  /* PATH for an argv[0] without '/' */
  cpu_set_t* cpus;
  size_t cpus_size;
  unsigned long long as_bytes;
  unsigned long long cpu_seconds;
  int max_processes;
  const int* keep;
  int nkeep;
  int errfd;                /* close-on-exec pipe to the parent: a line here means the child failed */
  int parent_pidfd;         /* the caller, to close the PR_SET_PDEATHSIG race; -1 when pidfd_open is missing */
};

/* The two halves of the plan, done in the parent. Return 0, or -1 with a reason in err. */
int ns_plan_build(struct ns_plan* plan, const ns_sandbox_config* cfg, char* const argv[], char* err, size_t errlen);
void ns_plan_free(struct ns_plan* plan);

/* Child side: everything from clone to execve; never returns. */
__attribute__((noreturn)) void ns_child_run(const struct ns_plan* plan);

/* Child side: builds the new root from the plan and pivots into it; on failure writes the reason to errfd and
 * exits. */
void ns_child_make_root(const struct ns_plan* plan);

/* Child side: writes "<what> <detail>: <errno text>" to the parent and exits 127 (detail may be NULL). */
__attribute__((noreturn)) void ns_child_fail(const struct ns_plan* plan, const char* what, const char* detail, int err);

/* Async-signal-safe string pieces for the child. */
size_t ns_str_append(char* buf, size_t size, size_t at, const char* s);
void ns_fd_path(char buf[40], int fd);

#endif
