// The convolutions' data movement over channel-major ("planar") maps; see include/CKernels.h.
//
// A planar map of C channels, B images and side S is [C, B, S, S]: channel c of image b
// is one S x S plane at ((c B + b) S + y) S + x. A planar column matrix is
// [k k C, B, S', S'], rows rowLength >= B S'^2 apart: row (ky, kx, c) holds, for every
// output pixel (b, oy, ox), the input value that tap of its patch reads. Every row of either is contiguous in the
// pixels, so the convolutions' products have the batch's pixels along their long side.
//
// Only copies and additions happen here (no products), so the plain loops below give
// the same bits whatever the compiler vectorises them into.
#include "CKernels.h"

#include <stdint.h>

#include "targets.h"
#include "transpose16.h"

// MARK: - im2col and col2im

// Three bodies, the same bits: they only copy, and add each pixel's terms in patch order
// from 0 (a masked-off lane adds +0, which leaves such a sum unchanged: it starts at +0
// and never becomes -0).
// - Portable: through the geometry's tables (where each tap reads; which elements each
//   pixel sums), one element at a time.
// - AVX-512, rows of at most 32 pixels (every MNIST-sized layer): an image row is two
//   registers, and one two-source permute picks a tap's outputs for a whole output row
//   (im2col); one permute spreads an output row's terms onto the pixels they reach (col2im).
// - AVX-512, wider rows: vector gathers through the tables.

/// Image b's pixelsOut Floats in the column matrix's row (tap t, channel c); rows are rowLength apart.
#define DV_TAP_ROW(cols, t, c, b) ((cols) + (((int64_t)(t)) * channels + (c)) * rowLength + (b) * pixelsOut)

/// Where plane u = c batch + b starts in the column matrix's rows of channel c (tap 0).
static inline int64_t plane_offset(int64_t u, int64_t batch, int64_t rowLength, int64_t pixelsOut) {
  return (u / batch) * rowLength + (u % batch) * pixelsOut;
}

static void im2col_scalar(
  const DVPatchGeometry *g, int64_t channels, int64_t batch, int64_t rowLength, const float *images, float *cols,
  int64_t first, int64_t end) {
  const int64_t pixelsOut = (int64_t)g->outputSide * g->outputSide, planeSize = (int64_t)g->side * g->side;
  const int64_t taps = (int64_t)g->kernel * g->kernel;
  for (int64_t u = first; u < end; u++) {
    const int64_t c = u / batch, b = u % batch;
    const float *plane = images + u * planeSize;
    for (int64_t t = 0; t < taps; t++) {
      const int32_t *at = g->offsets + t * pixelsOut;
      float *out = DV_TAP_ROW(cols, t, c, b);
      for (int64_t i = 0; i < pixelsOut; i++) out[i] = at[i] >= 0 ? plane[at[i]] : 0.0f;
    }
  }
}

static void col2im_scalar(
  const DVPatchGeometry *g, int64_t channels, int64_t batch, int64_t rowLength, const float *cols, float *images,
  int64_t first, int64_t end) {
  const int64_t pixelsOut = (int64_t)g->outputSide * g->outputSide, planeSize = (int64_t)g->side * g->side;
  const int64_t rowStride = channels * rowLength;  // between taps' rows
  for (int64_t u = first; u < end; u++) {
    const float *base = cols + plane_offset(u, batch, rowLength, pixelsOut);  // plane u = c B + b, tap 0
    float *plane = images + u * planeSize;
    for (int64_t i = 0; i < planeSize; i++) {
      float sum = 0.0f;
      for (int64_t t = 0; t < g->terms; t++) {
        const int32_t tap = g->taps[t * planeSize + i];
        if (tap >= 0) sum += base[tap * rowStride + g->positions[t * planeSize + i]];
      }
      plane[i] = sum;
    }
  }
}

#if DV_X86
enum { DV_PERMUTE_KERNEL = 8 };

/// True when the permute bodies apply: image rows of at most 32 pixels, output rows of at
/// most 16, kernels up to 8.
static int fits_permute(const DVPatchGeometry *g) {
  return g->side <= 32 && g->outputSide <= 16 && g->kernel <= DV_PERMUTE_KERNEL;
}

