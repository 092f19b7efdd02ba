import CKernels
import Compute

extension VAE {
  /// -log p(target | z) for many latent codes, without allocating per batch: what an
  /// importance-sampled likelihood needs for its k codes per image.
  ///
  /// Row r of `codes` [count, Z] (with row r of `conditions` [count, C] when C > 0) is decoded
  /// and scored against the target `target(r)` (D intensities in [0, 1]; several rows may share
  /// one target, so the caller need not repeat it). `losses[r]` receives the Bernoulli loss
  /// summed over the D pixels, in nats, the same figure as ``reconstructionLoss(codes:conditions:targets:count:)``.
  ///
  /// Codes are decoded ``maxBatch`` rows at a time through the model's own buffers; the rows of
  /// each batch are then scored on ``parallel``'s threads, each row by one thread, so the result
  /// does not depend on the thread count.
  ///
  /// With `observedOffset` (an inpainting condition's mask, 1 observed, at that offset in each
  /// condition row), only the hidden pixels are scored: -log p(x_hidden | z, c).
  public func reconstructionLosses(
    codes: UnsafePointer<Float>, conditions: UnsafePointer<Float>?, count: Int,
    target: (_ row: Int) -> UnsafePointer<Float>, observedOffset: Int? = nil, into losses: UnsafeMutablePointer<Double>
  ) {
    precondition((conditions != nil) == (config.condition > 0), "conditions are needed exactly when config.condition > 0")
    let (d, zSize, c) = (config.inputSize, config.latent, config.condition)
    let threads = parallel.threads
    let bias = UnsafePointer(parameters.values.pointer + outputBias)
    var unused = Xoshiro256(seed: 0)
    forEachBatch(count) { start, b in
      z.pointer.update(from: codes + start * zSize, count: b * zSize)
      decodeLogits(condition: conditions.map { $0 + start * c }, count: b, training: false, generator: &unused)
      let logits = UnsafePointer(self.logits.pointer)
      if let observedOffset, let conditions {
        parallel.run { t in
          for r in Parallel.part(t, of: threads, count: b) {
            losses[start + r] = BernoulliLoss.holeRowLoss(
              logits: logits + r * d, bias: bias, targets: target(start + r),
              observed: conditions + (start + r) * c + observedOffset, columns: d)
          }
        }
        return
      }
      parallel.run { t in
        for r in Parallel.part(t, of: threads, count: b) {
          // One row at a time (CKernels): 16-lane Float sums along the row, then Double.
          losses[start + r] = dv_bernoulli_row(Int32(d), logits + r * d, bias, target(start + r))
        }
      }
    }
  }
}
