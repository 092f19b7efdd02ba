import Compute

// Legend: B = images, S = side of the (square) image a convolution reads, Si = its input
// channels, So = S' = the side of its output, k = kernel side, s = stride, p = padding.
// Images are NHWC (channels-last): pixel (y, x) of image b holds Si contiguous Floats at
// ((b * S + y) * S + x) * Si. A column matrix has one row per output pixel (b, y', x'),
// [B * S' * S', k * k * Si], its columns ordered (ky, kx, channel).

/// The geometry of a square 2-D convolution over channels-last images, and its
/// im2col / col2im kernels.
///
/// `gather` (im2col) copies, for every output pixel, the k x k x Si input patch it
/// reads into one row of a column matrix, zeros where the patch hangs over the border;
/// a convolution is then `cols [B S'^2, k^2 Si] @ W [k^2 Si, So]`. `scatter` (col2im)
/// is its adjoint: it adds every row of a column matrix back onto the pixels that
/// patch came from, which is the input gradient of a convolution and the forward pass
/// of a transposed convolution.
///
/// Both split the images across threads (whole images per thread), and `scatter` adds
/// each pixel's terms in one fixed order, so results do not depend on the thread count.
public struct ImageColumns: Sendable, Equatable {
  /// S, the side of the image the convolution reads.
  public let side: Int
  /// Si, the channels of that image.
  public let channels: Int
  /// k
  public let kernel: Int
  /// s
  public let stride: Int
  /// p, zeros added on every side.
  public let padding: Int

  /// A geometry; `outputSide` must come out at least 1 (a precondition).
  public init(side: Int, channels: Int, kernel: Int = 4, stride: Int = 2, padding: Int = 1) {
    precondition(side >= 1 && channels >= 1 && kernel >= 1 && stride >= 1 && padding >= 0, "bad convolution geometry")
    self.side = side
    self.channels = channels
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
    precondition(outputSide >= 1, "kernel \(kernel) does not fit a side of \(side) with padding \(padding)")
  }

  /// S' = (S + 2p - k) / s + 1 (14 for S = 28, k = 4, s = 2, p = 1).
  public var outputSide: Int { (side + 2 * padding - kernel) / stride + 1 }
  /// Floats of one input image: S * S * Si.
  public var imageSize: Int { side * side * channels }
  /// Rows of the column matrix per image: S' * S'.
  public var rowsPerImage: Int { outputSide * outputSide }
  /// Columns of the column matrix: k * k * Si.
  public var columns: Int { kernel * kernel * channels }

  /// im2col: `cols` [B * S'^2, k^2 Si] from `images` [B, S, S, Si] (every element written).
  public func gather(
    _ images: UnsafePointer<Float>, into cols: UnsafeMutablePointer<Float>, count: Int, parallel: Parallel
  ) {
    let (s, c, k, so, width, stride, padding, size) = (side, channels, kernel, outputSide, columns, stride, padding, imageSize)
    parallel.forEachRange(count: count, alignment: 1, work: count * so * so * width) { range in
      for b in range {
        Self.gatherImage(
          images + b * size, into: cols + b * so * so * width, side: s, channels: c, kernel: k, stride: stride,
          padding: padding, outputSide: so)
      }
    }
  }

  /// col2im: `images` [B, S, S, Si] = the sum, over every row of `cols` [B * S'^2, k^2 Si],
  /// of that row added onto the patch it stands for (terms hanging over the border are
  /// dropped). `images` is overwritten.
  ///
  /// Computed pixel by pixel: each pixel's value is the sum of its terms from the patches
  /// that cover it, in patch order (row-major over the output pixels).
  public func scatter(
    _ cols: UnsafePointer<Float>, into images: UnsafeMutablePointer<Float>, count: Int, parallel: Parallel
  ) {
    let (s, c, k, so, width, stride, padding, size) = (side, channels, kernel, outputSide, columns, stride, padding, imageSize)
    // The output pixels whose patches cover input row (or column) y are first[y] ... last[y]:
    // o * stride - padding <= y < o * stride - padding + k, within 0 ..< so. Worked out once
    // per call (on the stack) rather than per pixel: integer division is slow.
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * s) { bounds in
      guard let first = bounds.baseAddress else { return }
      let last = first + s
      for y in 0..<s {
        let low = y + padding - k + 1
        first[y] = low <= 0 ? 0 : (low + stride - 1) / stride
        last[y] = min(so - 1, (y + padding) / stride)
      }
      parallel.forEachRange(count: count, alignment: 1, work: count * so * so * width) { range in
        for b in range {
          Self.scatterImage(
            cols + b * so * so * width, into: images + b * size, side: s, channels: c, kernel: k, stride: stride,
            padding: padding, outputSide: so, first: first, last: last)
        }
      }
    }
  }

  // The per-image kernels take every size as an argument and use plain loops, which the
  // compiler vectorises; measured on the VAE's shapes, this ran 2-4x faster than the same
  // loops written inside the closures with eight-Float helpers.

  /// im2col of one image: `patches` [S'^2, k^2 Si] from `image` [S, S, Si].
  static func gatherImage(
    _ image: UnsafePointer<Float>, into patches: UnsafeMutablePointer<Float>, side s: Int, channels c: Int, kernel k: Int,
    stride: Int, padding: Int, outputSide so: Int
  ) {
    let width = k * k * c
    for oy in 0..<so {
      for ox in 0..<so {
        let row = patches + (oy * so + ox) * width
        let x0 = ox * stride - padding
        for ky in 0..<k {
          let y = oy * stride - padding + ky
          let dst = row + ky * k * c
          if y < 0 || y >= s {
            for i in 0..<(k * c) { dst[i] = 0 }
            continue
          }
          let src = image + y * s * c
          for kx in 0..<k {
            let x = x0 + kx
            if x < 0 || x >= s {
              for i in 0..<c { dst[kx * c + i] = 0 }
            } else {
              for i in 0..<c { dst[kx * c + i] = src[x * c + i] }
            }
          }
        }
      }
    }
  }

  /// col2im of one image: `image` [S, S, Si] from `patches` [S'^2, k^2 Si]; pixel y is
  /// covered by the patches first[y] ... last[y] of its row and column.
  static func scatterImage(
    _ patches: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>, side s: Int, channels c: Int, kernel k: Int,
    stride: Int, padding: Int, outputSide so: Int, first: UnsafePointer<Int>, last: UnsafePointer<Int>
  ) {
    let width = k * k * c
    for y in 0..<s {
      let (oy0, oy1) = (first[y], last[y])
      for x in 0..<s {
        let (ox0, ox1) = (first[x], last[x])
        let dst = image + (y * s + x) * c
        if c == 1 {
          // One channel (the decoder's output): sum in a register.
          var sum: Float = 0
          var oy = oy0
          while oy <= oy1 {
            let row = patches + oy * so * width + (y + padding - oy * stride) * k + x + padding
            var ox = ox0
            while ox <= ox1 {
              sum += row[ox * width - ox * stride]
              ox += 1
            }
            oy += 1
          }
          dst[0] = sum
          continue
        }
        for i in 0..<c { dst[i] = 0 }
        var oy = oy0
        while oy <= oy1 {
          let ky = y + padding - oy * stride
          var ox = ox0
          while ox <= ox1 {
            let src = patches + (oy * so + ox) * width + (ky * k + x + padding - ox * stride) * c
            for i in 0..<c { dst[i] += src[i] }
            ox += 1
          }
          oy += 1
        }
      }
    }
  }
}
