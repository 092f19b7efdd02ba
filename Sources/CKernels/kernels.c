// Run-time dispatched kernels; see include/CKernels.h for the contracts.
//
// Each kernel has three bodies: AVX-512F (16 lanes), AVX2 + FMA (8 lanes) and
// portable C (fmaf). They do the same fused multiply-adds in the same order on
// every element, so they give the same bits; only the width differs.
#include "CKernels.h"

#include <float.h>
#include <math.h>
#include <stddef.h>

#include "targets.h"

// MARK: - CPU probe

static int probed = -1;

int dv_isa(void) {
  int isa = __atomic_load_n(&probed, __ATOMIC_RELAXED);
  if (isa >= 0) return isa;
  isa = 0;
#if DV_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) {
    isa = 2;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    isa = 1;
  }
#endif
  __atomic_store_n(&probed, isa, __ATOMIC_RELAXED);
  return isa;
}

// MARK: - FMA peak

#if DV_X86
DV_AVX512 static double fma_loop_avx512(int64_t iterations, float *sink) {
  // 16 independent chains: enough to cover a 4-cycle latency on two pipes.
  __m512 a[16];
  for (int i = 0; i < 16; i++) a[i] = _mm512_set1_ps(1.0f + 0.001f * (float)i);
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t t = 0; t < iterations; t++) {
    a[0] = _mm512_fmadd_ps(a[0], x, y); a[1] = _mm512_fmadd_ps(a[1], x, y);
    a[2] = _mm512_fmadd_ps(a[2], x, y); a[3] = _mm512_fmadd_ps(a[3], x, y);
    a[4] = _mm512_fmadd_ps(a[4], x, y); a[5] = _mm512_fmadd_ps(a[5], x, y);
    a[6] = _mm512_fmadd_ps(a[6], x, y); a[7] = _mm512_fmadd_ps(a[7], x, y);
    a[8] = _mm512_fmadd_ps(a[8], x, y); a[9] = _mm512_fmadd_ps(a[9], x, y);
    a[10] = _mm512_fmadd_ps(a[10], x, y); a[11] = _mm512_fmadd_ps(a[11], x, y);
    a[12] = _mm512_fmadd_ps(a[12], x, y); a[13] = _mm512_fmadd_ps(a[13], x, y);
    a[14] = _mm512_fmadd_ps(a[14], x, y); a[15] = _mm512_fmadd_ps(a[15], x, y);
  }
  __m512 s = a[0];
  for (int i = 1; i < 16; i++) s = _mm512_add_ps(s, a[i]);
  *sink = _mm512_reduce_add_ps(s);
  return (double)iterations * 16 * 16 * 2;
}

DV_AVX2 static double fma_loop_avx2(int64_t iterations, float *sink) {
  // 12 chains: 16 ymm registers hold them, the two constants and a spare.
  __m256 a[12];
  for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps(1.0f + 0.001f * (float)i);
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int64_t t = 0; t < iterations; t++) {
    a[0] = _mm256_fmadd_ps(a[0], x, y); a[1] = _mm256_fmadd_ps(a[1], x, y);
    a[2] = _mm256_fmadd_ps(a[2], x, y); a[3] = _mm256_fmadd_ps(a[3], x, y);
    a[4] = _mm256_fmadd_ps(a[4], x, y); a[5] = _mm256_fmadd_ps(a[5], x, y);
    a[6] = _mm256_fmadd_ps(a[6], x, y); a[7] = _mm256_fmadd_ps(a[7], x, y);
    a[8] = _mm256_fmadd_ps(a[8], x, y); a[9] = _mm256_fmadd_ps(a[9], x, y);
    a[10] = _mm256_fmadd_ps(a[10], x, y); a[11] = _mm256_fmadd_ps(a[11], x, y);
  }
  __m256 s = a[0];
  for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, a[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, s);
  float total = 0;
  for (int i = 0; i < 8; i++) total += lanes[i];
  *sink = total;
  return (double)iterations * 12 * 8 * 2;
}
#endif

static double fma_loop_scalar(int64_t iterations, float *sink) {
  float a[8];
  for (int i = 0; i < 8; i++) a[i] = 1.0f + 0.001f * (float)i;
  for (int64_t t = 0; t < iterations; t++) {
    for (int i = 0; i < 8; i++) a[i] = fmaf(a[i], 0.999999f, 1e-7f);
  }
  float total = 0;
  for (int i = 0; i < 8; i++) total += a[i];
  *sink = total;
  return (double)iterations * 8 * 2;
}

double dv_fma_loop(int64_t iterations, float *sink) {
#if DV_X86
  switch (dv_isa()) {
  case 2: return fma_loop_avx512(iterations, sink);
  case 1: return fma_loop_avx2(iterations, sink);
  default: break;
  }
#endif
  return fma_loop_scalar(iterations, sink);
}

// MARK: - Sparse rows times dense

// The rows of b a column block reads are taken in slices small enough to stay in
// L1 (32 KB: 64 rows of a 128-column block, 128 rows of a 64-column one) while
// every output row takes its entries that fall in the slice; the partial sums are
// stored in c between slices and loaded back. Each element still starts from the
// bias (or 0) and adds its entries in order of k, one fused multiply-add each, so
// the slicing changes no bit. Reading the whole depth at once (each entry's row of b
// from L2), the first layer's forward product on MNIST batches ran 1.38-1.45x slower.
#define DV_SLICE_BYTES 32768
// Rows of c whose next entry each slice remembers (a stack array; longer runs of
// rows are taken in groups).
#define DV_ROW_GROUP 256