DV_AVX512 static void im2col_permute(
  const DVPatchGeometry *g, int64_t channels, int64_t batch, int64_t rowLength, const float *images, float *cols,
  int64_t first, int64_t end) {
  const int64_t s = g->side, so = g->outputSide, k = g->kernel, st = g->stride, p = g->padding, pixelsOut = so * so;
  // Lane j of tap column kx reads image column j st - p + kx (two-register index 0 ..< 32).
  __m512i index[DV_PERMUTE_KERNEL];
  __mmask16 inside[DV_PERMUTE_KERNEL];
  for (int64_t kx = 0; kx < k; kx++) {
    int32_t lane[16];
    __mmask16 mask = 0;
    for (int j = 0; j < 16; j++) {
      const int64_t x = j * st - p + kx;
      lane[j] = x >= 0 && x < s ? (int32_t)x : 0;
      if (j < so && x >= 0 && x < s) mask |= (__mmask16)(1u << j);
    }
    index[kx] = _mm512_loadu_si512(lane);
    inside[kx] = mask;
  }
  const __mmask16 low = dv_lanes16(s), high = dv_lanes16(s > 16 ? s - 16 : 0), row = dv_lanes16(so);
  for (int64_t u = first; u < end; u++) {
    const int64_t c = u / batch, b = u % batch;
    const float *plane = images + u * s * s;
    for (int64_t ky = 0; ky < k; ky++) {
      for (int64_t oy = 0; oy < so; oy++) {
        const int64_t y = oy * st - p + ky;
        __m512 v0 = _mm512_setzero_ps(), v1 = _mm512_setzero_ps();
        if (y >= 0 && y < s) {
          v0 = _mm512_maskz_loadu_ps(low, plane + y * s);
          v1 = _mm512_maskz_loadu_ps(high, plane + y * s + 16);
        }
        for (int64_t kx = 0; kx < k; kx++) {
          const __m512 out = _mm512_maskz_permutex2var_ps(inside[kx], v0, index[kx], v1);
          _mm512_mask_storeu_ps(DV_TAP_ROW(cols, ky * k + kx, c, b) + oy * so, row, out);
        }
      }
    }
  }
}

