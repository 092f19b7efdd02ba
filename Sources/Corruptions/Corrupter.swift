import Compute
import Dispatch

/// Applies a `CorruptionKind` to a stack of square 8-bit images.
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
    precondition(images.count == count * side * side, "images.count must be count * side * side")
    try kind.validate(side: side)
    var out = images
    var mask = [UInt8](repeating: 1, count: images.count)
    let pixels = side * side
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
            Self.corrupt(image, mask: imageMask, side: side, kind: kind, generator: &generator)
          }
        }
      }
    }
    return Result(images: out, mask: mask)
  }

  /// The rows and columns of the strip along `edge`, `depth` pixels deep, of a `side` x `side` image.
  static func strip(along edge: CorruptionKind.Side, depth: Int, side: Int) -> (rows: Range<Int>, columns: Range<Int>) {
    switch edge {
    case .top: (0..<depth, 0..<side)
    case .bottom: (side - depth..<side, 0..<side)
    case .left: (0..<side, 0..<depth)
    case .right: (0..<side, side - depth..<side)
    }
  }

  /// Corrupts one image in place (its mask starts all ones).
  static func corrupt(
    _ image: UnsafeMutableBufferPointer<UInt8>, mask: UnsafeMutableBufferPointer<UInt8>,
    side: Int, kind: CorruptionKind, generator: inout Xoshiro256
  ) {
    func hide(rows: Range<Int>, columns: Range<Int>) {
      for r in rows.clamped(to: 0..<side) {
        for c in columns.clamped(to: 0..<side) {
          image[r * side + c] = 0
          mask[r * side + c] = 0
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
      let top = centred ? (side - size) / 2 : generator.nextInt(below: side - size + 1)
      let left = centred ? (side - size) / 2 : generator.nextInt(below: side - size + 1)
      hide(rows: top..<top + size, columns: left..<left + size)
    case let .rectangles(count, sizes):
      for _ in 0..<count {
        let height = sizes.lowerBound + generator.nextInt(below: sizes.count)
        let width = sizes.lowerBound + generator.nextInt(below: sizes.count)
        let top = generator.nextInt(below: side - height + 1)
        let left = generator.nextInt(below: side - width + 1)
        hide(rows: top..<top + height, columns: left..<left + width)
      }
    case let .half(half):
      // An odd side leaves the middle row (column) with the bottom (right) half.
      let region = strip(along: half, depth: half == .top || half == .left ? side / 2 : side - side / 2, side: side)
      hide(rows: region.rows, columns: region.columns)
    case let .band(edge, fraction):
      let region = strip(along: edge, depth: Int((Double(side) * fraction).rounded()), side: side)
      hide(rows: region.rows, columns: region.columns)
    case let .quadrants(observed):
      // Rows and columns below `half` are the top and the left; an odd side gives the middle to the bottom and right.
      let half = side / 2
      switch observed {
      case 1: hide(rows: 0..<half, columns: 0..<side); hide(rows: half..<side, columns: half..<side)
      case 2: hide(rows: 0..<side, columns: half..<side)
      default: hide(rows: half..<side, columns: half..<side)
      }
    case let .mixed(kinds):
      let chosen = kinds[generator.nextInt(below: kinds.count)]
      corrupt(image, mask: mask, side: side, kind: chosen, generator: &generator)
    }
  }
}

/// A raw pointer handed to the worker closures of `concurrentPerform`; each
/// worker writes a disjoint range of images, so sharing it is safe.
struct SendablePointer<T>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<T>?
  init(_ pointer: UnsafeMutablePointer<T>?) { self.pointer = pointer }
}