// Runs BODY for each row r of the group that has entries in the slice of b rows
// [k0, k1) (and for every row in the first and last slice, which initialise and
// finish c); BODY takes the row's entries from k on while k < end and index[k] < k1,
// leaving k at the first entry of a later slice.
#define DV_FOR_SLICES(ROWS, DEPTH, SLICE_ROWS, BODY)                                                       \
  int32_t cursor[DV_ROW_GROUP];                                                                             \
  /* Two slices cost more (a round trip of c) than they save: one slice then. */                            \
  const int32_t sliceRows = (DEPTH) > 2 * (SLICE_ROWS) ? (SLICE_ROWS) : (DEPTH);                            \
  for (int32_t g = 0; g < (ROWS); g += DV_ROW_GROUP) {                                                      \
    const int32_t groupRows = (ROWS) - g < DV_ROW_GROUP ? (ROWS) - g : DV_ROW_GROUP;                        \
    for (int32_t i = 0; i < groupRows; i++) cursor[i] = start[g + i];                                       \
    for (int32_t k0 = 0;; k0 += sliceRows) {                                                                \
      const int32_t k1 = k0 + sliceRows;                                                                    \
      const int first = k0 == 0, lastSlice = k1 >= (DEPTH);                                                 \
      for (int32_t i = 0; i < groupRows; i++) {                                                             \
        const int32_t r = g + i, end = start[r + 1];                                                        \
        int32_t k = cursor[i];                                                                              \
        if (!first && !lastSlice && (k == end || index[k] >= k1)) continue;                                 \
        BODY                                                                                                \
        cursor[i] = k;                                                                                      \
      }                                                                                                     \
      if (lastSlice) break;                                                                                 \
    }                                                                                                       \
  }

#if DV_X86
// The terms of one row in one slice, while CONDITION holds.
#define DV_TERMS512(NV, CONDITION)                                                                          \
  for (; CONDITION; k++) {                                                                                  \
    const __m512 w = _mm512_set1_ps(value[k]);                                                              \
    const float *row = b + (int64_t)index[k] * ldb + c0;                                                    \
    for (int i = 0; i < NV; i++) {                                                                          \
      __mmask16 mask = i == NV - 1 ? last : 0xFFFF;                                                         \
      acc[i] = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(mask, row + 16 * i), acc[i]);                       \
    }                                                                                                       \
  }

// One column block of NV vectors (the last one partial when `tail` lanes < full),
// for every row. NV is a constant after inlining, so the accumulators stay in registers.
#define DV_BLOCK512(NV)                                                                                     \
  DV_AVX512 static void block512_##NV(                                                                      \
    int32_t rows, int32_t depth, int32_t c0, __mmask16 last, const int32_t *start, const int32_t *index,    \
    const float *value, const float *b, int64_t ldb, const float *bias, int32_t relu, float *c, int64_t ldc) { \
    DV_FOR_SLICES(rows, depth, DV_SLICE_BYTES / (64 * NV), {                                                \
      float *out = c + (int64_t)r * ldc + c0;                                                               \
      __m512 acc[NV];                                                                                       \
      for (int i = 0; i < NV; i++) {                                                                        \
        __mmask16 mask = i == NV - 1 ? last : 0xFFFF;                                                       \
        acc[i] = !first ? _mm512_maskz_loadu_ps(mask, out + 16 * i)                                         \
               : bias   ? _mm512_maskz_loadu_ps(mask, bias + c0 + 16 * i)                                   \
                        : _mm512_setzero_ps();                                                              \
      }                                                                                                     \
      if (lastSlice) DV_TERMS512(NV, k < end)                                                               \
      else DV_TERMS512(NV, k < end && index[k] < k1)                                                        \
      for (int i = 0; i < NV; i++) {                                                                        \
        __mmask16 mask = i == NV - 1 ? last : 0xFFFF;                                                       \
        __m512 v = relu && lastSlice ? _mm512_max_ps(acc[i], _mm512_setzero_ps()) : acc[i];                 \
        _mm512_mask_storeu_ps(out + 16 * i, mask, v);                                                       \
      }                                                                                                     \
    })                                                                                                      \
  }
DV_BLOCK512(8)
DV_BLOCK512(4)
DV_BLOCK512(2)
DV_BLOCK512(1)

DV_AVX512 static void sparse_dense_avx512(
  int32_t rows, int32_t n, int32_t depth, const int32_t *start, const int32_t *index, const float *value,
  const float *b, int64_t ldb, const float *bias, int32_t relu, float *c, int64_t ldc) {
  int32_t c0 = 0;
  // Blocks of 128 columns (8 vectors).
  while (c0 < n) {
    int32_t width = n - c0 < 128 ? n - c0 : 128;
    int32_t vectors = (width + 15) / 16;
    int32_t tail = width - 16 * (vectors - 1);
    __mmask16 last = (__mmask16)((1u << tail) - 1);
    if (vectors > 4) {
      // 5...8 vectors: pad to 8 with empty masks past the end (loads and stores of nothing).
      if (vectors == 8) {
        block512_8(rows, depth, c0, last, start, index, value, b, ldb, bias, relu, c, ldc);
      } else {
        // Split: 4 full vectors, then the rest.
        block512_4(rows, depth, c0, 0xFFFF, start, index, value, b, ldb, bias, relu, c, ldc);
        c0 += 64;
        continue;
      }
    } else if (vectors > 2) {
      if (vectors == 4) {
        block512_4(rows, depth, c0, last, start, index, value, b, ldb, bias, relu, c, ldc);
      } else {
        block512_2(rows, depth, c0, 0xFFFF, start, index, value, b, ldb, bias, relu, c, ldc);
        c0 += 32;
        continue;
      }
    } else if (vectors == 2) {
      block512_2(rows, depth, c0, last, start, index, value, b, ldb, bias, relu, c, ldc);
    } else {
      block512_1(rows, depth, c0, last, start, index, value, b, ldb, bias, relu, c, ldc);
    }
    c0 += width;
  }
}

