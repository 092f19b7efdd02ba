import CKernels
import Compute

// Legend: B = images, S = side of the (square) image a convolution reads, Si = its input
// channels, S' = the side of its output, k = kernel side, s = stride, p = padding.
// Maps are channel-major ("planar"): channel c of image b is one S x S plane, pixel
// (y, x) at ((c * B + b) * S + y) * S + x, so [Si, B, S, S] is also [Si, B S^2]. A column
// matrix is [k k Si, B, S', S']: one row per tap (ky, kx, channel), in that order, holding
// the value the tap reads for every output pixel (b, y', x'); its rows are padded
// (rowLength(count:)).

/// The geometry of a square 2-D convolution over channel-major maps, and its im2col /
/// col2im kernels.
///
/// `gather` (im2col) writes, for every tap of the k x k x Si patch, the input value it
/// reads at every output pixel, zeros where the patch hangs over the border; a
/// convolution is then `W^T [So, k^2 Si] @ cols [k^2 Si, B S'^2]`, a product whose long
/// side is the batch's pixels. `scatter` (col2im) is its adjoint: it adds every element of
/// a column matrix back onto the pixel its tap read, which is the input gradient of a
/// convolution and the forward pass of a transposed convolution.
///
/// Both are C kernels (`dv_im2col_planar`, `dv_col2im_planar`) working plane by plane
/// (one channel of one image), the planes split across threads. Their AVX-512 bodies
/// permute whole image rows (rows of up to 32 pixels) or gather through tables built here
/// once per geometry (where each tap reads; which elements each pixel sums); the portable
/// body reads the tables too. `scatter` adds each pixel's terms in one fixed order (patch
/// order, from 0), so results do not depend on the thread count or the body.
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
    let outputSide = (side + 2 * padding - kernel) / stride + 1
    precondition(
      side + 2 * padding >= kernel && outputSide >= 1,
      "kernel \(kernel) does not fit a side of \(side) with padding \(padding)")
    (imageOffsets, patchTaps, patchPositions, terms) = Self.tables(
      side: side, kernel: kernel, stride: stride, padding: padding, outputSide: outputSide)
  }

  /// For each tap (ky, kx) and output pixel (oy, ox), `[k^2, S'^2]`: where in an image plane
  /// the tap reads, y S + x, or -1 outside the image (im2col's table).
  let imageOffsets: [Int32]
  /// For each term t and pixel (y, x), `[terms, S^2]`: the tap (ky k + kx) and the output
  /// pixel (oy S' + ox) of the t-th patch covering the pixel, in patch order (oy, then ox,
  /// ascending); tap -1 past a pixel's last term (col2im's tables).
  let patchTaps: [Int32]
  let patchPositions: [Int32]
  /// The most patches covering one pixel.
  let terms: Int

  private static func tables(side s: Int, kernel k: Int, stride: Int, padding p: Int, outputSide so: Int)
    -> (offsets: [Int32], taps: [Int32], positions: [Int32], terms: Int)
  {
    var offsets = [Int32](repeating: -1, count: k * k * so * so)
    for ky in 0..<k {
      for kx in 0..<k {
        for oy in 0..<so {
          for ox in 0..<so {
            let (y, x) = (oy * stride - p + ky, ox * stride - p + kx)
            if y >= 0 && y < s && x >= 0 && x < s { offsets[((ky * k + kx) * so + oy) * so + ox] = Int32(y * s + x) }
          }
        }
      }
    }
    // The patches covering row (or column) y: o * stride - p <= y < o * stride - p + k, within 0 ..< so.
    func covering(_ y: Int) -> [Int] { (0..<so).filter { $0 * stride - p <= y && y < $0 * stride - p + k } }
    let lists = (0..<(s * s)).map { i -> [(tap: Int, position: Int)] in
      let (y, x) = (i / s, i % s)
      return covering(y).flatMap { oy in
        covering(x).map { ox in (tap: (y + p - oy * stride) * k + (x + p - ox * stride), position: oy * so + ox) }
      }
    }
    let terms = lists.map(\.count).max() ?? 0
    var taps = [Int32](repeating: -1, count: terms * s * s)
    var positions = [Int32](repeating: 0, count: terms * s * s)
    for (i, list) in lists.enumerated() {
      for (t, term) in list.enumerated() {
        taps[t * s * s + i] = Int32(term.tap)
        positions[t * s * s + i] = Int32(term.position)
      }
    }
    return (offsets, taps, positions, terms)
  }

  /// S' = (S + 2p - k) / s + 1 (14 for S = 28, k = 4, s = 2, p = 1).
  public var outputSide: Int { (side + 2 * padding - kernel) / stride + 1 }
  /// Floats of one input image: S * S * Si.
  public var imageSize: Int { side * side * channels }
  /// Output pixels per image, S' * S' (the column matrix's columns per image).
  public var outputPixels: Int { outputSide * outputSide }
  /// Taps of a patch, k * k * Si (the column matrix's rows).
  public var taps: Int { kernel * kernel * channels }

  /// Floats between two rows of a column matrix for `count` images: B S'^2 and 16 more.
  ///
  /// Without the padding, in the default model's second layer at batch 128 the rows of one
  /// channel's 16 taps lie 8 x 6,272 Floats apart, 49 x 4 KB, so the rows that im2col writes
  /// side by side fall in the same L1 cache sets. With it, im2col of that layer took
  /// 228-250 instead of 369 us (C harness, one thread, Xeon), and a conv training step
  /// 3.5% less time at one thread and 2% at two (alternate steps of one run).
  public func rowLength(count: Int) -> Int { count * outputPixels + Self.rowPadding }

  /// Floats a column matrix for `count` images takes: k^2 Si rows of ``rowLength(count:)``.
  public func columnMatrixCount(count: Int) -> Int { taps * rowLength(count: count) }

  static let rowPadding = 16

  /// im2col: `cols` [k^2 Si, B S'^2] (rows ``rowLength(count:)`` apart) from `images`
  /// [Si, B S^2]; every element but the rows' padding is written.
  public func gather(
    _ images: UnsafePointer<Float>, into cols: UnsafeMutablePointer<Float>, count: Int, parallel: Parallel
  ) {
    let planes = channels * count
    withPatchGeometry { geometry in
      parallel.forEachRange(count: planes, alignment: 1, work: planes * taps * outputPixels) { range in
        dv_im2col_planar(
          geometry, Int32(channels), Int32(count), Int64(rowLength(count: count)), images, cols, Int64(range.lowerBound),
          Int64(range.upperBound))
      }
    }
  }

  /// col2im: `images` [Si, B S^2] = every element of `cols` [k^2 Si, B S'^2] (rows
  /// ``rowLength(count:)`` apart) added onto the pixel its tap reads (terms hanging over the
  /// border are dropped); `images` is overwritten. Each pixel's value is the sum of its terms
  /// in patch order (row-major over the output pixels), from 0.
  public func scatter(
    _ cols: UnsafePointer<Float>, into images: UnsafeMutablePointer<Float>, count: Int, parallel: Parallel
  ) {
    let planes = channels * count
    withPatchGeometry { geometry in
      parallel.forEachRange(count: planes, alignment: 1, work: planes * side * side * terms) { range in
        dv_col2im_planar(
          geometry, Int32(channels), Int32(count), Int64(rowLength(count: count)), cols, images, Int64(range.lowerBound),
          Int64(range.upperBound))
      }
    }
  }

  /// The geometry and its tables as the C kernels read them.
  func withPatchGeometry<Result>(_ body: (UnsafePointer<DVPatchGeometry>) -> Result) -> Result {
    imageOffsets.withUnsafeBufferPointer { offsets in
      patchTaps.withUnsafeBufferPointer { taps in
        patchPositions.withUnsafeBufferPointer { positions in
          var geometry = DVPatchGeometry(
            side: Int32(side), outputSide: Int32(outputSide), kernel: Int32(kernel), stride: Int32(stride),
            padding: Int32(padding), terms: Int32(terms), offsets: offsets.baseAddress, taps: taps.baseAddress,
            positions: positions.baseAddress)
          return withUnsafePointer(to: &geometry) { body($0) }
        }
      }
    }
  }
}