DV_AVX512 static void col2im_permute(
  const DVPatchGeometry *g, int64_t channels, int64_t batch, int64_t rowLength, const float *cols, float *images,
  int64_t first, int64_t end) {
  const int64_t s = g->side, so = g->outputSide, k = g->kernel, st = g->stride, p = g->padding, pixelsOut = so * so;
  // Image column x (lane x of the low register, x - 16 of the high one) takes, from tap
  // column kx, output column (x + p - kx) / st when that divides and lies in 0 ..< so.
  __m512i index[2][DV_PERMUTE_KERNEL];
  __mmask16 reach[2][DV_PERMUTE_KERNEL];
  for (int h = 0; h < 2; h++) {
    for (int64_t kx = 0; kx < k; kx++) {
      int32_t lane[16];
      __mmask16 mask = 0;
      for (int j = 0; j < 16; j++) {
        const int64_t x = 16 * h + j, shifted = x + p - kx;
        const int ok = x < s && shifted >= 0 && shifted % st == 0 && shifted / st < so;
        lane[j] = ok ? (int32_t)(shifted / st) : 0;
        if (ok) mask |= (__mmask16)(1u << j);
      }
      index[h][kx] = _mm512_loadu_si512(lane);
      reach[h][kx] = mask;
    }
  }
  const __mmask16 low = dv_lanes16(s), high = dv_lanes16(s > 16 ? s - 16 : 0), row = dv_lanes16(so);
  const int64_t rowStride = channels * rowLength;  // between taps' rows
  // DV_PLANES planes at once: each pixel's sum is a chain of additions, so independent
  // planes side by side keep the adder busy.
  enum { DV_PLANES = 4 };
  for (int64_t u0 = first; u0 < end; u0 += DV_PLANES) {
    const int64_t count = end - u0 < DV_PLANES ? end - u0 : DV_PLANES;
    int64_t offset[DV_PLANES];
    for (int q = 0; q < DV_PLANES; q++) offset[q] = q < count ? plane_offset(u0 + q, batch, rowLength, pixelsOut) : 0;
    for (int64_t y = 0; y < s; y++) {
      __m512 sum0[DV_PLANES], sum1[DV_PLANES];
      for (int q = 0; q < DV_PLANES; q++) sum0[q] = sum1[q] = _mm512_setzero_ps();
      // Output rows oy whose patches cover y, ascending; within one, taps kx descending
      // (output columns ascending for any one pixel).
      const int64_t oyFirst = y + p - k + 1 <= 0 ? 0 : (y + p - k + 1 + st - 1) / st;
      for (int64_t oy = oyFirst; oy < so && oy * st <= y + p; oy++) {
        const int64_t ky = y + p - oy * st;
        for (int64_t kx = k - 1; kx >= 0; kx--) {
          // Each plane's part of the row of tap (ky, kx), output row oy.
          const float *terms = cols + (ky * k + kx) * rowStride + oy * so;
          for (int q = 0; q < DV_PLANES; q++) {
            if (q >= count) break;
            const __m512 t = _mm512_maskz_loadu_ps(row, terms + offset[q]);
            sum0[q] = _mm512_add_ps(sum0[q], _mm512_maskz_permutexvar_ps(reach[0][kx], index[0][kx], t));
            if (s > 16) sum1[q] = _mm512_add_ps(sum1[q], _mm512_maskz_permutexvar_ps(reach[1][kx], index[1][kx], t));
          }
        }
      }
      for (int q = 0; q < count; q++) {
        float *plane = images + (u0 + q) * s * s;
        _mm512_mask_storeu_ps(plane + y * s, low, sum0[q]);
        if (s > 16) _mm512_mask_storeu_ps(plane + y * s + 16, high, sum1[q]);
      }
    }
  }
}

DV_AVX512 static void im2col_gather(
  const DVPatchGeometry *g, int64_t channels, int64_t batch, int64_t rowLength, const float *images, float *cols,
  int64_t first, int64_t end) {
  const int64_t pixelsOut = (int64_t)g->outputSide * g->outputSide, planeSize = (int64_t)g->side * g->side;
  const int64_t taps = (int64_t)g->kernel * g->kernel;
  const __m512i none = _mm512_set1_epi32(-1);
  for (int64_t u = first; u < end; u++) {
    const int64_t c = u / batch, b = u % batch;
    const float *plane = images + u * planeSize;
    for (int64_t t = 0; t < taps; t++) {
      const int32_t *at = g->offsets + t * pixelsOut;
      float *out = DV_TAP_ROW(cols, t, c, b);
      for (int64_t i = 0; i < pixelsOut; i += 16) {
        const __mmask16 lanes = dv_lanes16(pixelsOut - i);
        const __m512i index = _mm512_maskz_loadu_epi32(lanes, at + i);
        const __mmask16 inside = _mm512_mask_cmpgt_epi32_mask(lanes, index, none);
        _mm512_mask_storeu_ps(out + i, lanes, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, index, plane, 4));
      }
    }
  }
}

DV_AVX512 static void col2im_gather(
  const DVPatchGeometry *g, int64_t channels, int64_t batch, int64_t rowLength, const float *cols, float *images,
  int64_t first, int64_t end) {
  const int64_t pixelsOut = (int64_t)g->outputSide * g->outputSide, planeSize = (int64_t)g->side * g->side;
  const __m512i none = _mm512_set1_epi32(-1);
  const __m512i rowStride = _mm512_set1_epi32((int32_t)(channels * rowLength));
  for (int64_t u = first; u < end; u++) {
    const float *base = cols + plane_offset(u, batch, rowLength, pixelsOut);
    float *plane = images + u * planeSize;
    for (int64_t i = 0; i < planeSize; i += 16) {
      const __mmask16 lanes = dv_lanes16(planeSize - i);
      __m512 sum = _mm512_setzero_ps();
      for (int64_t t = 0; t < g->terms; t++) {
        const __m512i tap = _mm512_maskz_loadu_epi32(lanes, g->taps + t * planeSize + i);
        const __m512i position = _mm512_maskz_loadu_epi32(lanes, g->positions + t * planeSize + i);
        const __mmask16 present = _mm512_mask_cmpgt_epi32_mask(lanes, tap, none);
        const __m512i index = _mm512_add_epi32(_mm512_mullo_epi32(tap, rowStride), position);
        sum = _mm512_add_ps(sum, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), present, index, base, 4));
      }
      _mm512_mask_storeu_ps(plane + i, lanes, sum);
    }
  }
}
#endif