DV_AVX2 static inline __m256 mask_load256(__m256i mask, const float *p) { return _mm256_maskload_ps(p, mask); }

// The terms of one row in one slice, while CONDITION holds.
#define DV_TERMS256(NV, CONDITION)                                                                          \
  for (; CONDITION; k++) {                                                                                  \
    const __m256 w = _mm256_set1_ps(value[k]);                                                              \
    const float *row = b + (int64_t)index[k] * ldb + c0;                                                    \
    for (int i = 0; i < NV; i++) {                                                                          \
      __m256i mask = i == NV - 1 ? last : all;                                                              \
      acc[i] = _mm256_fmadd_ps(w, mask_load256(mask, row + 8 * i), acc[i]);                                 \
    }                                                                                                       \
  }

#define DV_BLOCK256(NV)                                                                                     \
  DV_AVX2 static void block256_##NV(                                                                        \
    int32_t rows, int32_t depth, int32_t c0, __m256i last, const int32_t *start, const int32_t *index,      \
    const float *value, const float *b, int64_t ldb, const float *bias, int32_t relu, float *c, int64_t ldc) { \
    const __m256i all = _mm256_set1_epi32(-1);                                                              \
    DV_FOR_SLICES(rows, depth, DV_SLICE_BYTES / (32 * NV), {                                                \
      float *out = c + (int64_t)r * ldc + c0;                                                               \
      __m256 acc[NV];                                                                                       \
      for (int i = 0; i < NV; i++) {                                                                        \
        __m256i mask = i == NV - 1 ? last : all;                                                            \
        acc[i] = !first ? mask_load256(mask, out + 8 * i)                                                   \
               : bias   ? mask_load256(mask, bias + c0 + 8 * i)                                             \
                        : _mm256_setzero_ps();                                                              \
      }                                                                                                     \
      if (lastSlice) DV_TERMS256(NV, k < end)                                                               \
      else DV_TERMS256(NV, k < end && index[k] < k1)                                                        \
      for (int i = 0; i < NV; i++) {                                                                        \
        __m256i mask = i == NV - 1 ? last : all;                                                            \
        __m256 v = relu && lastSlice ? _mm256_max_ps(acc[i], _mm256_setzero_ps()) : acc[i];                 \
        _mm256_maskstore_ps(out + 8 * i, mask, v);                                                          \
      }                                                                                                     \
    })                                                                                                      \
  }
DV_BLOCK256(8)
DV_BLOCK256(1)

DV_AVX2 static void sparse_dense_avx2(
  int32_t rows, int32_t n, int32_t depth, const int32_t *start, const int32_t *index, const float *value,
  const float *b, int64_t ldb, const float *bias, int32_t relu, float *c, int64_t ldc) {
  const __m256i all = _mm256_set1_epi32(-1);
  int32_t c0 = 0;
  // Blocks of 64 columns (8 vectors of the 16 registers), then single vectors.
  for (; c0 + 64 <= n; c0 += 64) block256_8(rows, depth, c0, all, start, index, value, b, ldb, bias, relu, c, ldc);
  for (; c0 < n; c0 += 8) {
    int32_t tail = n - c0 < 8 ? n - c0 : 8;
    __m256i last = _mm256_cmpgt_epi32(_mm256_set1_epi32(tail), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    block256_1(rows, depth, c0, last, start, index, value, b, ldb, bias, relu, c, ldc);
  }
}
#endif

static void sparse_dense_scalar(
  int32_t rows, int32_t n, const int32_t *start, const int32_t *index, const float *value, const float *b,
  int64_t ldb, const float *bias, int32_t relu, float *c, int64_t ldc) {
  for (int32_t r = 0; r < rows; r++) {
    float *out = c + (int64_t)r * ldc;
    for (int32_t j = 0; j < n; j++) out[j] = bias ? bias[j] : 0.0f;
    for (int32_t k = start[r]; k < start[r + 1]; k++) {
      const float w = value[k];
      const float *row = b + (int64_t)index[k] * ldb;
      for (int32_t j = 0; j < n; j++) out[j] = fmaf(w, row[j], out[j]);
    }
    if (relu) {
      for (int32_t j = 0; j < n; j++) out[j] = out[j] > 0.0f ? out[j] : 0.0f;
    }
  }
}

void dv_sparse_dense(
  int32_t rows, int32_t n, int32_t depth, const int32_t *start, const int32_t *index, const float *value,
  const float *b, int64_t ldb, const float *bias, int32_t relu, float *c, int64_t ldc) {
  if (rows <= 0 || n <= 0) return;
#if DV_X86
  switch (dv_isa()) {
  case 2: sparse_dense_avx512(rows, n, depth, start, index, value, b, ldb, bias, relu, c, ldc); return;
  case 1: sparse_dense_avx2(rows, n, depth, start, index, value, b, ldb, bias, relu, c, ldc); return;
  default: break;
  }
#endif
  sparse_dense_scalar(rows, n, start, index, value, b, ldb, bias, relu, c, ldc);
}

// MARK: - Compression

#if DV_X86
DV_AVX512 static int64_t compress_rows_avx512(
  int32_t rows, int32_t columns, const float *x, int64_t ldx, int32_t *start, int32_t *index, float *value) {
  int64_t count = 0;
  const __m512i step = _mm512_set1_epi32(16);
  start[0] = 0;
  for (int32_t r = 0; r < rows; r++) {
    const float *row = x + (int64_t)r * ldx;
    __m512i columnsHere = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    int32_t j = 0;
    for (; j + 16 <= columns; j += 16) {
      __m512 v = _mm512_loadu_ps(row + j);
      __mmask16 nonzero = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_UQ);
      // Compress in registers, then store all 16 lanes: the masked compress-store to
      // memory is microcoded and slow on Zen 4. Lanes past the entries are overwritten
      // by the next store (hence the 16 spare slots the header asks for).
      _mm512_storeu_ps(value + count, _mm512_maskz_compress_ps(nonzero, v));
      _mm512_storeu_si512(index + count, _mm512_maskz_compress_epi32(nonzero, columnsHere));
      count += __builtin_popcount(nonzero);
      columnsHere = _mm512_add_epi32(columnsHere, step);
    }
    for (; j < columns; j++) {
      float v = row[j];
      index[count] = j;
      value[count] = v;
      count += v != 0.0f;
    }
    start[r + 1] = (int32_t)count;
  }
  return count;
}
#endif

