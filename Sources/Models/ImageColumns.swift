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
    let (s, c, k, so, width) = (side, channels, kernel, outputSide, columns)
    parallel.forEachRange(count: count, alignment: 1, work: count * rowsPerImage * width) { range in
      for b in range {
        let image = images + b * imageSize
        for oy in 0..<so {
          for ox in 0..<so {
            let row = cols + ((b * so + oy) * so + ox) * width
            // The patch's columns x0 ..< x0 + k: those inside the image are contiguous in memory.
            let x0 = ox * stride - padding
            let (left, right) = (max(0, -x0), max(0, x0 + k - s))
            let inside = (k - left - right) * c
            for ky in 0..<k {
              let y = oy * stride - padding + ky
              let dst = row + ky * k * c
              guard y >= 0 && y < s && inside > 0 else {
                dst.update(repeating: 0, count: k * c)
                continue
              }
              if left > 0 { dst.update(repeating: 0, count: left * c) }
              (dst + left * c).update(from: image + (y * s + x0 + left) * c, count: inside)
              if right > 0 { (dst + (k - right) * c).update(repeating: 0, count: right * c) }
            }
          }
        }
      }
    }
  }

  /// col2im: `images` [B, S, S, Si] = the sum, over every row of `cols` [B * S'^2, k^2 Si],
  /// of that row added onto the patch it stands for (terms hanging over the border are
  /// dropped). `images` is overwritten.
  ///
  /// Each image's terms are added in row order, then patch order.
  public func scatter(
    _ cols: UnsafePointer<Float>, into images: UnsafeMutablePointer<Float>, count: Int, parallel: Parallel
  ) {
    let (s, c, k, so, width) = (side, channels, kernel, outputSide, columns)
    parallel.forEachRange(count: count, alignment: 1, work: count * rowsPerImage * width) { range in
      for b in range {
        let image = images + b * imageSize
        image.update(repeating: 0, count: imageSize)
        for oy in 0..<so {
          for ox in 0..<so {
            let row = cols + ((b * so + oy) * so + ox) * width
            let x0 = ox * stride - padding
            let (left, right) = (max(0, -x0), max(0, x0 + k - s))
            let inside = (k - left - right) * c
            guard inside > 0 else { continue }
            for ky in 0..<k {
              let y = oy * stride - padding + ky
              guard y >= 0 && y < s else { continue }
              Self.add(row + (ky * k + left) * c, into: image + (y * s + x0 + left) * c, count: inside)
            }
          }
        }
      }
    }
  }

  /// `destination[i] += source[i]` for `count` Floats.
  @inline(__always)
  static func add(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int) {
    strideVectors(count) { i, width in
      store(load(destination + i, width) + load(source + i, width), destination + i, width)
    }
  }
}
