/* Child side of ns_sandbox_spawn: the new root. A tmpfs holds mount points only; every path inside it is
 * walked component by component without following symlinks, and mounts name their source and target by
 * file descriptor, so nothing under the new root can steer a mount or a mkdir onto the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox_internal.h"

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture */
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442 /* the same number on every architecture */
#endif

/* Our own copy of struct mount_attr: <linux/mount.h> and <sys/mount.h> clash on older glibc. */
struct ns_mount_attr {
  unsigned long long attr_set, attr_clr, propagation, userns_fd;
};
enum { NS_ATTR_RDONLY = 0x1, NS_ATTR_NOSUID = 0x2, NS_ATTR_NODEV = 0x4, NS_ATTR_NOEXEC = 0x8 };

struct ns_open_how {
  unsigned long long flags, mode, resolve;
};
enum { NS_RESOLVE_NO_MAGICLINKS = 0x02, NS_RESOLVE_NO_SYMLINKS = 0x04 };

/* Sources were resolved to symlink-free paths by the parent; a symlink found now was put there since, and
 * a bind made as root through it could expose any host directory. */
static int open_source(const struct ns_plan* p, const char* src) {
  struct ns_open_how how = {
      .flags = O_PATH | O_CLOEXEC, .mode = 0, .resolve = NS_RESOLVE_NO_SYMLINKS | NS_RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, src, &how, sizeof how);
  if (fd < 0 && errno == ENOSYS) fd = open(src, O_PATH | O_NOFOLLOW | O_CLOEXEC); /* before Linux 5.6 */
  if (fd < 0) ns_child_fail(p, "open", src, errno);
  return fd;
}

/* Opens (creating if needed) rel under dirfd as an O_PATH descriptor; every component must be a real
 * directory (or, for the last one when !is_dir, a regular file or device node). */
static int open_path_in(const struct ns_plan* p, int dirfd, const char* rel, int is_dir, int create) {
  char buf[PATH_MAX];
  size_t n = strlen(rel);
  if (n >= sizeof buf) ns_child_fail(p, "path too long:", rel, ENAMETOOLONG);
  memcpy(buf, rel, n + 1);
  int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) ns_child_fail(p, "dup", NULL, errno);
  char* comp = buf;
  while (*comp) {
    char* slash = strchr(comp, '/');
    int last = slash == NULL;
    if (slash) *slash = '\0';
    if (comp[0] == '\0' || strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) ns_child_fail(p, "bad path", rel, EINVAL);
    int want_dir = !last || is_dir;
    if (create && want_dir && mkdirat(fd, comp, 0755) != 0 && errno != EEXIST) ns_child_fail(p, "mkdir", rel, errno);
    if (create && !want_dir && mknodat(fd, comp, S_IFREG | 0644, 0) != 0 && errno != EEXIST)
      ns_child_fail(p, "create mount point", rel, errno);
    int next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC | (want_dir ? O_DIRECTORY : 0));
    if (next < 0) ns_child_fail(p, "open", rel, errno);
    close(fd);
    fd = next;
    if (last) break;
    comp = slash + 1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) ns_child_fail(p, "stat", rel, errno);
  if (S_ISLNK(st.st_mode)) ns_child_fail(p, "mount point is a symlink:", rel, ELOOP);
  return fd;
}

static void restrict_mount(const struct ns_plan* p, int fd, const char* what, unsigned long long attrs) {
  struct ns_mount_attr attr = {.attr_set = attrs};
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == 0) return;
  if (errno != ENOSYS) ns_child_fail(p, "restrict mount", what, errno);
  /* Before Linux 5.12: only the top mount can be remounted, keeping the flags a user namespace may not clear. */
  struct statvfs sv;
  if (fstatvfs(fd, &sv) != 0) ns_child_fail(p, "statvfs", what, errno);
  unsigned long flags = MS_REMOUNT | MS_BIND;
  if (attrs & NS_ATTR_RDONLY) flags |= MS_RDONLY;
  if ((attrs & NS_ATTR_NOSUID) || (sv.f_flag & ST_NOSUID)) flags |= MS_NOSUID;
  if ((attrs & NS_ATTR_NODEV) || (sv.f_flag & ST_NODEV)) flags |= MS_NODEV;
  if ((attrs & NS_ATTR_NOEXEC) || (sv.f_flag & ST_NOEXEC)) flags |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  char path[40];
  ns_fd_path(path, fd);
  if (mount(NULL, path, NULL, flags, NULL) != 0) ns_child_fail(p, "remount", what, errno);
}

