// The toolkit's own occupancy calculator (include/cuda_occupancy.h), run on the host: no GPU or driver needed.
// Used by test/occupancy.test.ts and by the device kit as the reference nightshift's TypeScript must match.
//
// argv: major minor maxThreadsPerBlock maxThreadsPerSM regsPerBlock regsPerSM warpSize
//       smemPerBlock smemPerSM smemPerBlockOptin reservedSmemPerBlock
// stdin: one configuration per line: registers staticSmem dynamicSmem threadsPerBlock barriers
// stdout: per line: activeBlocks limitingFactors regsLimit smemLimit warpsLimit blocksLimit barriersLimit
//         (INT_MAX printed as -1), or "error <code>".
#include <climits>
#include <cstdio>
#include <cstdlib>
#include "cuda_occupancy.h"

static int clip(int v) { return v == INT_MAX ? -1 : v; }

int main(int argc, char** argv) {
  if (argc != 12) {
    std::fprintf(stderr, "usage: %s major minor maxThreadsPerBlock maxThreadsPerSM regsPerBlock regsPerSM warpSize smemPerBlock smemPerSM smemPerBlockOptin reservedSmemPerBlock < configs\n", argv[0]);
    return 2;
  }
  cudaOccDeviceProp prop;
  prop.computeMajor = std::atoi(argv[1]);
  prop.computeMinor = std::atoi(argv[2]);
  prop.maxThreadsPerBlock = std::atoi(argv[3]);
  prop.maxThreadsPerMultiprocessor = std::atoi(argv[4]);
  prop.regsPerBlock = std::atoi(argv[5]);
  prop.regsPerMultiprocessor = std::atoi(argv[6]);
  prop.warpSize = std::atoi(argv[7]);
  prop.sharedMemPerBlock = std::strtoull(argv[8], nullptr, 10);
  prop.sharedMemPerMultiprocessor = std::strtoull(argv[9], nullptr, 10);
  prop.sharedMemPerBlockOptin = std::strtoull(argv[10], nullptr, 10);
  prop.reservedSharedMemPerBlock = std::strtoull(argv[11], nullptr, 10);
  prop.numSms = 1;

  int regs, threads, barriers;
  unsigned long long staticSmem, dynamicSmem;
  while (std::scanf("%d %llu %llu %d %d", &regs, &staticSmem, &dynamicSmem, &threads, &barriers) == 5) {
    cudaOccFuncAttributes attr;
    attr.maxThreadsPerBlock = prop.maxThreadsPerBlock;
    attr.numRegs = regs;
    attr.sharedSizeBytes = staticSmem;
    attr.partitionedGCConfig = PARTITIONED_GC_OFF;
    // nightshift's harness raises cudaFuncAttributeMaxDynamicSharedMemorySize to the launch's dynamic bytes.
    attr.shmemLimitConfig = FUNC_SHMEM_LIMIT_OPTIN;
    attr.maxDynamicSharedSizeBytes = dynamicSmem;
    attr.numBlockBarriers = barriers;
    cudaOccDeviceState state;
    cudaOccResult result;
    cudaOccError err = cudaOccMaxActiveBlocksPerMultiprocessor(&result, &prop, &attr, &state, threads, dynamicSmem);
    if (err != CUDA_OCC_SUCCESS) {
      std::printf("error %d\n", (int)err);
      continue;
    }
    std::printf("%d %u %d %d %d %d %d\n", result.activeBlocksPerMultiprocessor, result.limitingFactors, clip(result.blockLimitRegs),
                clip(result.blockLimitSharedMem), clip(result.blockLimitWarps), clip(result.blockLimitBlocks), clip(result.blockLimitBarriers));
  }
  return 0;
}
