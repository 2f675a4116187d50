// Tiled transpose: out[c * R + r] = in[r * C + c] for a row-major R x C input.
// Each block owns a TILE x TILE tile; its TILE x BLOCK_ROWS threads walk the tile in BLOCK_ROWS strides.
// USE_SHARED=0 is the naive kernel (coalesced reads, strided writes); USE_SHARED=1 stages the tile in
// shared memory so the writes are coalesced too, and PAD=1 shifts each tile row by one bank so the
// column-wise read of the staged tile hits 32 different banks.

#ifndef USE_SHARED
#define USE_SHARED 1
#endif
#ifndef TILE
#define TILE 32
#endif
#ifndef BLOCK_ROWS
#define BLOCK_ROWS 8
#endif
#ifndef PAD
#define PAD 1
#endif

extern "C" __global__ void __launch_bounds__(TILE * BLOCK_ROWS)
transpose(const float* __restrict__ in, float* __restrict__ out, int R, int C) {
  const int c0 = blockIdx.x * TILE;
  const int r0 = blockIdx.y * TILE;
#if USE_SHARED
  extern __shared__ float tile[];  // TILE rows of TILE + PAD floats
  for (int dy = threadIdx.y; dy < TILE; dy += BLOCK_ROWS) {
    const int r = r0 + dy, c = c0 + threadIdx.x;
    if (r < R && c < C) tile[dy * (TILE + PAD) + threadIdx.x] = in[(size_t)r * C + c];
  }
  __syncthreads();
  for (int dy = threadIdx.y; dy < TILE; dy += BLOCK_ROWS) {
    // Output row = input column c0 + dy; output column = input row r0 + threadIdx.x.
    const int c = c0 + dy, r = r0 + threadIdx.x;
    if (r < R && c < C) out[(size_t)c * R + r] = tile[threadIdx.x * (TILE + PAD) + dy];
  }
#else
  for (int dy = threadIdx.y; dy < TILE; dy += BLOCK_ROWS) {
    const int r = r0 + dy, c = c0 + threadIdx.x;
    if (r < R && c < C) out[(size_t)c * R + r] = in[(size_t)r * C + c];
  }
#endif
}
