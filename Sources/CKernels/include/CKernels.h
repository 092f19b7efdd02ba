// Innermost kernels in C, for the instructions Swift cannot emit without a
// target-CPU flag: each entry point picks AVX-512, AVX2+FMA or portable scalar
// code at run time (the CPU is probed once). Every variant performs the same
// operations in the same order on each element (fused multiply-adds included),
// so results do not depend on which variant runs. Used by the Compute module.
#ifndef DIGITVAE_CKERNELS_H
#define DIGITVAE_CKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction set the kernels use here: 2 = AVX-512F, 1 = AVX2 with FMA, 0 = portable C.
int dv_isa(void);

/// Runs `iterations` rounds of independent fused multiply-add chains in the widest
/// registers `dv_isa` allows (16 chains) and returns the FLOPs performed
/// (2 per lane per FMA). `sink` receives a value derived from every chain so that
/// nothing is optimised away.
double dv_fma_loop(int64_t iterations, float *sink);

/// Sparse rows times a dense matrix: for each of `rows` output rows r,
///
///     c[r, 0..<n] = bias[0..<n] (or 0) + sum over k in start[r]..<start[r+1] of value[k] * b[index[k], 0..<n]
///
/// with the sum taken in order of k, one fused multiply-add per term; with `relu`,
/// max(0, .) is applied before the store. `start` holds rows + 1 offsets into
/// `index` and `value`; each row's indices ascend and lie in 0..<depth (b's rows).
/// b is row-major with row stride `ldb`; c with `ldc`. The vector variants read b in
/// slices of rows that stay in L1, keeping partial sums in c between slices (the
/// order of the terms, hence every bit, is unchanged).
void dv_sparse_dense(
  int32_t rows, int32_t n, int32_t depth, const int32_t *start, const int32_t *index, const float *value,
  const float *b, int64_t ldb, const float *bias, int32_t relu, float *c, int64_t ldc);

/// Compressed rows of a dense row-major block x [rows, columns] (row stride `ldx`):
/// the non-zero entries of each row in column order. Writes rows + 1 offsets to
/// `start` (start[0] = 0) and the entries' columns and values to `index` and `value`
/// (capacity rows * columns + 16 each: a vector store may run 16 slots past the last entry).
/// Returns the number of entries.
int64_t dv_compress_rows(
  int32_t rows, int32_t columns, const float *x, int64_t ldx, int32_t *start, int32_t *index, float *value);

/// The transpose of a compressed-rows matrix [rows, columns]: compressed columns,
/// each column's entries in row order. `columnStart` receives columns + 1 offsets;
/// `rowIndex` and `columnValue` the entries (capacity start[rows] each).
void dv_transpose_compressed(
  int32_t rows, int32_t columns, const int32_t *start, const int32_t *index, const float *value,
  int32_t *columnStart, int32_t *rowIndex, float *columnValue);

/// One Adam update of `count` elements (count a multiple of 16):
///
///     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
///     p = p - stepSize * m / (sqrt(v) * inverseCorrection2 + eps)
///
/// with an exact square root and division. A new m or v smaller in magnitude than
/// FLT_MIN (the smallest normal Float) is stored as zero: a moment whose gradient has
/// stopped decays into the subnormal range and stays there (0.9 times the smallest
/// subnormal rounds back to it), and Intel cores take a microcode assist, about a
/// hundred cycles, for every vector that holds one. Every width flushes alike.
void dv_adam(
  int64_t count, float *p, const float *g, float *m, float *v, float b1, float b2, float stepSize,
  float inverseCorrection2, float eps);

