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
  /// Codes go through the model's own buffers ``maxBatch`` rows at a time. An MLP's rows are
  /// split between ``parallel``'s threads, and each thread decodes and scores its own rows
  /// on its own (one hand-off per batch, and its logits still in its cache when scored); a
  /// convolutional decoder decodes the batch on all threads before the rows are scored.
  /// Each row's loss is the same whatever the thread count (with dv_gemm; per thread count
  /// with `DIGITVAE_GEMM=openblas`).
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
    /// Row r of the batch starting at `start`, its logits at `logits`.
    func score(_ r: Int, start: Int, logits: UnsafePointer<Float>) -> Double {
      if let observedOffset, let conditions {
        return BernoulliLoss.holeRowLoss(
          logits: logits, bias: bias, targets: target(start + r), observed: conditions + (start + r) * c + observedOffset,
          columns: d)
      }
      // One row at a time (CKernels): 16-lane Float sums along the row, then Double.
      return dv_bernoulli_row(Int32(d), logits, bias, target(start + r))
    }
    if convolutional == nil, let outputLayer {
      let single = parallel.singleThreaded
      // With OpenBLAS, its thread count is set to 1 here, not raced over by the threads below.
      if threads > 1 { single.prepareForConcurrentCalls() }
      forEachBatch(count) { start, b in
        let input = decoderInput(codes: codes + start * zSize, conditions: conditions.map { $0 + start * c }, count: b)
        parallel.run { t in
          let rows = Parallel.part(t, of: threads, count: b)
          guard !rows.isEmpty else { return }
          let logits = decodeLogits(rows: rows, input: input, outputLayer: outputLayer, parallel: single)
          for r in rows { losses[start + r] = score(r, start: start, logits: logits + (r - rows.lowerBound) * d) }
        }
      }
      return
    }
    var unused = Xoshiro256(seed: 0)
    forEachBatch(count) { start, b in
      z.pointer.update(from: codes + start * zSize, count: b * zSize)
      decodeLogits(condition: conditions.map { $0 + start * c }, count: b, training: false, generator: &unused)
      let logits = UnsafePointer(self.logits.pointer)
      parallel.run { t in
        for r in Parallel.part(t, of: threads, count: b) { losses[start + r] = score(r, start: start, logits: logits + r * d) }
      }
    }
  }

  /// An MLP's logits (without the output bias) for rows `rows` of `input` [batch, decoder
  /// inputs], into the same rows of the layers' buffers, on `parallel` alone (one thread's
  /// share of a batch); returns the first row's. The products are those ``decodeLogits`` takes
  /// over the whole batch: dv_gemm's sums do not depend on how the rows are split.
  private func decodeLogits(
    rows: Range<Int>, input: UnsafePointer<Float>, outputLayer: Linear, parallel: Parallel
  ) -> UnsafePointer<Float> {
    var h = input + rows.lowerBound * (decoder.first?.linear.inputs ?? outputLayer.inputs)
    for layer in decoder {
      let out = layer.output.pointer + rows.lowerBound * layer.linear.outputs
      layer.linear.forward(
        input: h, output: out, batch: rows.count, parameters: parameters, activation: config.activation, parallel: parallel)
      h = UnsafePointer(out)
    }
    let out = logits.pointer + rows.lowerBound * config.inputSize
    outputLayer.forward(
      input: h, output: out, batch: rows.count, parameters: parameters, activation: nil, addBias: false, parallel: parallel)
    return UnsafePointer(out)
  }
}
