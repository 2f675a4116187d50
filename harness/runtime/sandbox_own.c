/* Hands a directory tree to the sandbox's user. On the root path the sandboxed program runs as real uid 65534,
 * so the directory it builds or runs in must be theirs; without root the user namespace maps the caller's
 * own uid, and nothing needs to change hands. Symbolic links are changed themselves, never followed. */
#define _GNU_SOURCE
#include <ftw.h>
#include <unistd.h>

#include "sandbox.h"

static int own_one(const char* path, const struct stat* st, int type, struct FTW* ftw) {
  (void)st;
  (void)type;
  (void)ftw;
  return lchown(path, NS_SANDBOX_ID, NS_SANDBOX_ID) == 0 ? 0 : -1;
}

int ns_sandbox_own(const char* dir) {
  if (geteuid() != 0) return 0;
  return nftw(dir, own_one, 64, FTW_PHYS);
}
