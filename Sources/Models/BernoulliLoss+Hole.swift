import Compute

// Legend: B = rows in the batch, D = pixels, S = the row stride of the observed mask.

extension BernoulliLoss {
  /// ``lossAndGradient(logits:bias:targets:gradient:biasGradient:scale:rows:columns:partials:parallel:)``
  /// over the hidden pixels only (``LossScope/hole``): pixel k of row r counts when
  /// `observed[r * S + k]` is 0, and is left out (loss 0, gradient 0) when it is 1.
  ///
  /// `observed` is the mask half of an inpainting condition, read in place (S = the
  /// condition's width), so no mask is copied. The same 8-column chunks and order of sums
  /// as the full loss: results do not depend on the thread count.
  public static func holeLossAndGradient(
    logits: UnsafePointer<Float>, bias: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    observed: UnsafePointer<Float>, observedStride: Int,
    gradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?, scale: Float,
    rows: Int, columns: Int, partials: UnsafeMutablePointer<Double>, parallel: Parallel
  ) -> Double {
    let chunks = Parallel.chunks(count: columns, size: 8)
    parallel.forEachChunkRange(chunks, work: rows * columns * 8) { range in
      for chunk in range {
        let c = chunk * 8
        let width = min(8, columns - c)
        let b = load(bias + c, width)
        var loss = Vector()
        var biasSum = Vector()
        for r in 0..<rows {
          let at = r * columns + c
          let x = load(logits + at, width) + b
          let t = load(targets + at, width)
          let hole = 1 - load(observed + r * observedStride + c, width)
          // max(x, 0) - x t + log1p(exp(-|x|)): the stable binary cross-entropy with logits.
          let positive = x .> 0
          let relu = positive.select(x, Vector())
          let softplus = relu - x * t + VectorMath.log1p(VectorMath.exp(-VectorMath.abs(x)))
          // Tail lanes load as 0: observed 0 makes their hole 1, so mask them out by width.
          loss += (width == 8 ? hole : Self.head(hole, width)) * softplus
          if let gradient {
            // Subnormal gradients as zero, as the full loss's kernel stores them.
            let g = VectorMath.flushSubnormals(scale * hole * (VectorMath.sigmoid(x) - t))
            store(g, gradient + at, width)
            biasSum += g
          }
        }
        partials[chunk] = laneSum(width == 8 ? loss : Self.head(loss, width))
        if let biasGradient, gradient != nil { store(biasSum, biasGradient + c, width) }
      }
    }
    var total = 0.0
    for chunk in 0..<chunks { total += partials[chunk] }
    return total
  }

  /// `v` with the lanes from `width` on set to 0.
  @inline(__always)
  static func head(_ v: Vector, _ width: Int) -> Vector {
    (laneIndex .< Int32(width)).select(v, Vector())
  }

  /// -log p(target | logits) over the hidden pixels of one row (mask 0 in `observed`), in
  /// nats, summed in Double: the per-row figure of ``holeLossAndGradient``.
  public static func holeRowLoss(
    logits: UnsafePointer<Float>, bias: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    observed: UnsafePointer<Float>, columns: Int
  ) -> Double {
    var sum = 0.0
    strideVectors(columns) { c, width in
      let x = load(logits + c, width) + load(bias + c, width)
      let t = load(targets + c, width)
      let hole = head(1 - load(observed + c, width), width)
      let relu = (x .> 0).select(x, Vector())
      sum += laneSum(hole * (relu - x * t + VectorMath.log1p(VectorMath.exp(-VectorMath.abs(x)))))
    }
    return sum
  }
}