int64_t dv_compress_rows(
  int32_t rows, int32_t columns, const float *x, int64_t ldx, int32_t *start, int32_t *index, float *value) {
#if DV_X86
  if (dv_isa() == 2) return compress_rows_avx512(rows, columns, x, ldx, start, index, value);
#endif
  int64_t count = 0;
  start[0] = 0;
  for (int32_t r = 0; r < rows; r++) {
    const float *row = x + (int64_t)r * ldx;
    for (int32_t j = 0; j < columns; j++) {
      // Branch-free: write every entry, advance only past the non-zero ones.
      float v = row[j];
      index[count] = j;
      value[count] = v;
      count += v != 0.0f;
    }
    start[r + 1] = (int32_t)count;
  }
  return count;
}

void dv_transpose_compressed(
  int32_t rows, int32_t columns, const int32_t *start, const int32_t *index, const float *value,
  int32_t *columnStart, int32_t *rowIndex, float *columnValue) {
  for (int32_t j = 0; j <= columns; j++) columnStart[j] = 0;
  const int32_t total = start[rows];
  for (int32_t k = 0; k < total; k++) columnStart[index[k] + 1]++;
  for (int32_t j = 0; j < columns; j++) columnStart[j + 1] += columnStart[j];
  // columnStart[j] serves as the fill position of column j, then is shifted back.
  for (int32_t r = 0; r < rows; r++) {
    for (int32_t k = start[r]; k < start[r + 1]; k++) {
      int32_t at = columnStart[index[k]]++;
      rowIndex[at] = r;
      columnValue[at] = value[k];
    }
  }
  for (int32_t j = columns; j > 0; j--) columnStart[j] = columnStart[j - 1];
  columnStart[0] = 0;
}

// MARK: - Adam

#if DV_X86
DV_AVX512 static void adam_avx512(
  int64_t count, float *p, const float *g, float *m, float *v, float b1, float b2, float stepSize, float ic2,
  float eps) {
  const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2);
  const __m512 c1 = _mm512_set1_ps(1 - b1), c2 = _mm512_set1_ps(1 - b2);
  const __m512 vic2 = _mm512_set1_ps(ic2), veps = _mm512_set1_ps(eps), vstep = _mm512_set1_ps(-stepSize);
  const __m512 tiny = _mm512_set1_ps(FLT_MIN);
  for (int64_t i = 0; i < count; i += 16) {
    __m512 gi = _mm512_loadu_ps(g + i);
    __m512 mi = _mm512_fmadd_ps(vb1, _mm512_loadu_ps(m + i), _mm512_mul_ps(c1, gi));
    __m512 vi = _mm512_fmadd_ps(vb2, _mm512_loadu_ps(v + i), _mm512_mul_ps(c2, _mm512_mul_ps(gi, gi)));
    mi = _mm512_mask_mov_ps(mi, _mm512_cmp_ps_mask(_mm512_abs_ps(mi), tiny, _CMP_LT_OQ), _mm512_setzero_ps());
    vi = _mm512_mask_mov_ps(vi, _mm512_cmp_ps_mask(vi, tiny, _CMP_LT_OQ), _mm512_setzero_ps());
    __m512 denominator = _mm512_fmadd_ps(_mm512_sqrt_ps(vi), vic2, veps);
    _mm512_storeu_ps(m + i, mi);
    _mm512_storeu_ps(v + i, vi);
    _mm512_storeu_ps(p + i, _mm512_fmadd_ps(vstep, _mm512_div_ps(mi, denominator), _mm512_loadu_ps(p + i)));
  }
}