/// The Bernoulli loss with logits, fused with its gradient, over the 8-column chunks
/// `firstChunk ..< endChunk` of x [rows, columns] (row stride `columns`): per element,
/// with x = logits + bias (bias per column, or none),
///
///     loss = max(x, 0) - x t + log1p(e),  e = exp(-|x|)
///     gradient = scale (sigmoid(x) - t)   (when `gradient` is not null)
///
/// Each chunk's losses are summed down the rows in Float per column: the linear parts
/// max(x, 0) - x t term by term, and log1p(e) as the log of the product of 16 rows'
/// factors 1 + e at a time (no log1p, and its division, per element). Each column's two
/// sums are added in Double, and the eight columns in column order, into partials[chunk];
/// with `biasGradient`, the column sums of the gradient go there. exp and log are
/// polynomials within a few ulp (as Compute's VectorMath's, with fused multiply-adds);
/// the gradient does not depend on how the log is taken.
///
/// No subnormal is made or stored, since it would feed the backward products, where an
/// Intel core takes a microcode assist for every FMA that reads one: sigmoid(x) is taken
/// as 0 below log(FLT_MIN / |scale|) - 1e-4 (a scaled value that would be subnormal),
/// e^-|x| is evaluated at |x| <= 87.3365402 only (1 + e^-|x| is 1 beyond), and any
/// gradient still subnormal (targets below 1e-30) is stored as zero of its sign; the bias
/// gradient sums the stored values. For |scale| <= 1 and targets 0 or of at least 1e-30
/// the gradients are those of the plain formula with subnormals flushed to zero.
void dv_bernoulli_chunks(
  int32_t rows, int32_t columns, int32_t firstChunk, int32_t endChunk, const float *logits, const float *bias,
  const float *targets, float *gradient, float *biasGradient, float scale, double *partials);

/// The Bernoulli loss of one row x [columns] (+ bias) against its targets, summed over
/// the columns, for scoring many rows one by one (no gradient): per element the same
/// loss as dv_bernoulli_chunks, log(1 + e^-|x|) summed as the log of a product of 16
/// factors per lane (here along the row), with no sigmoid (no division per element), and
/// the sums taken in 16 Float lanes and added in Double. Its error against a Double reference is at most 2.5e-8 of
/// the row's sum of |x| + 1 in the tests; it is not bitwise equal to dv_bernoulli_chunks.
double dv_bernoulli_row(int32_t columns, const float *logits, const float *bias, const float *target);

/// Row-major single-precision matrix product, C [m, n] = op(A) [m, k] op(B) [k, n]:
/// op(A) is A stored [m, k] (row stride `lda`), or A^T with A stored [k, m] when
/// `transA`; op(B) likewise [k, n], or B^T with B stored [n, k] when `transB`.
///
/// Each element of the product is one Float accumulator that starts at 0 and takes
/// fma(a_ik, b_kj, acc) for k = 0, 1, ..., k-1 in that order. Without `accumulate`
/// C is overwritten with it (C is never read, so it may hold anything, NaN included);
/// with `accumulate`, c = c + product (one rounding). Every variant (AVX-512, AVX2 +
/// FMA, scalar) gives the same bits, and so does any split of C into blocks computed
/// by separate calls. m, n or k may be 0. With `transB`, columns of B^T are packed
/// into a per-thread buffer that grows to the largest panel needed and is then reused.
void dv_gemm(
  int32_t transA, int32_t transB, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
  int64_t ldb, float *c, int64_t ldc, int32_t accumulate);

/// dv_gemm through one variant, for tests: `isa` 0 = scalar, 1 = AVX2 + FMA, 2 = AVX-512.
/// Returns 1 when it ran, 0 when this CPU lacks that variant (isa > dv_isa()).
int dv_gemm_isa(
  int32_t isa, int32_t transA, int32_t transB, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
  const float *b, int64_t ldb, float *c, int64_t ldc, int32_t accumulate);

/// Fills out[0 ..< count] with standard normal deviates from the xoshiro256** generator
/// whose four state words are `state` (advanced in place): pair i takes two outputs x1, x2,
/// u1 = ((x1 >> 11) + 1) 2^-53, u2 = (x2 >> 11) 2^-53, and gives sqrt(-2 log u1) cos(2 pi u2)
/// and sqrt(-2 log u1) sin(2 pi u2), computed in Double and rounded to Float; for an odd
/// count the last pair's second deviate is dropped (its two outputs are still taken).
/// log, sin and cos are fdlibm's algorithms in vectors of 8 Doubles, within an ulp of
/// libm's, so the deviates equal libm-based Box-Muller's except where the two Double
/// results straddle a Float rounding boundary. Every variant gives the same bits.
void dv_fill_normal(uint64_t *state, int64_t count, float *out);

