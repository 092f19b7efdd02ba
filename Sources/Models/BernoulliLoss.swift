import CKernels
import Compute

// Legend: B = rows in the batch, D = pixels.

/// The Bernoulli negative log-likelihood of targets t in [0, 1] under logits x,
/// fused with its gradient: the output layer's bias add, loss, dL/dx and dL/db in one pass.
///
/// Per pixel: `max(x, 0) - x t + log1p(exp(-|x|))` (binary cross-entropy with
/// logits in its stable form: no sigmoid-then-log), and `dL/dx = sigmoid(x) - t`.
/// Targets are intensities (continuous, not binarised), so the loss of a
/// perfect reconstruction is the targets' entropy, not zero.
public enum BernoulliLoss {
  /// Returns the loss summed over all `rows x columns` elements, in Double.
  ///
  /// - Parameters:
  ///   - logits: x `[B, D]` without the bias; read only
  ///   - bias: b `[D]` added to every row first (x + b are the logits), or nil
  ///   - targets: t `[B, D]`
  ///   - gradient: receives `scale * (sigmoid(x + b) - t)` `[B, D]`, or nil to skip; a
  ///     subnormal value is stored as zero of its sign (see `dv_bernoulli_chunks`)
  ///   - biasGradient: receives the column sums of `gradient` `[D]` (needs `gradient`)
  ///   - partials: scratch of at least `ceil(D / 8)` Doubles
  ///
  /// Columns are cut into 8-wide chunks, each done over rows in row order by one
  /// thread, and chunk sums are added in chunk order: results do not depend on
  /// the thread count.
  public static func lossAndGradient(
    logits: UnsafePointer<Float>, bias: UnsafePointer<Float>?, targets: UnsafePointer<Float>,
    gradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?, scale: Float,
    rows: Int, columns: Int, partials: UnsafeMutablePointer<Double>, parallel: Parallel
  ) -> Double {
    let chunks = Parallel.chunks(count: columns, size: 8)
    // The kernel (CKernels, AVX-512 or AVX2 chosen at run time) takes a run of chunks;
    // each thread gets one contiguous run.
    parallel.forEachChunkRange(chunks, work: rows * columns * 8) { range in
      dv_bernoulli_chunks(
        Int32(rows), Int32(columns), Int32(range.lowerBound), Int32(range.upperBound), logits, bias, targets, gradient,
        gradient == nil ? nil : biasGradient, scale, partials)
    }
    var total = 0.0
    for chunk in 0..<chunks { total += partials[chunk] }
    return total
  }

  /// `output = sigmoid(logits + bias)` row by row: the decoder's pixel probabilities.
  public static func probabilities(
    logits: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
    rows: Int, columns: Int
  ) {
    for r in 0..<rows {
      strideVectors(columns) { c, width in
        let at = r * columns + c
        store(VectorMath.sigmoid(load(logits + at, width) + load(bias + c, width)), output + at, width)
      }
    }
  }
}