DV_AVX2 static void adam_avx2(
  int64_t count, float *p, const float *g, float *m, float *v, float b1, float b2, float stepSize, float ic2,
  float eps) {
  const __m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2);
  const __m256 c1 = _mm256_set1_ps(1 - b1), c2 = _mm256_set1_ps(1 - b2);
  const __m256 vic2 = _mm256_set1_ps(ic2), veps = _mm256_set1_ps(eps), vstep = _mm256_set1_ps(-stepSize);
  const __m256 tiny = _mm256_set1_ps(FLT_MIN), sign = _mm256_set1_ps(-0.0f);
  for (int64_t i = 0; i < count; i += 8) {
    __m256 gi = _mm256_loadu_ps(g + i);
    __m256 mi = _mm256_fmadd_ps(vb1, _mm256_loadu_ps(m + i), _mm256_mul_ps(c1, gi));
    __m256 vi = _mm256_fmadd_ps(vb2, _mm256_loadu_ps(v + i), _mm256_mul_ps(c2, _mm256_mul_ps(gi, gi)));
    mi = _mm256_andnot_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, mi), tiny, _CMP_LT_OQ), mi);
    vi = _mm256_andnot_ps(_mm256_cmp_ps(vi, tiny, _CMP_LT_OQ), vi);
    __m256 denominator = _mm256_fmadd_ps(_mm256_sqrt_ps(vi), vic2, veps);
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    _mm256_storeu_ps(p + i, _mm256_fmadd_ps(vstep, _mm256_div_ps(mi, denominator), _mm256_loadu_ps(p + i)));
  }
}
#endif

void dv_adam(
  int64_t count, float *p, const float *g, float *m, float *v, float b1, float b2, float stepSize, float ic2,
  float eps) {
#if DV_X86
  switch (dv_isa()) {
  case 2: adam_avx512(count, p, g, m, v, b1, b2, stepSize, ic2, eps); return;
  case 1: adam_avx2(count, p, g, m, v, b1, b2, stepSize, ic2, eps); return;
  default: break;
  }
#endif
  const float c1 = 1 - b1, c2 = 1 - b2;
  for (int64_t i = 0; i < count; i++) {
    float gi = g[i];
    float mi = fmaf(b1, m[i], c1 * gi);
    float vi = fmaf(b2, v[i], c2 * (gi * gi));
    if (fabsf(mi) < FLT_MIN) mi = 0.0f;
    if (vi < FLT_MIN) vi = 0.0f;
    float denominator = fmaf(sqrtf(vi), ic2, eps);
    m[i] = mi;
    v[i] = vi;
    p[i] = fmaf(-stepSize, mi / denominator, p[i]);
  }
}

// MARK: - Finiteness and bytes

// Plain loops, inlined into wrappers compiled for each target so that the compiler
// vectorises them at that width (integer OR, and element-wise arithmetic: no
// reassociation of floating-point sums, so every width gives the same result).
DV_INLINE int all_finite_generic(int64_t count, const float *x) {
  // A Float is NaN or infinite exactly when its exponent bits are all ones.
  const uint32_t *bits = (const uint32_t *)x;
  uint32_t bad = 0;
  for (int64_t i = 0; i < count; i++) bad |= (uint32_t)((bits[i] & 0x7F800000u) == 0x7F800000u);
  return bad == 0;
}

/// x / 255 without a division: q = x (1/255) is within an ulp of it, and one correction
/// step with the exact remainder x - 255 q (a fused multiply-add) rounds it to x / 255
/// itself, for each of the 256 byte values (the tests check all of them).
DV_INLINE void bytes_to_unit_generic(int64_t count, const uint8_t *source, float *output) {
  const float reciprocal = 1.0f / 255.0f;
  for (int64_t i = 0; i < count; i++) {
    float x = (float)source[i];
    float q = x * reciprocal;
    output[i] = __builtin_fmaf(__builtin_fmaf(-q, 255.0f, x), reciprocal, q);
  }
}

#if DV_X86
DV_AVX512 static int all_finite_avx512(int64_t count, const float *x) { return all_finite_generic(count, x); }
DV_AVX2 static int all_finite_avx2(int64_t count, const float *x) { return all_finite_generic(count, x); }
DV_AVX512 static void bytes_to_unit_avx512(int64_t count, const uint8_t *source, float *output) {
  bytes_to_unit_generic(count, source, output);
}
DV_AVX2 static void bytes_to_unit_avx2(int64_t count, const uint8_t *source, float *output) {
  bytes_to_unit_generic(count, source, output);
}
#endif

int dv_all_finite(int64_t count, const float *x) {
#if DV_X86
  switch (dv_isa()) {
  case 2: return all_finite_avx512(count, x);
  case 1: return all_finite_avx2(count, x);
  default: break;
  }
#endif
  return all_finite_generic(count, x);
}

void dv_bytes_to_unit(int64_t count, const uint8_t *source, float *output) {
#if DV_X86
  switch (dv_isa()) {
  case 2: bytes_to_unit_avx512(count, source, output); return;
  case 1: bytes_to_unit_avx2(count, source, output); return;
  default: break;
  }
#endif
  bytes_to_unit_generic(count, source, output);
}

// MARK: - Bernoulli loss

// The 16-lane helpers below are always inlined into a wrapper with a target, so
// the ABI of a 512-bit vector argument outside AVX-512 never arises.
#pragma clang diagnostic ignored "-Wpsabi"

// Written once on 16-lane vectors and compiled three times (AVX-512, AVX2 + FMA,
// portable) by inlining into wrappers with different targets: the same operations,
// fused multiply-adds included, so every variant gives the same bits.
typedef float v16f __attribute__((ext_vector_type(16)));
typedef int32_t v16i __attribute__((ext_vector_type(16)));

