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
    let (width, run) = (k * k * c, k * c)
    // Output columns ox whose patch columns ox * stride - padding ..< + k all lie inside the
    // image: their patch rows are plain copies of `run` contiguous Floats.
    let low = min(so, (padding + stride - 1) / stride)
    let high = max(low, min(so, s + padding - k >= 0 ? (s + padding - k) / stride + 1 : 0))
    for oy in 0..<so {
      for ky in 0..<k {
        let y = oy * stride - padding + ky
        let dst = patches + oy * so * width + ky * run
        guard y >= 0 && y < s else {
          for ox in 0..<so { zero(dst + ox * width, count: run) }
          continue
        }
        let src = image + y * s * c
        for ox in low..<high { copy(src + (ox * stride - padding) * c, into: dst + ox * width, count: run) }
        // Patches hanging over the left or right border: zeros there.
        for ox in 0..<low { gatherClipped(src, into: dst + ox * width, side: s, channels: c, kernel: k, x0: ox * stride - padding) }
        for ox in high..<so { gatherClipped(src, into: dst + ox * width, side: s, channels: c, kernel: k, x0: ox * stride - padding) }
      }
    }
  }

  /// One patch row whose columns x0 ..< x0 + k may lie partly outside image row `src`.
  @inline(__always)
  static func gatherClipped(
    _ src: UnsafePointer<Float>, into row: UnsafeMutablePointer<Float>, side s: Int, channels c: Int, kernel k: Int, x0: Int
  ) {
    let (left, right) = (min(k, max(0, -x0)), min(k, max(0, x0 + k - s)))
    let inside = max(0, k - left - right) * c
    zero(row, count: left * c)
    if inside > 0 { copy(src + (x0 + left) * c, into: row + left * c, count: inside) }
    zero(row + (k - right) * c, count: right * c)
  }

  /// `destination[i] = source[i]` for `count` Floats, four at a time when `count` is a
  /// multiple of 4 (every patch row of a kernel of 4).
  @inline(__always)
  static func copy(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int) {
    if count % 4 == 0 {
      var i = 0
      while i < count {
        UnsafeMutableRawPointer(destination + i).storeBytes(
          of: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
        i += 4
      }
    } else {
      for i in 0..<count { destination[i] = source[i] }
    }
  }

  /// `destination[i] = 0` for `count` Floats.
  @inline(__always)
  static func zero(_ destination: UnsafeMutablePointer<Float>, count: Int) {
    if count % 4 == 0 {
      var i = 0
      while i < count {
        UnsafeMutableRawPointer(destination + i).storeBytes(of: SIMD4<Float>(), as: SIMD4<Float>.self)
        i += 4
      }
    } else {
      for i in 0..<count { destination[i] = 0 }
    }
  }

  /// Where the terms of one image row y lie in the column matrix: patch row oy's terms
  /// for pixel (y, x), channel i, are at base(oy)[x c + ox step + i].
  struct PatchRows {
    let patches: UnsafePointer<Float>
    let y: Int, outputSide: Int, width: Int, stride: Int, padding: Int, kernel: Int, channels: Int

    @inline(__always)
    func base(_ oy: Int) -> UnsafePointer<Float> {
      patches + oy * outputSide * width + ((y + padding - oy * stride) * kernel + padding) * channels
    }
  }

  /// col2im of one image: `image` [S, S, Si] from `patches` [S'^2, k^2 Si]; pixel y is
  /// covered by the patches first[y] ... last[y] of its row and column.
  static func scatterImage(
    _ patches: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>, side s: Int, channels c: Int, kernel k: Int,
    stride: Int, padding: Int, outputSide so: Int, first: UnsafePointer<Int>, last: UnsafePointer<Int>
  ) {
    let width = k * k * c
    // Moving one patch right moves a pixel's term by `step` Floats in the column matrix.
    let step = width - stride * c
    for y in 0..<s {
      let dstRow = image + y * s * c
      let (oy0, oy1) = (first[y], last[y])
      if oy0 > oy1 {
        for i in 0..<(s * c) { dstRow[i] = 0 }
        continue
      }
      let rows = PatchRows(
        patches: patches, y: y, outputSide: so, width: width, stride: stride, padding: padding, kernel: k, channels: c)
      if c == 1 || c == 8 {
        // One channel (the decoder's output) or eight (the default model's first convolution):
        // each pixel's sum in a register. (Looping over 8-channel chunks for wider maps
        // measured slower than the plain loop below.)
        scatterRegisterRow(rows, into: dstRow, side: s, step: step, patchRows: oy0...oy1, first: first, last: last)
        continue
      }
      for x in 0..<s {
        let dst = dstRow + x * c
        for i in 0..<c { dst[i] = 0 }
        for oy in oy0...oy1 {
          let base = rows.base(oy) + x * c
          var ox = first[x]
          while ox <= last[x] {
            let src = base + ox * step
            for i in 0..<c { dst[i] += src[i] }
            ox += 1
          }
        }
      }
    }
  }

  /// One image row of one or eight channels, each pixel's sum kept in a register.
  @inline(__always)
  static func scatterRegisterRow(
    _ rows: PatchRows, into dstRow: UnsafeMutablePointer<Float>, side s: Int, step: Int, patchRows: ClosedRange<Int>,
    first: UnsafePointer<Int>, last: UnsafePointer<Int>
  ) {
    let c = rows.channels
    for x in 0..<s {
      if c == 1 {
        var sum: Float = 0
        for oy in patchRows {
          let base = rows.base(oy) + x
          var ox = first[x]
          while ox <= last[x] {
            sum += base[ox * step]
            ox += 1
          }
        }
        dstRow[x] = sum
        continue
      }
      var sum = Vector()
      for oy in patchRows {
        let base = rows.base(oy) + x * c
        var ox = first[x]
        while ox <= last[x] {
          sum += load(base + ox * step)
          ox += 1
        }
      }
      store(sum, dstRow + x * c)
    }
  }

}
