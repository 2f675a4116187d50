/* A real OpenMP loop (built with -fopenmp): the threads policy must let libgomp start its team. */
#define _GNU_SOURCE
#include <omp.h>
#include <stdio.h>

#include "attack.h"

static int openmp(int argc, char** argv) {
  (void)argc, (void)argv;
  double sum = 0;
  int team = 0;
#pragma omp parallel reduction(+ : sum)
  {
#pragma omp single
    team = omp_get_num_threads();
#pragma omp for
    for (long i = 0; i < (1 << 20); i++) sum += (double)i;
  }
  printf("team %d sum %.0f\n", team, sum);
  return 0;
}

const struct attack ns_attacks[] = {
    {"openmp", openmp, NULL},
    {NULL, NULL, NULL},
};
