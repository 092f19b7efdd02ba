import Compute
import Dispatch

/// Applies a `CorruptionKind` to a stack of 8-bit images of one size.
///
/// Image `i` draws all its randomness from its own generator,
/// `Xoshiro256(seed: seed, stream: i)`, so a given image is spoiled the same
/// way whatever the thread count, the batch it comes in or the order of work.
public struct Corrupter: Sendable {
  public let kind: CorruptionKind
  public let seed: UInt64

  public init(kind: CorruptionKind, seed: UInt64) {
    self.kind = kind
    self.seed = seed
  }

  /// The corrupted images and the mask (1 = observed, 0 = occluded or replaced).
  public struct Result: Sendable {
    public var images: [UInt8]
    public var mask: [UInt8]
  }

  /// Corrupts `count` images of `side` x `side` pixels stored one after another in `images`.
  /// - Parameter firstIndex: the index of the first image in the whole set (its generator stream).
  public func apply(to images: [UInt8], count: Int, side: Int, firstIndex: Int = 0, threads: Int = 1) throws(CorruptionError) -> Result {
    try apply(to: images, count: count, height: side, width: side, firstIndex: firstIndex, threads: threads)
  }

  /// Corrupts `count` images of `height` x `width` pixels stored one after another in `images`.
  /// - Parameter firstIndex: the index of the first image in the whole set (its generator stream).
  public func apply(to images: [UInt8], count: Int, height: Int, width: Int, firstIndex: Int = 0, threads: Int = 1) throws(CorruptionError)
    -> Result
  {
    precondition(images.count == count * height * width, "images.count must be count * height * width")
    try kind.validate(height: height, width: width)
    let size = Size(height: height, width: width)
    var out = images
    var mask = [UInt8](repeating: 1, count: images.count)
    let pixels = height * width
    let chunks = max(1, min(threads, count))
    out.withUnsafeMutableBufferPointer { outBuffer in
      mask.withUnsafeMutableBufferPointer { maskBuffer in
        let outBase = SendablePointer(outBuffer.baseAddress)
        let maskBase = SendablePointer(maskBuffer.baseAddress)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
          let lower = count * chunk / chunks
          let upper = count * (chunk + 1) / chunks
          for i in lower..<upper {
            var generator = Xoshiro256(seed: seed, stream: UInt64(firstIndex + i))
            let image = UnsafeMutableBufferPointer(start: outBase.pointer! + i * pixels, count: pixels)
            let imageMask = UnsafeMutableBufferPointer(start: maskBase.pointer! + i * pixels, count: pixels)
            Self.corrupt(image, mask: imageMask, size: size, kind: kind, generator: &generator)
          }
        }
      }
    }
    return Result(images: out, mask: mask)
  }

  /// An image's rows and columns.
  struct Size {
    var height: Int
    var width: Int

    /// The side an edge runs across: the height for top and bottom, the width for left and right.
    func across(_ edge: CorruptionKind.Side) -> Int { edge == .top || edge == .bottom ? height : width }
  }

  /// The rows and columns of the strip along `edge`, `depth` pixels deep, of an image of `size`.
  static func strip(along edge: CorruptionKind.Side, depth: Int, size: Size) -> (rows: Range<Int>, columns: Range<Int>) {
    switch edge {
    case .top: (0..<depth, 0..<size.width)
    case .bottom: (size.height - depth..<size.height, 0..<size.width)
    case .left: (0..<size.height, 0..<depth)
    case .right: (0..<size.height, size.width - depth..<size.width)
    }
  }

  /// Corrupts one image in place (its mask starts all ones).
  static func corrupt(
    _ image: UnsafeMutableBufferPointer<UInt8>, mask: UnsafeMutableBufferPointer<UInt8>,
    size: Size, kind: CorruptionKind, generator: inout Xoshiro256
  ) {
    let (rows, columns) = (size.height, size.width)
    func hide(rows: Range<Int>, columns: Range<Int>) {
      for r in rows.clamped(to: 0..<size.height) {
        for c in columns.clamped(to: 0..<size.width) {
          image[r * size.width + c] = 0
          mask[r * size.width + c] = 0
        }
      }
    }
    switch kind {
    case let .gaussian(sigma):
      var i = 0
      while i < image.count {
        let (a, b) = generator.nextNormalPair()
        for (offset, noise) in [(0, a), (1, b)] where i + offset < image.count {
          let value = Double(image[i + offset]) / 255 + sigma * noise
          image[i + offset] = UInt8((min(max(value, 0), 1) * 255).rounded())
        }
        i += 2
      }
    case let .saltPepper(fraction):
      for i in 0..<image.count where generator.nextDouble() < fraction {
        image[i] = generator.next() & 1 == 0 ? 0 : 255
        mask[i] = 0
      }
    case let .zero(fraction):
      for i in 0..<image.count where generator.nextDouble() < fraction {
        image[i] = 0
        mask[i] = 0
      }
    case let .square(size, centred):
      let top = centred ? (rows - size) / 2 : generator.nextInt(below: rows - size + 1)
      let left = centred ? (columns - size) / 2 : generator.nextInt(below: columns - size + 1)
      hide(rows: top..<top + size, columns: left..<left + size)
    case let .rectangles(count, sizes):
      for _ in 0..<count {
        let height = sizes.lowerBound + generator.nextInt(below: sizes.count)
        let width = sizes.lowerBound + generator.nextInt(below: sizes.count)
        let top = generator.nextInt(below: rows - height + 1)
        let left = generator.nextInt(below: columns - width + 1)
        hide(rows: top..<top + height, columns: left..<left + width)
      }
    case let .half(half):
      // An odd side leaves the middle row (column) with the bottom (right) half.
      let across = size.across(half)
      let region = strip(along: half, depth: half == .top || half == .left ? across / 2 : across - across / 2, size: size)
      hide(rows: region.rows, columns: region.columns)
    case let .band(edge, fraction):
      let region = strip(along: edge, depth: Int((Double(size.across(edge)) * fraction).rounded()), size: size)
      hide(rows: region.rows, columns: region.columns)
    case let .quadrants(observed):
      // Rows above `top` and columns left of `left` are the top and the left halves; an odd
      // side gives the middle row (column) to the bottom (right).
      let (top, left) = (rows / 2, columns / 2)
      switch observed {
      case 1: hide(rows: 0..<top, columns: 0..<columns); hide(rows: top..<rows, columns: left..<columns)
      case 2: hide(rows: 0..<rows, columns: left..<columns)
      default: hide(rows: top..<rows, columns: left..<columns)
      }
    case let .mixed(kinds):
      let chosen = kinds[generator.nextInt(below: kinds.count)]
      corrupt(image, mask: mask, size: size, kind: chosen, generator: &generator)
    }
  }
}

/// A raw pointer handed to the worker closures of `concurrentPerform`; each
/// worker writes a disjoint range of images, so sharing it is safe.
struct SendablePointer<T>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<T>?
  init(_ pointer: UnsafeMutablePointer<T>?) { self.pointer = pointer }
}