DV_INLINE v16f vsplat(float x) { return (v16f)x; }
DV_INLINE v16f vfma(v16f a, v16f b, v16f c) { return __builtin_elementwise_fma(a, b, c); }
DV_INLINE v16f vbits(v16i x) { return __builtin_bit_cast(v16f, x); }
DV_INLINE v16i ibits(v16f x) { return __builtin_bit_cast(v16i, x); }
/// Lane-wise mask ? a : b, for a mask of all-ones or all-zeros lanes.
DV_INLINE v16f vselect(v16i mask, v16f a, v16f b) { return vbits((ibits(a) & mask) | (ibits(b) & ~mask)); }

/// e^r by the Cephes polynomial, for x = n ln2 + r with |r| <= ln2 / 2 and x in [-104, 0];
/// n (as an integer) goes to `n`.
DV_INLINE v16f vexp_reduced(v16f x, v16i *n) {
  const v16f magic = vsplat(12582912.0f);
  v16f t = vfma(x, vsplat(1.4426950408889634f), magic);
  v16f whole = t - magic;
  v16f r = vfma(whole, vsplat(-0.693359375f), x);
  r = vfma(whole, vsplat(2.12194440054690583e-4f), r);
  v16f r2 = r * r;
  v16f p = vsplat(1.9875691500e-4f);
  p = vfma(p, r, vsplat(1.3981999507e-3f));
  p = vfma(p, r, vsplat(8.3334519073e-3f));
  p = vfma(p, r, vsplat(4.1665795894e-2f));
  p = vfma(p, r, vsplat(1.6666665459e-1f));
  p = vfma(p, r, vsplat(5.0000001201e-1f));
  *n = ibits(t) - 0x4B400000;
  return vfma(p, r2, r + vsplat(1.0f));
}

/// e^x for x <= 0 (the callers' case): x = n ln2 + r, e^r by the Cephes polynomial,
/// 2^n in two halves so that subnormal results need no special case; 0 below -103.97.
DV_INLINE v16f vexp_nonpositive(v16f x) {
  v16f clamped = vselect(x < vsplat(-104.0f), vsplat(-104.0f), x);
  v16i k;
  v16f p = vexp_reduced(clamped, &k);
  v16i k1 = k >> 1;
  v16i k2 = k - k1;
  v16f result = p * vbits((k1 + 127) << 23) * vbits((k2 + 127) << 23);
  return vselect(x < vsplat(-103.97208f), vsplat(0.0f), result);
}

/// e^x for x <= 0 where only 1 + e^x matters: below -80 it gives e^-80 (1.8e-35, which
/// 1 + e^x rounds away like any e^x below 2^-25), so the result is never subnormal and
/// 2^n is one multiply. Same polynomial as vexp_nonpositive.
DV_INLINE v16f vexp_beside_one(v16f x) {
  v16i k;
  v16f p = vexp_reduced(vselect(x < vsplat(-80.0f), vsplat(-80.0f), x), &k);
  return p * vbits((k + 127) << 23);
}

/// The largest |x| at which vexp_nonpositive(-|x|) is normal (the next Float's is subnormal).
#define DV_EXP_NORMAL_LIMIT 87.3365402f

/// Factors 1 + e^-|x| (each in [1, 2]) multiplied per lane before one log: at most 2^16.
#define DV_LOG_FACTORS 16

/// log(u) for a product u of at most DV_LOG_FACTORS factors in [1, 2] (normal, >= 1), by
/// fdlibm's scheme (as VectorMath.log1p): u = 2^k m with m in [sqrt(1/2), sqrt(2)),
/// f = m - 1, and log(1 + f) by a polynomial in s = f / (2 + f).
DV_INLINE v16f vlog_product(v16f u) {
  v16i b = ibits(u) + (0x3F800000 - 0x3F3504F3);
  v16f dk = __builtin_convertvector((b >> 23) - 127, v16f);
  v16f f = vbits((b & 0x007FFFFF) + 0x3F3504F3) - vsplat(1.0f);
  v16f s = f / (f + vsplat(2.0f));
  v16f z = s * s;
  v16f w = z * z;
  v16f t1 = w * vfma(w, vsplat(0.24279078841f), vsplat(0.40000972152f));
  v16f t2 = z * vfma(w, vsplat(0.28498786688f), vsplat(0.66666662693f));
  v16f hfsq = vsplat(0.5f) * f * f;
  v16f sum = vfma(s, hfsq + t2 + t1, dk * vsplat(9.0580006145e-6f));
  return vfma(dk, vsplat(6.9313812256e-1f), (sum - hfsq) + f);
}