/// dv_fill_normal through one variant, for tests (`isa` as dv_gemm_isa's); returns 1 when
/// it ran, 0 when this CPU lacks that variant.
int dv_fill_normal_isa(int32_t isa, uint64_t *state, int64_t count, float *out);

/// 1 when all `count` values are finite, else 0.
int dv_all_finite(int64_t count, const float *x);

/// output[i] = (float)source[i] / 255 (a division, so the values equal PyTorch's ToTensor).
void dv_bytes_to_unit(int64_t count, const uint8_t *source, float *output);

/// A convolution's patch geometry for dv_im2col_planar and dv_col2im_planar: square
/// images of `side`, output side S' = (side + 2 padding - kernel) / stride + 1, and the
/// tables the portable and gather bodies read (built by Models' ImageColumns):
/// - offsets [kernel^2, S'^2]: where in an image plane tap (ky kernel + kx) reads for output
///   pixel (oy S' + ox), y side + x, or -1 outside the image;
/// - taps, positions [terms, side^2]: the t-th patch covering pixel (y side + x), in patch
///   order (oy, then ox, ascending), as its tap and output pixel; tap -1 past the last.
typedef struct {
  int32_t side, outputSide, kernel, stride, padding, terms;
  const int32_t *offsets, *taps, *positions;
} DVPatchGeometry;

/// im2col over channel-major maps (planar.c): from images [channels, batch, side^2] to
/// cols [kernel^2 channels, batch S'^2] (rows `rowLength` >= batch S'^2 apart), row
/// (tap, c) holding for every output pixel (b, q) the value that tap of its patch reads in
/// channel c, or 0 outside the image. Fills the rows of the planes first ..< end (plane
/// u = c batch + b, all of them: 0 ..< channels batch), i.e. kernel^2 runs of S'^2 Floats
/// per plane; a row's Floats past batch S'^2 are not touched.
void dv_im2col_planar(
  const DVPatchGeometry *geometry, int32_t channels, int32_t batch, int64_t rowLength, const float *images, float *cols,
  int64_t first, int64_t end);

/// col2im, the adjoint of dv_im2col_planar: images [channels, batch, side^2] where each
/// pixel is the sum, from 0 and in patch order, of the column-matrix elements whose tap
/// reads it. Writes the planes first ..< end.
void dv_col2im_planar(
  const DVPatchGeometry *geometry, int32_t channels, int32_t batch, int64_t rowLength, const float *cols, float *images,
  int64_t first, int64_t end);

/// dv_im2col_planar and dv_col2im_planar through one body, for tests: 0 = portable,
/// 1 = AVX-512 gathers, 2 = AVX-512 permutes (rows of at most 32 pixels, output rows of at
/// most 16, kernels up to 8). Return 0, doing nothing, when the body does not apply here.
int dv_im2col_planar_body(
  int32_t body, const DVPatchGeometry *geometry, int32_t channels, int32_t batch, int64_t rowLength, const float *images,
  float *cols, int64_t first, int64_t end);
int dv_col2im_planar_body(
  int32_t body, const DVPatchGeometry *geometry, int32_t channels, int32_t batch, int64_t rowLength, const float *cols,
  float *images, int64_t first, int64_t end);

/// sums[r] = the sum of row r of src [rows, length], added in order from 0 (each row one chain).
void dv_row_sums(int64_t rows, int64_t length, const float *src, float *sums);

/// dst [columns, rows] (row stride ldDst) = the transpose of src [rows, columns] (row stride ldSrc).
void dv_transpose(int64_t rows, int64_t columns, const float *src, int64_t ldSrc, float *dst, int64_t ldDst);

/// dv_row_sums and dv_transpose through one variant, for tests: `isa` as for dv_gemm_isa
/// (0 portable, 2 AVX-512; 1 runs the portable body). Return 0 when this CPU lacks it.
int dv_row_sums_isa(int32_t isa, int64_t rows, int64_t length, const float *src, float *sums);
int dv_transpose_isa(
  int32_t isa, int64_t rows, int64_t columns, const float *src, int64_t ldSrc, float *dst, int64_t ldDst);

#ifdef __cplusplus
}
#endif

#endif
