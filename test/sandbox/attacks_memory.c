/* Attacks that try to make new code executable: every check on the binary would be void afterwards. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attack.h"

static unsigned char page[1 << 16] __attribute__((aligned(1 << 16)));

static int mmap_exec(int argc, char** argv) {
  (void)argc, (void)argv;
  void* p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return ns_not_refused("mmap PROT_EXEC", (long)p);
}

static int mprotect_exec(int argc, char** argv) {
  (void)argc, (void)argv;
  page[0] = 0xc3; /* ret */
  return ns_not_refused("mprotect PROT_EXEC", mprotect(page, 4096, PROT_READ | PROT_EXEC));
}

static int pkey_exec(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("pkey_mprotect", syscall(SYS_pkey_mprotect, page, 4096, PROT_READ | PROT_EXEC, 0));
}

/* The control: ordinary memory still works under lockdown. */
static int mmap_rw(int argc, char** argv) {
  (void)argc, (void)argv;
  unsigned char* p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  p[12345] = 7;
  if (mprotect(p, 4096, PROT_READ) != 0 || munmap(p, 1 << 20) != 0) return 1;
  printf("memory ok\n");
  return 0;
}

/* Trusted setup gone wrong: a writable and executable mapping exists, so lockdown must refuse to start. */
static void map_wx(void) {
  mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static int wx_mapping(int argc, char** argv) {
  (void)argc, (void)argv;
  printf("lockdown accepted a writable and executable mapping\n");
  return 1;
}

const struct attack ns_attacks[] = {
    {"mmap_exec", mmap_exec, NULL},
    {"mprotect_exec", mprotect_exec, NULL},
    {"pkey_mprotect", pkey_exec, NULL},
    {"mmap_rw", mmap_rw, NULL},
    {"wx_mapping", wx_mapping, map_wx},
    {NULL, NULL, NULL},
};
