/* Median, minimum and count of a file of little-endian doubles (the harness's samples.bin), for the device
 * kit's shell driver, which has no other way to read them. Prints: median_ms min_ms n */
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  if (argc != 2) { fprintf(stderr, "usage: sample-stats samples.bin\n"); return 2; }
  FILE* f = fopen(argv[1], "rb");
  if (!f) { printf("nan nan 0\n"); return 1; }
  double v[4096];
  size_t n = fread(v, sizeof(double), 4096, f);
  fclose(f);
  if (n == 0) { printf("nan nan 0\n"); return 1; }
  qsort(v, n, sizeof(double), cmp);
  double med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  printf("%.6f %.6f %zu\n", med, v[0], n);
  return 0;
}