/// One element block: 16 logits (bias added) and their targets. Returns the loss's
/// linear part max(x, 0) - x t; writes sigmoid(x) - t to `difference` and to `factor`
/// 1 + e^-|x|, whose log is the rest of the loss (the callers take the log of products).
///
/// sigmoid(x) is taken as 0 below `negligible`, where the gradient scale (sigmoid(x) - t)
/// would be flushed to zero anyway (see negligible_logit), and e^-|x| is taken at |x| <=
/// DV_EXP_NORMAL_LIMIT only (beyond, 1 + e^-|x| rounds to 1 either way, and sigmoid(x) is
/// below `negligible`). So no subnormal is made here (an Intel core takes a microcode
/// assist for each), however far the logits fall in a long run.
DV_INLINE v16f bernoulli16(v16f x, v16f t, v16f negligible, v16f *difference, v16f *factor) {
  v16f minusMagnitude = vbits(ibits(x) | (int32_t)0x80000000);
  v16f limit = vsplat(-DV_EXP_NORMAL_LIMIT);
  v16f e = vexp_nonpositive(vselect(minusMagnitude < limit, limit, minusMagnitude));  // exp(-|x|)
  v16f onePlus = vsplat(1.0f) + e;
  v16f inverse = vsplat(1.0f) / onePlus;
  v16i nonnegative = x >= vsplat(0.0f);
  *difference = vselect(nonnegative, inverse, vselect(x < negligible, vsplat(0.0f), e * inverse)) - t;
  *factor = onePlus;
  return vselect(nonnegative, x, vsplat(0.0f)) - x * t;
}

/// x with its subnormal lanes replaced by zero of the same sign; other lanes unchanged.
/// Integer operations only, so the subnormals themselves cost nothing here.
DV_INLINE v16f vflush_subnormal(v16f x) {
  v16i b = ibits(x);
  v16i tiny = (b & 0x7FFFFFFF) < 0x00800000;
  return vbits(b & (~tiny | (int32_t)0x80000000));
}