/// One body of im2col or col2im (both read `in` and write `out`).
typedef void (*PlanarBody)(
  const DVPatchGeometry *, int64_t, int64_t, int64_t, const float *, float *, int64_t, int64_t);

/// Runs body 2 (permute), 1 (gather, when `gatherFits`) or 0 (portable); 0 when it does not apply here.
static int run_planar_body(
  int32_t body, PlanarBody permute, PlanarBody gather, PlanarBody portable, int gatherFits,
  const DVPatchGeometry *geometry, int32_t channels, int32_t batch, int64_t rowLength, const float *in, float *out,
  int64_t first, int64_t end) {
  PlanarBody chosen = body == 0 ? portable : NULL;
#if DV_X86
  if (body == 2 && dv_isa() == 2 && fits_permute(geometry)) chosen = permute;
  if (body == 1 && dv_isa() == 2 && gatherFits) chosen = gather;
#else
  (void)permute;
  (void)gather;
  (void)gatherFits;
#endif
  if (!chosen) return 0;
  chosen(geometry, channels, batch, rowLength, in, out, first, end);
  return 1;
}

int dv_im2col_planar_body(
  int32_t body, const DVPatchGeometry *geometry, int32_t channels, int32_t batch, int64_t rowLength, const float *images,
  float *cols, int64_t first, int64_t end) {
#if DV_X86
  return run_planar_body(
    body, im2col_permute, im2col_gather, im2col_scalar, 1, geometry, channels, batch, rowLength, images, cols, first, end);
#else
  return run_planar_body(body, NULL, NULL, im2col_scalar, 0, geometry, channels, batch, rowLength, images, cols, first, end);
#endif
}

int dv_col2im_planar_body(
  int32_t body, const DVPatchGeometry *geometry, int32_t channels, int32_t batch, int64_t rowLength, const float *cols,
  float *images, int64_t first, int64_t end) {
  // The gathers' 32-bit indices reach at most kernel^2 rows into the matrix.
  const int fits = (int64_t)geometry->kernel * geometry->kernel * channels * rowLength < INT32_MAX;
#if DV_X86
  return run_planar_body(
    body, col2im_permute, col2im_gather, col2im_scalar, fits, geometry, channels, batch, rowLength, cols, images, first,
    end);
#else
  return run_planar_body(body, NULL, NULL, col2im_scalar, fits, geometry, channels, batch, rowLength, cols, images, first, end);
#endif
}

void dv_im2col_planar(
  const DVPatchGeometry *geometry, int32_t channels, int32_t batch, int64_t rowLength, const float *images, float *cols,
  int64_t first, int64_t end) {
  for (int32_t body = 2; body >= 0; body--) {
    if (dv_im2col_planar_body(body, geometry, channels, batch, rowLength, images, cols, first, end)) return;
  }
}

void dv_col2im_planar(
  const DVPatchGeometry *geometry, int32_t channels, int32_t batch, int64_t rowLength, const float *cols, float *images,
  int64_t first, int64_t end) {
  for (int32_t body = 2; body >= 0; body--) {
    if (dv_col2im_planar_body(body, geometry, channels, batch, rowLength, cols, images, first, end)) return;
  }
}

// MARK: - Row sums

static void row_sums_scalar(int64_t rows, int64_t length, const float *src, float *sums) {
  for (int64_t r = 0; r < rows; r++) {
    float sum = 0.0f;
    for (int64_t i = 0; i < length; i++) sum += src[r * length + i];
    sums[r] = sum;
  }
}

