// Row-major single-precision matrix product; see include/CKernels.h for the contract.
//
// M, N, K = the product's dimensions: C [M, N] = op(A) [M, K] op(B) [K, N].
// MR x NR = one micro-tile of C, held in registers (NR = 16 NV lanes on AVX-512,
// 8 NV on AVX2) while k runs over the whole K range.
//
// Order: every element of the product is one Float accumulator that starts at 0
// and takes fma(a_ik, b_kj, acc) for k = 0, 1, ..., K-1; with `accumulate` the
// element is then added to c once. The three bodies (AVX-512, AVX2 + FMA, scalar
// fmaf) do exactly this, so they give the same bits; so does any split of C into
// blocks (a block is a smaller product with the same K), hence any thread count.
// Nothing here reassociates a sum: the vector lanes are different elements of C.
#include "CKernels.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

#include "targets.h"
#include "transpose16.h"

// MARK: - Packing buffer

// One per thread, grown to the largest panel a call has needed and then kept: no
// allocation in the steady state. The worker pool's threads live as long as the
// process; a thread that ends (e.g. one of libdispatch's) frees its buffer through
// the key's destructor.
static __thread float *packBuffer;
static __thread size_t packCapacity;
static pthread_key_t packKey;
static pthread_once_t packKeyOnce = PTHREAD_ONCE_INIT;

static void make_pack_key(void) { pthread_key_create(&packKey, free); }

/// A buffer of at least `count` floats (64-byte aligned), or NULL when memory is short.
static float *pack_buffer(size_t count) {
  if (count <= packCapacity) return packBuffer;
  pthread_once(&packKeyOnce, make_pack_key);
  void *grown = NULL;
  if (posix_memalign(&grown, 64, count * sizeof(float)) != 0) return NULL;
  free(packBuffer);
  packBuffer = grown;
  packCapacity = count;
  pthread_setspecific(packKey, grown);
  return packBuffer;
}

// MARK: - Scalar

// A(i, p): element (i, p) of op(A); B(p, j) of op(B).
#define DV_A(i, p) (transA ? a[(int64_t)(p) * lda + (i)] : a[(int64_t)(i) * lda + (p)])
#define DV_B(p, j) (transB ? b[(int64_t)(j) * ldb + (p)] : b[(int64_t)(p) * ldb + (j)])

// Columns are taken in blocks of 64 accumulators so that b is read along its rows
// (each element's chain of k is unchanged by that: k stays the outer loop per block).
static void gemm_scalar(
  int32_t transA, int32_t transB, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
  int64_t ldb, float *c, int64_t ldc, int32_t accumulate) {
  float acc[64];
  for (int64_t i = 0; i < m; i++) {
    float *row = c + i * ldc;
    for (int64_t j0 = 0; j0 < n; j0 += 64) {
      const int64_t width = n - j0 < 64 ? n - j0 : 64;
      for (int64_t j = 0; j < width; j++) acc[j] = 0.0f;
      for (int64_t p = 0; p < k; p++) {
        const float x = DV_A(i, p);
        for (int64_t j = 0; j < width; j++) acc[j] = fmaf(x, DV_B(p, j0 + j), acc[j]);
      }
      if (accumulate) {
        for (int64_t j = 0; j < width; j++) row[j0 + j] = row[j0 + j] + acc[j];
      } else {
        for (int64_t j = 0; j < width; j++) row[j0 + j] = acc[j];
      }
    }
  }
}

#if DV_X86
// MARK: - AVX-512

