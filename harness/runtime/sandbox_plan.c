/* Parent side of ns_sandbox_spawn: resolves every host path and decides every mount before clone, so that
 * the child only executes the plan. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox_internal.h"

/* /etc/alternatives: Debian reaches BLAS, LAPACK and some compilers' headers and libraries through it. */
const char* const ns_sandbox_default_ro[] = {
    "/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin",
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", NULL,
};

/* The new root's tmpfs covers one of these in the child's private mount namespace; sources are opened
 * before it is covered, so a source under it is still reachable. */
static const char* const base_candidates[] = {"/tmp", "/mnt", "/run", "/var/tmp", NULL};

/* Bounded so the child can keep per-bind state on its stack. */
enum { MAX_BINDS = 256, MAX_LINKS = 64, MAX_KEEP = 64 };

static int fail(char* err, size_t errlen, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

static int path_within(const char* path, const char* dir) {
  size_t n = strlen(dir);
  if (n == 0) return 1;
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Places the sandbox must own: a bind there would hide them, or be created inside the writable workdir. */
static int reserved_inside(const char* dst) {
  return dst[0] == '\0' || strcmp(dst, "dev") == 0 || path_within(dst, "work") || path_within(dst, "proc");
}

static int add_bind(struct ns_plan* p, const char* src, const char* dst, int is_dir, enum ns_bind_kind kind,
                    char* err, size_t errlen) {
  if (p->nbinds == MAX_BINDS) return fail(err, errlen, "too many paths to bind (max %d)", MAX_BINDS);
  struct ns_bind* b = &p->binds[p->nbinds];
  b->src = strdup(src);
  b->dst = strdup(dst);
  if (!b->src || !b->dst) {
    free(b->src);
    free(b->dst);
    return fail(err, errlen, "out of memory");
  }
  b->is_dir = is_dir;
  b->kind = kind;
  p->nbinds++;
  return 0;
}

/* A symlink given as a read-only path is recreated as the same symlink, next to where the host has it. */
static int add_link(struct ns_plan* p, const char* path, char* err, size_t errlen) {
  if (p->nlinks == MAX_LINKS) return fail(err, errlen, "too many symlinks among ro paths (max %d)", MAX_LINKS);
  char target[PATH_MAX];
  ssize_t n = readlink(path, target, sizeof target - 1);
  if (n < 0) return fail(err, errlen, "readlink %s: %s", path, strerror(errno));
  target[n] = '\0';
  char copy[PATH_MAX];
  snprintf(copy, sizeof copy, "%s", path);
  char* parent = realpath(dirname(copy), NULL);
  if (!parent) return fail(err, errlen, "realpath of the directory of %s: %s", path, strerror(errno));
  snprintf(copy, sizeof copy, "%s", path);
  const char* name = basename(copy);
  char inside[PATH_MAX];
  int w = snprintf(inside, sizeof inside, "%s/%s", strcmp(parent, "/") == 0 ? "" : parent + 1, name);
  free(parent);
  if (w < 0 || (size_t)w >= sizeof inside) return fail(err, errlen, "path too long: %s", path);
  const char* rel = inside[0] == '/' ? inside + 1 : inside;
  if (reserved_inside(rel)) return fail(err, errlen, "ro path %s would be hidden by the sandbox's own /%s", path, rel);
  struct ns_link* l = &p->links[p->nlinks];
  l->path = strdup(rel);
  l->target = strdup(target);
  if (!l->path || !l->target) {
    free(l->path);
    free(l->target);
    return fail(err, errlen, "out of memory");
  }
  p->nlinks++;
  return 0;
}

static int add_ro_path(struct ns_plan* p, const char* path, int optional, char* err, size_t errlen) {
  if (path[0] != '/') return fail(err, errlen, "ro path is not absolute: %s", path);
  struct stat lst, st;
  if (lstat(path, &lst) != 0) {
    if (optional && errno == ENOENT) return 0;
    return fail(err, errlen, "ro path %s: %s", path, strerror(errno));
  }
  char* real = realpath(path, NULL);
  if (!real) {
    if (optional && errno == ENOENT) return 0;
    return fail(err, errlen, "ro path %s: %s", path, strerror(errno));
  }
  int rc = 0;
  if (stat(real, &st) != 0) {
    rc = fail(err, errlen, "ro path %s: %s", real, strerror(errno));
  } else if (reserved_inside(real + 1)) {
    rc = fail(err, errlen, "ro path %s would be hidden by the sandbox's own %s", path, real);
  } else {
    if (S_ISLNK(lst.st_mode)) rc = add_link(p, path, err, errlen);
    if (rc == 0) rc = add_bind(p, real, real + 1, S_ISDIR(st.st_mode), NS_BIND_RO, err, errlen);
  }
  free(real);
  return rc;
}

static int add_device(struct ns_plan* p, const char* name, int optional, char* err, size_t errlen) {
  char host[PATH_MAX], inside[PATH_MAX];
  snprintf(host, sizeof host, "/dev/%s", name);
  snprintf(inside, sizeof inside, "dev/%s", name);
  struct stat st;
  if (lstat(host, &st) != 0 || S_ISLNK(st.st_mode)) {
    if (optional) return 0;
    return fail(err, errlen, "%s is missing on this host", host);
  }
  return add_bind(p, host, inside, S_ISDIR(st.st_mode), NS_BIND_DEV, err, errlen);
}

static int add_gpu(struct ns_plan* p, char* err, size_t errlen) {
  DIR* d = opendir("/dev");
  if (!d) return fail(err, errlen, "opendir /dev: %s", strerror(errno));
  int rc = 0;
  struct dirent* e;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, "nvidia", 6) == 0) rc = add_device(p, e->d_name, 1, err, errlen);
  }
  closedir(d);
  if (rc == 0) rc = add_device(p, "dri", 1, err, errlen);
  /* The CUDA driver reads PCI and NUMA topology from /sys; read-only, but the whole host's. */
  if (rc == 0) rc = add_ro_path(p, "/sys", 1, err, errlen);
  return rc;
}