DV_INLINE v16f load16(const float *p) {
  v16f v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

DV_INLINE void store16(v16f v, float *p) { __builtin_memcpy(p, &v, sizeof v); }

/// Columns c0 ..< c0 + width (width <= 16; 16 takes the direct path) of every row, rows in
/// order. Per lane, the linear parts of the loss are summed, and its log parts are the logs
/// of products of DV_LOG_FACTORS successive rows' factors 1 + e^-|x| (one log per 16 rows
/// instead of a log1p, with its division, per element); the gradient does not use them.
/// The logit below which sigmoid(x) scale is subnormal: log(FLT_MIN / |scale|), less a
/// margin of 1e-4 (far above the exponential's error); sigmoid(x) is taken as 0 there.
/// With targets 0 or of at least 1e-30 this gives the stored gradients a flush of
/// scale (sigmoid(x) - t) would, for scales up to 1 (the callers': a mean over the
/// batch); every such lane's exponential is normal.
DV_INLINE float negligible_logit(float scale) {
  const double magnitude = fabs((double)scale);
  return magnitude > 0 ? fmaxf((float)(log((double)FLT_MIN / magnitude) - 1e-4), -DV_EXP_NORMAL_LIMIT) : -INFINITY;
}

/// `negligibleLogit` is negligible_logit(scale), taken once per call.
DV_INLINE void bernoulli_block(
  int32_t rows, int32_t columns, int32_t c0, int32_t width, const float *logits, const float *bias,
  const float *targets, float *gradient, float *biasGradient, float scale, float negligibleLogit, double *partials) {
  v16f linearSum = vsplat(0.0f), logSum = vsplat(0.0f), product = vsplat(1.0f), gradSum = vsplat(0.0f);
  int32_t factors = 0;
  v16f b = vsplat(0.0f);
  float padX[16], padT[16];
  if (width == 16) {
    if (bias) b = load16(bias + c0);
  } else {
    for (int j = 0; j < 16; j++) padX[j] = bias && j < width ? bias[c0 + j] : 0.0f;
    b = load16(padX);
  }
  const v16f vscale = vsplat(scale);
  const v16f negligible = vsplat(negligibleLogit);
  for (int32_t r = 0; r < rows; r++) {
    const int64_t at = (int64_t)r * columns + c0;
    v16f x, t;
    if (width == 16) {
      x = load16(logits + at);
      t = load16(targets + at);
    } else {
      for (int j = 0; j < 16; j++) {
        padX[j] = j < width ? logits[at + j] : 0.0f;
        padT[j] = j < width ? targets[at + j] : 0.0f;
      }
      x = load16(padX);
      t = load16(padT);
    }
    x = x + b;
    v16f difference, factor;
    linearSum += bernoulli16(x, t, negligible, &difference, &factor);
    product = product * factor;
    if (++factors == DV_LOG_FACTORS) {
      logSum += vlog_product(product);
      product = vsplat(1.0f);
      factors = 0;
    }
    if (gradient) {
      // A subnormal gradient (the logit below about -82.5 at scale 1/128) would be read by
      // the two backward products, where every FMA that takes one costs an Intel core a
      // microcode assist (0.1% of such entries halves their speed): stored as zero. With
      // `negligible` above, only targets below 1e-30 leave any to flush here.
      v16f g = vflush_subnormal(difference * vscale);
      gradSum += g;
      if (width == 16) {
        store16(g, gradient + at);
      } else {
        store16(g, padX);
        for (int j = 0; j < width; j++) gradient[at + j] = padX[j];
      }
    }
  }
  logSum += vlog_product(product);
  float linearLanes[16], logLanes[16], grads[16];
  store16(linearSum, linearLanes);
  store16(logSum, logLanes);
  store16(gradSum, grads);
  for (int half = 0; half < 2 && 8 * half < width; half++) {
    double sum = 0;
    for (int j = 8 * half; j < 8 * half + 8 && j < width; j++) sum += (double)linearLanes[j] + (double)logLanes[j];
    partials[(c0 >> 3) + half] = sum;
  }
  if (gradient && biasGradient) {
    for (int j = 0; j < width; j++) biasGradient[c0 + j] = grads[j];
  }
}

DV_INLINE void bernoulli_chunks_generic(
  int32_t rows, int32_t columns, int32_t firstChunk, int32_t endChunk, const float *logits, const float *bias,
  const float *targets, float *gradient, float *biasGradient, float scale, double *partials) {
  int32_t c0 = firstChunk * 8;
  int32_t end = endChunk * 8 < columns ? endChunk * 8 : columns;
  const float negligible = negligible_logit(scale);
  while (c0 < end) {
    int32_t width = end - c0 < 16 ? end - c0 : 16;
    bernoulli_block(rows, columns, c0, width, logits, bias, targets, gradient, biasGradient, scale, negligible, partials);
    c0 += width;
  }
}

#if DV_X86
DV_AVX512 static void bernoulli_avx512(
  int32_t rows, int32_t columns, int32_t firstChunk, int32_t endChunk, const float *logits, const float *bias,
  const float *targets, float *gradient, float *biasGradient, float scale, double *partials) {
  bernoulli_chunks_generic(rows, columns, firstChunk, endChunk, logits, bias, targets, gradient, biasGradient, scale, partials);
}

DV_AVX2 static void bernoulli_avx2(
  int32_t rows, int32_t columns, int32_t firstChunk, int32_t endChunk, const float *logits, const float *bias,
  const float *targets, float *gradient, float *biasGradient, float scale, double *partials) {
  bernoulli_chunks_generic(rows, columns, firstChunk, endChunk, logits, bias, targets, gradient, biasGradient, scale, partials);
}
#endif

void dv_bernoulli_chunks(
  int32_t rows, int32_t columns, int32_t firstChunk, int32_t endChunk, const float *logits, const float *bias,
  const float *targets, float *gradient, float *biasGradient, float scale, double *partials) {
#if DV_X86
  switch (dv_isa()) {
  case 2:
    bernoulli_avx512(rows, columns, firstChunk, endChunk, logits, bias, targets, gradient, biasGradient, scale, partials);
    return;
  case 1:
    bernoulli_avx2(rows, columns, firstChunk, endChunk, logits, bias, targets, gradient, biasGradient, scale, partials);
    return;
  default: break;
  }
#endif
  bernoulli_chunks_generic(rows, columns, firstChunk, endChunk, logits, bias, targets, gradient, biasGradient, scale, partials);
}

// MARK: - Bernoulli loss of one row

/// The loss of one row summed over its columns, without a gradient (the importance-weighted
/// bound scores millions of rows). Per element max(x, 0) - x t + log(1 + e^-|x|), the log
/// terms taken as in bernoulli_block as the log of products of DV_LOG_FACTORS factors per
/// lane, here along the row; with vexp_beside_one and no sigmoid there is no division per
/// element. Each factor is one rounding from its exact value (2^-24 relative, so 6e-8
/// nats), and so is each product. The linear terms and the logs are summed in 16 Float
/// lanes, and the lanes then added in Double in lane order.
DV_INLINE double bernoulli_row_generic(int32_t columns, const float *logits, const float *bias, const float *target) {
  const v16f zero = vsplat(0.0f), one = vsplat(1.0f);
  v16f linear = zero, logs = zero, product = one;
  int32_t c = 0, factors = 0;
  for (; c + 16 <= columns; c += 16) {
    v16f x = load16(logits + c) + (bias ? load16(bias + c) : zero);
    v16f e = vexp_beside_one(vbits(ibits(x) | (int32_t)0x80000000));  // exp(-|x|)
    linear += vselect(x >= zero, x, zero) - x * load16(target + c);
    product = product * (one + e);
    if (++factors == DV_LOG_FACTORS) {
      logs += vlog_product(product);
      product = one;
      factors = 0;
    }
  }
  if (c < columns) {
    // Lanes past the row get x = -200 and t = 0: a linear term of 0 and a factor of 1.
    float padX[16], padT[16];
    for (int j = 0; j < 16; j++) {
      int inside = c + j < columns;
      padX[j] = inside ? logits[c + j] + (bias ? bias[c + j] : 0.0f) : -200.0f;
      padT[j] = inside ? target[c + j] : 0.0f;
    }
    v16f x = load16(padX);
    v16f e = vexp_beside_one(vbits(ibits(x) | (int32_t)0x80000000));
    linear += vselect(x >= zero, x, zero) - x * load16(padT);
    product = product * (one + e);
  }
  logs += vlog_product(product);
  float linearLanes[16], logLanes[16];
  store16(linear, linearLanes);
  store16(logs, logLanes);
  double total = 0;
  for (int j = 0; j < 16; j++) total += (double)linearLanes[j] + (double)logLanes[j];
  return total;
}

#if DV_X86
DV_AVX512 static double bernoulli_row_avx512(int32_t columns, const float *logits, const float *bias, const float *target) {
  return bernoulli_row_generic(columns, logits, bias, target);
}
DV_AVX2 static double bernoulli_row_avx2(int32_t columns, const float *logits, const float *bias, const float *target) {
  return bernoulli_row_generic(columns, logits, bias, target);
}
#endif

double dv_bernoulli_row(int32_t columns, const float *logits, const float *bias, const float *target) {
#if DV_X86
  switch (dv_isa()) {
  case 2: return bernoulli_row_avx512(columns, logits, bias, target);
  case 1: return bernoulli_row_avx2(columns, logits, bias, target);
  default: break;
  }
#endif
  return bernoulli_row_generic(columns, logits, bias, target);
}