// One micro-tile: MR rows of C by NV vectors of 16 columns, the last vector masked
// by `last`. A's element (i, p) is at A_AT(i, p) relative to `a` (the tile's first
// row, column 0); b points at row 0 of the tile's columns, rows `ldb` apart.
// UNROLL only unrolls the k loop (the order of the terms stays the same).
#define DV_TILE512(NAME, MR, NV, A_AT, UNROLL)                                                              \
  DV_AVX512 static void NAME(                                                                               \
    int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc,             \
    __mmask16 last, int32_t accumulate) {                                                                   \
    __m512 acc[MR][NV];                                                                                     \
    _Pragma("clang loop unroll(full)") for (int i = 0; i < MR; i++) {                                       \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();      \
    }                                                                                                       \
    _Pragma(UNROLL) for (int64_t p = 0; p < k; p++) {                                                       \
      __m512 row[NV];                                                                                       \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {                                     \
        row[v] = v == NV - 1 ? _mm512_maskz_loadu_ps(last, b + 16 * v) : _mm512_loadu_ps(b + 16 * v);       \
      }                                                                                                     \
      _Pragma("clang loop unroll(full)") for (int i = 0; i < MR; i++) {                                     \
        const __m512 x = _mm512_set1_ps(A_AT);                                                              \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {                                   \
          acc[i][v] = _mm512_fmadd_ps(x, row[v], acc[i][v]);                                                \
        }                                                                                                   \
      }                                                                                                     \
      b += ldb;                                                                                             \
    }                                                                                                       \
    _Pragma("clang loop unroll(full)") for (int i = 0; i < MR; i++) {                                       \
      float *out = c + i * ldc;                                                                             \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {                                     \
        const __mmask16 mask = v == NV - 1 ? last : 0xFFFF;                                                 \
        __m512 value = acc[i][v];                                                                           \
        if (accumulate) value = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out + 16 * v), value);            \
        _mm512_mask_storeu_ps(out + 16 * v, mask, value);                                                   \
      }                                                                                                     \
    }                                                                                                       \
  }

typedef void (*Tile512)(int64_t, const float *, int64_t, const float *, int64_t, float *, int64_t, __mmask16, int32_t);