/* Read-only binds inside another read-only bind are already visible through it. Decided for every bind
 * before any is dropped: compacting while deciding would compare against entries already freed. */
static void drop_nested_ro(struct ns_plan* p) {
  char nested[MAX_BINDS] = {0};
  for (int i = 0; i < p->nbinds; i++) {
    const struct ns_bind* b = &p->binds[i];
    for (int j = 0; j < p->nbinds && !nested[i]; j++) {
      const struct ns_bind* a = &p->binds[j];
      if (j == i || a->kind != NS_BIND_RO || b->kind != NS_BIND_RO) continue;
      int same = strcmp(a->dst, b->dst) == 0;
      nested[i] = same ? j < i : path_within(b->dst, a->dst);
    }
  }
  int out = 0;
  for (int i = 0; i < p->nbinds; i++) {
    if (nested[i]) {
      free(p->binds[i].src);
      free(p->binds[i].dst);
    } else {
      p->binds[out++] = p->binds[i];
    }
  }
  p->nbinds = out;
}

/* Ancestors must be mounted before what is mounted inside them. */
static int by_depth(const void* x, const void* y) {
  const struct ns_bind* a = x;
  const struct ns_bind* b = y;
  size_t la = strlen(a->dst), lb = strlen(b->dst);
  if (la != lb) return la < lb ? -1 : 1;
  return strcmp(a->dst, b->dst);
}

static const char* pick_base(void) {
  for (int i = 0; base_candidates[i]; i++) {
    struct stat st;
    if (lstat(base_candidates[i], &st) == 0 && S_ISDIR(st.st_mode)) return base_candidates[i];
  }
  return NULL;
}

static const char* env_path(char* const* envp) {
  for (int i = 0; envp && envp[i]; i++) {
    if (strncmp(envp[i], "PATH=", 5) == 0) return envp[i] + 5;
  }
  return "/usr/bin:/bin";
}

static int plan_cpus(struct ns_plan* p, const ns_sandbox_config* cfg, char* err, size_t errlen) {
  if (cfg->ncpus <= 0) return 0;
  int max = 0;
  for (int i = 0; i < cfg->ncpus; i++) {
    if (cfg->cpus[i] < 0 || cfg->cpus[i] >= 1 << 16) return fail(err, errlen, "bad cpu number %d", cfg->cpus[i]);
    if (cfg->cpus[i] > max) max = cfg->cpus[i];
  }
  p->cpus = CPU_ALLOC(max + 1);
  if (!p->cpus) return fail(err, errlen, "out of memory");
  p->cpus_size = CPU_ALLOC_SIZE(max + 1);
  CPU_ZERO_S(p->cpus_size, p->cpus);
  for (int i = 0; i < cfg->ncpus; i++) CPU_SET_S(cfg->cpus[i], p->cpus_size, p->cpus);
  return 0;
}

