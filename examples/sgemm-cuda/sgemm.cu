// Register-blocked SGEMM, C = A * B, all row-major. A block computes a BM x BN tile of C with
// (BM/TM) * (BN/TN) threads, each owning a TM x TN patch held in registers. Per BK step the block stages
// A's BM x BK slice (transposed, so a thread's TM values are contiguous) and B's BK x BN slice in shared
// memory; PAD adds one float to each staged row to move the transposed stores off a single bank.
// Global loads are VEC floats wide when K (for A) and N (for B) keep them aligned, scalar otherwise, and
// every access is guarded so any M, N, K is computed correctly.

#ifndef BM
#define BM 64
#endif
#ifndef BN
#define BN 64
#endif
#ifndef BK
#define BK 16
#endif
#ifndef TM
#define TM 4
#endif
#ifndef TN
#define TN 4
#endif
#ifndef VEC
#define VEC 4
#endif
#ifndef PAD
#define PAD 1
#endif

#define THREADS ((BM / TM) * (BN / TN))
#define AS_STRIDE (BM + PAD)
#define BS_STRIDE (BN + PAD)

// The type of one VEC-wide global load, chosen by the preprocessor (no templates, so the kernel stays in the
// subset nightshift's proof step interprets).
#if VEC == 1
typedef float vec_t;
#elif VEC == 2
typedef float2 vec_t;
#elif VEC == 4
typedef float4 vec_t;
#else
#error "VEC must be 1, 2 or 4"
#endif

static __device__ __forceinline__ void unpack(float v, float* o) { o[0] = v; }
static __device__ __forceinline__ void unpack(float2 v, float* o) { o[0] = v.x; o[1] = v.y; }
static __device__ __forceinline__ void unpack(float4 v, float* o) { o[0] = v.x; o[1] = v.y; o[2] = v.z; o[3] = v.w; }

// Loads VEC consecutive floats of row `row` starting at column `col` of a rows x cols matrix, zero outside it.
static __device__ __forceinline__ void load_vec(const float* __restrict__ p, int rows, int cols, int row, int col, bool vector_ok, float* o) {
  if (vector_ok && row < rows && col + VEC <= cols) {
    unpack(*reinterpret_cast<const vec_t*>(p + (size_t)row * cols + col), o);
  } else {
#pragma unroll
    for (int v = 0; v < VEC; v++) o[v] = (row < rows && col + v < cols) ? p[(size_t)row * cols + col + v] : 0.0f;
  }
}

extern "C" __global__ void __launch_bounds__(THREADS)
sgemm(const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ Cout, int M, int N, int K) {
  extern __shared__ float smem[];
  float* As = smem;                   // [BK][AS_STRIDE], As[k][m] = A[m0 + m][k0 + k]
  float* Bs = smem + BK * AS_STRIDE;  // [BK][BS_STRIDE], Bs[k][n] = B[k0 + k][n0 + n]

  const int tid = threadIdx.x;
  const int tx = tid % (BN / TN);
  const int ty = tid / (BN / TN);
  const int m0 = blockIdx.y * BM;
  const int n0 = blockIdx.x * BN;
  const bool a_vec = (K % VEC) == 0;
  const bool b_vec = (N % VEC) == 0;

  float acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; i++)
#pragma unroll
    for (int j = 0; j < TN; j++) acc[i][j] = 0.0f;

  for (int k0 = 0; k0 < K; k0 += BK) {
    for (int e = tid; e < BM * BK / VEC; e += THREADS) {
      const int m = e / (BK / VEC);
      const int k = (e % (BK / VEC)) * VEC;
      float v[VEC];
      load_vec(A, M, K, m0 + m, k0 + k, a_vec, v);
#pragma unroll
      for (int w = 0; w < VEC; w++) As[(k + w) * AS_STRIDE + m] = v[w];
    }
    for (int e = tid; e < BK * BN / VEC; e += THREADS) {
      const int k = e / (BN / VEC);
      const int n = (e % (BN / VEC)) * VEC;
      float v[VEC];
      load_vec(B, K, N, k0 + k, n0 + n, b_vec, v);
#pragma unroll
      for (int w = 0; w < VEC; w++) Bs[k * BS_STRIDE + n + w] = v[w];
    }
    __syncthreads();

#pragma unroll
    for (int k = 0; k < BK; k++) {
      float a[TM], b[TN];
#pragma unroll
      for (int i = 0; i < TM; i++) a[i] = As[k * AS_STRIDE + ty * TM + i];
#pragma unroll
      for (int j = 0; j < TN; j++) b[j] = Bs[k * BS_STRIDE + tx * TN + j];
#pragma unroll
      for (int i = 0; i < TM; i++)
#pragma unroll
        for (int j = 0; j < TN; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < TM; i++) {
    const int m = m0 + ty * TM + i;
#pragma unroll
    for (int j = 0; j < TN; j++) {
      const int n = n0 + tx * TN + j;
      if (m < M && n < N) Cout[(size_t)m * N + n] = acc[i][j];
    }
  }
}
