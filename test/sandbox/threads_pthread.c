/* Legitimate threads: allowed under the threads policy, refused under the kernel policy. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>

#include "attack.h"

enum { THREADS = 4, N = 1 << 20 };

static double partial[THREADS];

static void* sum_part(void* arg) {
  long t = (long)arg;
  double s = 0;
  for (long i = t; i < N; i += THREADS) s += (double)i;
  partial[t] = s;
  return NULL;
}

static int pthreads(int argc, char** argv) {
  (void)argc, (void)argv;
  pthread_t ids[THREADS];
  for (long t = 0; t < THREADS; t++) {
    if (pthread_create(&ids[t], NULL, sum_part, (void*)t) != 0) return 1;
  }
  double total = 0;
  for (long t = 0; t < THREADS; t++) {
    pthread_join(ids[t], NULL);
    total += partial[t];
  }
  printf("threads %d sum %.0f\n", THREADS, total);
  return 0;
}

const struct attack ns_attacks[] = {
    {"pthreads", pthreads, NULL},
    {NULL, NULL, NULL},
};