static int plan_keep(struct ns_plan* p, const ns_sandbox_config* cfg, char* err, size_t errlen) {
  if (cfg->nkeep < 0 || cfg->nkeep > MAX_KEEP) return fail(err, errlen, "too many fds to keep (max %d)", MAX_KEEP);
  for (int i = 0; i < cfg->nkeep; i++) {
    /* A kept number that is not open could later name the child's private error pipe. */
    if (cfg->keep_fds[i] < 0 || fcntl(cfg->keep_fds[i], F_GETFD) < 0)
      return fail(err, errlen, "fd %d to keep is not open", cfg->keep_fds[i]);
  }
  p->keep = cfg->keep_fds;
  p->nkeep = cfg->nkeep;
  return 0;
}

int ns_plan_build(struct ns_plan* p, const ns_sandbox_config* cfg, char* const argv[], char* err, size_t errlen) {
  memset(p, 0, sizeof *p);
  p->errfd = -1;
  p->parent_pidfd = -1;
  if (!cfg || !argv || !argv[0] || !argv[0][0]) return fail(err, errlen, "no program to run");
  p->userns = geteuid() != 0;
  p->host_uid = geteuid();
  p->host_gid = getegid();
  p->base = pick_base();
  if (!p->base) return fail(err, errlen, "no directory to mount the new root on (tried /tmp, /mnt, /run, /var/tmp)");
  p->binds = calloc(MAX_BINDS, sizeof *p->binds);
  p->links = calloc(MAX_LINKS, sizeof *p->links);
  if (!p->binds || !p->links) {
    ns_plan_free(p);
    return fail(err, errlen, "out of memory");
  }
  int rc = 0;
  const char* const* ro = cfg->ro_paths ? cfg->ro_paths : ns_sandbox_default_ro;
  for (int i = 0; rc == 0 && ro[i]; i++) rc = add_ro_path(p, ro[i], cfg->ro_paths == NULL, err, errlen);
  if (rc == 0 && cfg->workdir) {
    char* real = realpath(cfg->workdir, NULL);
    struct stat st;
    if (!real || stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
      rc = fail(err, errlen, "workdir %s: %s", cfg->workdir, real ? "not a directory" : strerror(errno));
    } else {
      rc = add_bind(p, real, "work", 1, NS_BIND_WORK, err, errlen);
      p->have_work = 1;
    }
    free(real);
  }
  const char* devices[] = {"null", "zero", "urandom"};
  for (size_t i = 0; rc == 0 && i < sizeof devices / sizeof devices[0]; i++) rc = add_device(p, devices[i], 0, err, errlen);
  if (rc == 0 && cfg->allow_dev_gpu) {
    rc = add_gpu(p, err, errlen);
    p->full_proc = 1;
  }
  if (rc == 0) rc = plan_cpus(p, cfg, err, errlen);
  if (rc == 0) rc = plan_keep(p, cfg, err, errlen);
  if (rc != 0) {
    ns_plan_free(p);
    return -1;
  }
  drop_nested_ro(p);
  qsort(p->binds, p->nbinds, sizeof *p->binds, by_depth);
  p->argv = argv;
  p->envp = cfg->envp;
  p->search_path = env_path(cfg->envp);
  p->as_bytes = cfg->address_space_bytes;
  p->cpu_seconds = cfg->cpu_seconds;
  p->max_processes = cfg->max_processes;
  return 0;
}

void ns_plan_free(struct ns_plan* p) {
  for (int i = 0; p->binds && i < p->nbinds; i++) {
    free(p->binds[i].src);
    free(p->binds[i].dst);
  }
  for (int i = 0; p->links && i < p->nlinks; i++) {
    free(p->links[i].path);
    free(p->links[i].target);
  }
  free(p->binds);
  free(p->links);
  if (p->cpus) CPU_FREE(p->cpus);
  p->binds = NULL;
  p->links = NULL;
  p->cpus = NULL;
  p->nbinds = p->nlinks = 0;
}
