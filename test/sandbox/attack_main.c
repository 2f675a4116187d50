/* The trusted worker main of every attack program (see attack.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../harness/runtime/lockdown.h"
#include "attack.h"

enum { REPORT_FD = 3 };

int ns_not_refused(const char* what, long rc) {
  printf("NOT REFUSED %s rc=%ld errno=%d\n", what, rc, errno);
  fflush(stdout);
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s none|kernel|threads|sanitizer|cuda ATTACK [ARGS...]\n", argv[0]);
    return 2;
  }
  /* A buffer of our own: glibc would otherwise fstat stdout on first use, after lockdown. */
  static char out_buffer[1 << 14];
  setvbuf(stdout, out_buffer, _IOLBF, sizeof out_buffer);
  const struct attack* attack = NULL;
  for (int i = 0; ns_attacks[i].name; i++) {
    if (strcmp(ns_attacks[i].name, argv[2]) == 0) attack = &ns_attacks[i];
  }
  if (!attack) {
    fprintf(stderr, "unknown attack %s\n", argv[2]);
    return 2;
  }
  if (attack->before_lockdown) attack->before_lockdown();
  if (strcmp(argv[1], "none") != 0) {
    int policy = ns_policy_from_name(argv[1]);
    if (policy < 0 || ns_lockdown((ns_policy)policy, REPORT_FD) != 0) {
      fprintf(stderr, "ns_lockdown(%s): %s\n", argv[1], strerror(errno));
      return 3;
    }
  }
  int rc = attack->run(argc - 3, argv + 3);
  fflush(stdout);
  return rc;
}