// "rows": A stored [M, K] (element (i, p) at a[i lda + p]); "columns": A stored
// [K, M] (at a[p lda + i]), read without packing: the MR values of one k are adjacent.
#define DV_ROWS_AT a[i * lda + p]
#define DV_COLUMNS_AT a[p * lda + i]
#define DV_TILES512(MR, NV)                                                                                 \
  DV_TILE512(tile512_rows_##MR##x##NV, MR, NV, DV_ROWS_AT, "clang loop unroll_count(1)")                    \
  DV_TILE512(tile512_columns_##MR##x##NV, MR, NV, DV_COLUMNS_AT, "clang loop unroll_count(2)")
#define DV_TILES512_UP_TO_2(MR) DV_TILES512(MR, 1) DV_TILES512(MR, 2)
#define DV_TILES512_UP_TO_3(MR) DV_TILES512(MR, 1) DV_TILES512(MR, 2) DV_TILES512(MR, 3)
DV_TILES512_UP_TO_3(1) DV_TILES512_UP_TO_3(2) DV_TILES512_UP_TO_3(3) DV_TILES512_UP_TO_3(4)
DV_TILES512_UP_TO_3(5) DV_TILES512_UP_TO_3(6) DV_TILES512_UP_TO_3(7) DV_TILES512_UP_TO_3(8)
DV_TILES512_UP_TO_2(9) DV_TILES512_UP_TO_2(10) DV_TILES512_UP_TO_2(11) DV_TILES512_UP_TO_2(12)

// [form][MR][NV]; form 0 = rows, 1 = columns. NULL where a tile is never used.
#define DV_ENTRY3(F, MR) {NULL, tile512_##F##_##MR##x1, tile512_##F##_##MR##x2, tile512_##F##_##MR##x3}
#define DV_ENTRY2(F, MR) {NULL, tile512_##F##_##MR##x1, tile512_##F##_##MR##x2, NULL}
#define DV_TABLE512(F)                                                                                      \
  {{NULL, NULL, NULL, NULL}, DV_ENTRY3(F, 1), DV_ENTRY3(F, 2), DV_ENTRY3(F, 3), DV_ENTRY3(F, 4),            \
   DV_ENTRY3(F, 5), DV_ENTRY3(F, 6), DV_ENTRY3(F, 7), DV_ENTRY3(F, 8), DV_ENTRY2(F, 9), DV_ENTRY2(F, 10),     \
   DV_ENTRY2(F, 11), DV_ENTRY2(F, 12)}
static const Tile512 tiles512[2][13][4] = {DV_TABLE512(rows), DV_TABLE512(columns)};

/// Columns j0 ..< j0 + width of op(B) = B^T, B stored [N, K]: out[p * stride + jj] = b[(j0 + jj) ldb + p],
/// zero for width <= jj < stride (stride a multiple of 16).
DV_AVX512 static void pack_transposed512(
  int64_t k, const float *b, int64_t ldb, int64_t j0, int64_t width, int64_t stride, float *out) {
  for (int64_t p0 = 0; p0 < k; p0 += 16) {
    const int64_t depth = k - p0 < 16 ? k - p0 : 16;
    const __mmask16 mask = dv_lanes16(depth);
    for (int64_t g = 0; g < stride; g += 16) {
      __m512 r[16];
      for (int q = 0; q < 16; q++) {
        r[q] = g + q < width ? _mm512_maskz_loadu_ps(mask, b + (j0 + g + q) * ldb + p0) : _mm512_setzero_ps();
      }
      dv_transpose16(r);
      for (int64_t q = 0; q < depth; q++) _mm512_storeu_ps(out + (p0 + q) * stride + g, r[q]);
    }
  }
}

/// Returns 0 when the packing buffer could not be had (the caller then runs the scalar body).
DV_AVX512 static int gemm_avx512(
  int32_t transA, int32_t transB, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
  int64_t ldb, float *c, int64_t ldc, int32_t accumulate) {
  // The shapes chosen by timing at the VAE's products (gemmlab): 8 x 48 tiles when B
  // is read in place, 12 x 32 when op(B) = B^T is packed (a panel of 32 columns,
  // 100 KB at K = 784, stays in L2 while every row block passes over it).
  const int rowsPerTile = transB ? 12 : 8, vectorsPerTile = transB ? 2 : 3;
  const int64_t panelWidth = 16 * vectorsPerTile;
  float *packed = NULL;
  if (transB) {
    packed = pack_buffer((size_t)(panelWidth * (k > 0 ? k : 1)));
    if (!packed) return 0;
  }
  const Tile512(*table)[4] = tiles512[transA ? 1 : 0];
  // Panels of columns outer (each packed once), row blocks inner.
  for (int64_t j0 = 0; j0 < n; j0 += panelWidth) {
    const int64_t width = n - j0 < panelWidth ? n - j0 : panelWidth;
    const int64_t vectors = (width + 15) / 16;
    const __mmask16 last = dv_lanes16(width - 16 * (vectors - 1));
    const float *panel;
    int64_t panelStride;
    if (transB) {
      panelStride = 16 * vectors;
      pack_transposed512(k, b, ldb, j0, width, panelStride, packed);
      panel = packed;
    } else {
      panel = b + j0;
      panelStride = ldb;
    }
    for (int64_t i0 = 0; i0 < m; i0 += rowsPerTile) {
      const int64_t rows = m - i0 < rowsPerTile ? m - i0 : rowsPerTile;
      const float *aTile = transA ? a + i0 : a + i0 * lda;
      table[rows][vectors](k, aTile, lda, panel, panelStride, c + i0 * ldc + j0, ldc, last, accumulate);
    }
  }
  return 1;
}

// MARK: - AVX2 + FMA

// As DV_TILE512 with 8 lanes: MR rows by NV vectors of 8 columns, the last one masked.
#define DV_TILE256(NAME, MR, NV, A_AT)                                                                      \
  DV_AVX2 static void NAME(                                                                                 \
    int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc,             \
    __m256i last, int32_t accumulate) {                                                                     \
    const __m256i all = _mm256_set1_epi32(-1);                                                              \
    __m256 acc[MR][NV];                                                                                     \
    _Pragma("clang loop unroll(full)") for (int i = 0; i < MR; i++) {                                       \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) acc[i][v] = _mm256_setzero_ps();      \
    }                                                                                                       \
    for (int64_t p = 0; p < k; p++) {                                                                       \
      __m256 row[NV];                                                                                       \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {                                     \
        row[v] = v == NV - 1 ? _mm256_maskload_ps(b + 8 * v, last) : _mm256_loadu_ps(b + 8 * v);            \
      }                                                                                                     \
      _Pragma("clang loop unroll(full)") for (int i = 0; i < MR; i++) {                                     \
        const __m256 x = _mm256_set1_ps(A_AT);                                                              \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {                                   \
          acc[i][v] = _mm256_fmadd_ps(x, row[v], acc[i][v]);                                                \
        }                                                                                                   \
      }                                                                                                     \
      b += ldb;                                                                                             \
    }                                                                                                       \
    _Pragma("clang loop unroll(full)") for (int i = 0; i < MR; i++) {                                       \
      float *out = c + i * ldc;                                                                             \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {                                     \
        const __m256i mask = v == NV - 1 ? last : all;                                                      \
        __m256 value = acc[i][v];                                                                           \
        if (accumulate) value = _mm256_add_ps(_mm256_maskload_ps(out + 8 * v, mask), value);                \
        _mm256_maskstore_ps(out + 8 * v, mask, value);                                                      \
      }                                                                                                     \
    }                                                                                                       \
  }

typedef void (*Tile256)(int64_t, const float *, int64_t, const float *, int64_t, float *, int64_t, __m256i, int32_t);

#define DV_TILES256(MR)                                                                                     \
  DV_TILE256(tile256_rows_##MR##x1, MR, 1, DV_ROWS_AT)                                                      \
  DV_TILE256(tile256_rows_##MR##x2, MR, 2, DV_ROWS_AT)                                                      \
  DV_TILE256(tile256_columns_##MR##x1, MR, 1, DV_COLUMNS_AT)                                                \
  DV_TILE256(tile256_columns_##MR##x2, MR, 2, DV_COLUMNS_AT)
DV_TILES256(1) DV_TILES256(2) DV_TILES256(3) DV_TILES256(4) DV_TILES256(5) DV_TILES256(6)

#define DV_ENTRY256(F, MR) {NULL, tile256_##F##_##MR##x1, tile256_##F##_##MR##x2}
#define DV_TABLE256(F)                                                                                      \
  {{NULL, NULL, NULL}, DV_ENTRY256(F, 1), DV_ENTRY256(F, 2), DV_ENTRY256(F, 3), DV_ENTRY256(F, 4),          \
   DV_ENTRY256(F, 5), DV_ENTRY256(F, 6)}
static const Tile256 tiles256[2][7][3] = {DV_TABLE256(rows), DV_TABLE256(columns)};

/// Returns 0 when the packing buffer could not be had (the caller then runs the scalar body).
DV_AVX2 static int gemm_avx2(
  int32_t transA, int32_t transB, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
  int64_t ldb, float *c, int64_t ldc, int32_t accumulate) {
  // 6 x 16 tiles: 12 accumulators, two rows of B and a broadcast in the 16 ymm registers.
  enum { rowsPerTile = 6, panelWidth = 16 };
  float *packed = NULL;
  if (transB) {
    packed = pack_buffer((size_t)(panelWidth * (k > 0 ? k : 1)));
    if (!packed) return 0;
  }
  const Tile256(*table)[3] = tiles256[transA ? 1 : 0];
  const __m256i laneIndex = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int64_t j0 = 0; j0 < n; j0 += panelWidth) {
    const int64_t width = n - j0 < panelWidth ? n - j0 : panelWidth;
    const int64_t vectors = (width + 7) / 8;
    const __m256i last = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(width - 8 * (vectors - 1))), laneIndex);
    const float *panel;
    int64_t panelStride;
    if (transB) {
      // Plain loops: packing is a small part of the work at these sizes.
      panelStride = 8 * vectors;
      for (int64_t p = 0; p < k; p++) {
        for (int64_t jj = 0; jj < panelStride; jj++) {
          packed[p * panelStride + jj] = jj < width ? b[(j0 + jj) * ldb + p] : 0.0f;
        }
      }
      panel = packed;
    } else {
      panel = b + j0;
      panelStride = ldb;
    }
    for (int64_t i0 = 0; i0 < m; i0 += rowsPerTile) {
      const int64_t rows = m - i0 < rowsPerTile ? m - i0 : rowsPerTile;
      const float *aTile = transA ? a + i0 : a + i0 * lda;
      table[rows][vectors](k, aTile, lda, panel, panelStride, c + i0 * ldc + j0, ldc, last, accumulate);
    }
  }
  return 1;
}
#endif

// MARK: - Entry points

int dv_gemm_isa(
  int32_t isa, int32_t transA, int32_t transB, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
  const float *b, int64_t ldb, float *c, int64_t ldc, int32_t accumulate) {
  if (isa < 0 || isa > dv_isa()) return 0;
  if (m <= 0 || n <= 0) return 1;
  if (k < 0) k = 0;
#if DV_X86
  if (isa == 2 && gemm_avx512(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate)) return 1;
  if (isa == 1 && gemm_avx2(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate)) return 1;
#endif
  gemm_scalar(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
  return 1;
}

void dv_gemm(
  int32_t transA, int32_t transB, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
  int64_t ldb, float *c, int64_t ldc, int32_t accumulate) {
  dv_gemm_isa(dv_isa(), transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}
