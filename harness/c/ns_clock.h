/* A monotonic clock in milliseconds; plain C that also compiles as CUDA C++. */
#ifndef NS_CLOCK_H
#define NS_CLOCK_H
#include <time.h>

static double ns_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}
#endif
