import Compute

/// Inverted dropout: while training, each unit is kept with probability 1 - p and
/// scaled by 1 / (1 - p), so nothing changes at evaluation time.
///
/// A mask holds the multiplier per unit (0 or 1 / (1 - p)); forward and backward
/// are the same element-wise product with it.
public enum Dropout {
  /// Fills `mask` with 0 (probability `rate`) or `1 / (1 - rate)`.
  ///
  /// Draws one generator output per two units (a 32-bit uniform each), in order,
  /// so a mask depends only on the generator state and `count`.
  public static func makeMask(_ mask: UnsafeMutablePointer<Float>, count: Int, rate: Float, generator: inout Xoshiro256) {
    precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
    let keep = 1 / (1 - rate)
    // A unit is dropped when its 32-bit uniform u satisfies u < rate * 2^32.
    let threshold = UInt64((Double(rate) * 4_294_967_296).rounded())
    var i = 0
    while i < count {
      let bits = generator.next()
      mask[i] = (bits & 0xFFFF_FFFF) < threshold ? 0 : keep
      if i + 1 < count { mask[i + 1] = (bits >> 32) < threshold ? 0 : keep }
      i += 2
    }
  }

  /// `output[i] = input[i] * mask[i]` (the forward pass; output may equal input).
  public static func apply(
    _ input: UnsafePointer<Float>, mask: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int
  ) {
    strideVectors(count) { i, width in
      store(load(input + i, width) * load(mask + i, width), output + i, width)
    }
  }

  /// `grad[i] *= mask[i]` (the backward pass).
  public static func backward(grad: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>, count: Int) {
    apply(grad, mask: mask, output: grad, count: count)
  }
}