static unsigned long long attrs_for(enum ns_bind_kind kind) {
  switch (kind) {
    case NS_BIND_RO: return NS_ATTR_RDONLY | NS_ATTR_NOSUID | NS_ATTR_NODEV;
    case NS_BIND_WORK: return NS_ATTR_NOSUID | NS_ATTR_NODEV;
    case NS_BIND_DEV: return NS_ATTR_NOSUID | NS_ATTR_NOEXEC;
  }
  return NS_ATTR_RDONLY | NS_ATTR_NOSUID | NS_ATTR_NODEV | NS_ATTR_NOEXEC;
}

static void bind_one(const struct ns_plan* p, int rootfd, const struct ns_bind* b, int srcfd) {
  int dst = open_path_in(p, rootfd, b->dst, b->is_dir, 1);
  char from[40], to[40];
  ns_fd_path(from, srcfd);
  ns_fd_path(to, dst);
  /* Recursive: a user namespace may not bind a mount without the mounts locked on top of it. */
  if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) != 0) ns_child_fail(p, "bind", b->src, errno);
  close(dst);
  /* Reopened by path so the descriptor names the new mount, not the mount point under it. */
  int top = open_path_in(p, rootfd, b->dst, b->is_dir, 0);
  restrict_mount(p, top, b->src, attrs_for(b->kind));
  close(top);
}

static void make_link(const struct ns_plan* p, int rootfd, const char* path, const char* target) {
  char dir[PATH_MAX];
  size_t n = strlen(path);
  if (n >= sizeof dir) ns_child_fail(p, "path too long:", path, ENAMETOOLONG);
  memcpy(dir, path, n + 1);
  char* slash = strrchr(dir, '/');
  const char* name = path;
  int dirfd;
  if (slash) {
    *slash = '\0';
    name = path + (slash - dir) + 1;
    dirfd = open_path_in(p, rootfd, dir, 1, 1);
  } else {
    dirfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
  }
  /* Already there when the link lies inside a bound directory that has it. */
  if (symlinkat(target, dirfd, name) != 0 && errno != EEXIST && errno != EROFS) ns_child_fail(p, "symlink", path, errno);
  close(dirfd);
}

static void mount_proc(const struct ns_plan* p, int rootfd) {
  int fd = open_path_in(p, rootfd, "proc", 1, 1);
  char to[40];
  ns_fd_path(to, fd);
  /* Read-only, so /proc/self/mem cannot be opened for writing; subset=pid hides the host's /proc/sys etc. */
  unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY;
  int rc = mount("proc", to, "proc", flags, p->full_proc ? NULL : "subset=pid");
  if (rc != 0 && errno == EINVAL && !p->full_proc) rc = mount("proc", to, "proc", flags, NULL);
  if (rc != 0) ns_child_fail(p, "mount /proc", NULL, errno);
  close(fd);
}

static void pivot(const struct ns_plan* p, int rootfd) {
  if (fchdir(rootfd) != 0) ns_child_fail(p, "chdir to the new root", NULL, errno);
  /* The old root ends up stacked on the new one and is then detached: no directory for it is needed. */
  if (syscall(SYS_pivot_root, ".", ".") != 0) ns_child_fail(p, "pivot_root", NULL, errno);
  if (umount2(".", MNT_DETACH) != 0) ns_child_fail(p, "detach the old root", NULL, errno);
  if (chdir("/") != 0) ns_child_fail(p, "chdir /", NULL, errno);
  if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
    ns_child_fail(p, "make the new root read-only", NULL, errno);
  const char* cwd = p->have_work ? "/work" : "/";
  if (chdir(cwd) != 0) ns_child_fail(p, "chdir", cwd, errno);
}

void ns_child_make_root(const struct ns_plan* p) {
  /* Nothing done here may propagate back to the host's mounts. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) ns_child_fail(p, "make mounts private", NULL, errno);
  int srcfd[p->nbinds > 0 ? p->nbinds : 1];
  for (int i = 0; i < p->nbinds; i++) srcfd[i] = open_source(p, p->binds[i].src);
  if (mount("tmpfs", p->base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=1m,nr_inodes=4096") != 0)
    ns_child_fail(p, "mount tmpfs on", p->base, errno);
  int rootfd = open(p->base, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) ns_child_fail(p, "open the new root", NULL, errno);
  for (int i = 0; i < p->nbinds; i++) {
    bind_one(p, rootfd, &p->binds[i], srcfd[i]);
    close(srcfd[i]);
  }
  for (int i = 0; i < p->nlinks; i++) make_link(p, rootfd, p->links[i].path, p->links[i].target);
  make_link(p, rootfd, "dev/fd", "/proc/self/fd");
  make_link(p, rootfd, "dev/stdin", "/proc/self/fd/0");
  make_link(p, rootfd, "dev/stdout", "/proc/self/fd/1");
  make_link(p, rootfd, "dev/stderr", "/proc/self/fd/2");
  mount_proc(p, rootfd);
  pivot(p, rootfd);
  close(rootfd);
}
