/* Built with -fsanitize=address or -fsanitize=undefined: the error must still be reported and end in the
 * sanitizer's exit code under the sanitizer policy, not in a violation. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "attack.h"

static int heap_overflow(int argc, char** argv) {
  (void)argv;
  int* a = malloc(8 * sizeof *a);
  for (int i = 0; i < 8; i++) a[i] = i;
  volatile int index = 8 + argc; /* not constant: the compiler cannot see it coming */
  int v = a[index];
  printf("read %d\n", v);
  free(a);
  return 0;
}

static int signed_overflow(int argc, char** argv) {
  (void)argv;
  volatile int big = INT_MAX - 1;
  int v = big + 2 + argc;
  printf("sum %d\n", v);
  return 0;
}

const struct attack ns_attacks[] = {
    {"heap_overflow", heap_overflow, NULL},
    {"signed_overflow", signed_overflow, NULL},
    {NULL, NULL, NULL},
};