#if DV_X86
// Sixteen rows at a time: a 16 x 16 block transposed in registers, then its 16 columns
// added in order, so lane r takes row r's elements one by one, as the scalar loop does.
// Lanes past the last row or element load 0, which leaves a sum unchanged.
DV_AVX512 static void row_sums_avx512(int64_t rows, int64_t length, const float *src, float *sums) {
  for (int64_t r0 = 0; r0 < rows; r0 += 16) {
    const int64_t height = rows - r0 < 16 ? rows - r0 : 16;
    __m512 sum = _mm512_setzero_ps();
    for (int64_t i = 0; i < length; i += 16) {
      const __mmask16 across = dv_lanes16(length - i);
      __m512 r[16];
      for (int q = 0; q < 16; q++) {
        r[q] = q < height ? _mm512_maskz_loadu_ps(across, src + (r0 + q) * length + i) : _mm512_setzero_ps();
      }
      dv_transpose16(r);
      for (int q = 0; q < 16; q++) sum = _mm512_add_ps(sum, r[q]);
    }
    _mm512_mask_storeu_ps(sums + r0, dv_lanes16(height), sum);
  }
}
#endif

int dv_row_sums_isa(int32_t isa, int64_t rows, int64_t length, const float *src, float *sums) {
  if (isa < 0 || isa > dv_isa()) return 0;
#if DV_X86
  if (isa == 2) {
    row_sums_avx512(rows, length, src, sums);
    return 1;
  }
#endif
  row_sums_scalar(rows, length, src, sums);
  return 1;
}

void dv_row_sums(int64_t rows, int64_t length, const float *src, float *sums) {
  dv_row_sums_isa(dv_isa(), rows, length, src, sums);
}

// MARK: - Transpose

static void transpose_scalar(int64_t rows, int64_t columns, const float *src, int64_t ldSrc, float *dst, int64_t ldDst) {
  enum { T = 16 };
  for (int64_t i0 = 0; i0 < rows; i0 += T) {
    const int64_t i1 = i0 + T < rows ? i0 + T : rows;
    for (int64_t j0 = 0; j0 < columns; j0 += T) {
      const int64_t j1 = j0 + T < columns ? j0 + T : columns;
      for (int64_t j = j0; j < j1; j++) {
        for (int64_t i = i0; i < i1; i++) dst[j * ldDst + i] = src[i * ldSrc + j];
      }
    }
  }
}

#if DV_X86
DV_AVX512 static void transpose_avx512(int64_t rows, int64_t columns, const float *src, int64_t ldSrc, float *dst, int64_t ldDst) {
  for (int64_t i0 = 0; i0 < rows; i0 += 16) {
    const int64_t height = rows - i0 < 16 ? rows - i0 : 16;
    const __mmask16 down = dv_lanes16(height);
    for (int64_t j0 = 0; j0 < columns; j0 += 16) {
      const int64_t width = columns - j0 < 16 ? columns - j0 : 16;
      const __mmask16 across = dv_lanes16(width);
      __m512 r[16];
      for (int q = 0; q < 16; q++) {
        r[q] = q < height ? _mm512_maskz_loadu_ps(across, src + (i0 + q) * ldSrc + j0) : _mm512_setzero_ps();
      }
      dv_transpose16(r);
      for (int64_t q = 0; q < width; q++) _mm512_mask_storeu_ps(dst + (j0 + q) * ldDst + i0, down, r[q]);
    }
  }
}
#endif

int dv_transpose_isa(
  int32_t isa, int64_t rows, int64_t columns, const float *src, int64_t ldSrc, float *dst, int64_t ldDst) {
  if (isa < 0 || isa > dv_isa()) return 0;
#if DV_X86
  if (isa == 2) {
    transpose_avx512(rows, columns, src, ldSrc, dst, ldDst);
    return 1;
  }
#endif
  transpose_scalar(rows, columns, src, ldSrc, dst, ldDst);
  return 1;
}

void dv_transpose(int64_t rows, int64_t columns, const float *src, int64_t ldSrc, float *dst, int64_t ldDst) {
  dv_transpose_isa(dv_isa(), rows, columns, src, ldSrc, dst, ldDst);
}
