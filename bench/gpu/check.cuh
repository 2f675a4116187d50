// The kit's device programs stop at the first failed CUDA call, naming it. Each program defines
// NS_TOOL (its name, for the message) before including this header.
#pragma once
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>

#define CHECK(call)                                                                       \
  do {                                                                                    \
    cudaError_t e_ = (call);                                                              \
    if (e_ != cudaSuccess) {                                                              \
      std::fprintf(stderr, "%s: %s failed: %s\n", NS_TOOL, #call, cudaGetErrorString(e_)); \
      std::exit(1);                                                                       \
    }                                                                                     \
  } while (0)

/* Times `reps` repetitions of the statement after `ms` with events (after 3 untimed ones) into the vector `ms`. */
#define TIME_REPS(reps, start, end, ms, ...) \
  do {                                            \
    (ms).clear();                                 \
    for (int r_ = -3; r_ < (reps); r_++) {        \
      CHECK(cudaEventRecord(start));              \
      __VA_ARGS__;                                \
      CHECK(cudaEventRecord(end));                \
      CHECK(cudaEventSynchronize(end));           \
      float t_;                                   \
      CHECK(cudaEventElapsedTime(&t_, start, end)); \
      if (r_ >= 0) (ms).push_back(t_);            \
    }                                             \
  } while (0)
