import CKernels
import Foundation

/// The xoshiro256** generator (Blackman & Vigna, 2018) with a state that can be saved and restored.
///
/// The whole state is the four 64-bit words of ``state``: there is no hidden
/// cache (normal deviates are made in Box-Muller pairs and both are used or the
/// second discarded), so `Xoshiro256(state: g.state)` continues exactly as `g`.
///
/// Seeding follows the authors' advice: the four words are the first four
/// outputs of splitmix64 started at the seed, so similar seeds give unrelated
/// streams and the state is never all zero.
public struct Xoshiro256: RandomNumberGenerator, Equatable, Sendable {
  private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  /// A generator seeded from `seed` through splitmix64.
  public init(seed: UInt64) {
    var splitmix = seed
    s0 = Self.splitmix64(&splitmix)
    s1 = Self.splitmix64(&splitmix)
    s2 = Self.splitmix64(&splitmix)
    s3 = Self.splitmix64(&splitmix)
  }

  /// An independent generator for sub-stream `stream` of `seed` (e.g. one per epoch).
  ///
  /// The seed passed to splitmix64 is `seed ^ mix(stream)`, where `mix` is
  /// splitmix64's output function applied to `stream + 1`.
  public init(seed: UInt64, stream: UInt64) {
    var mixer = stream &+ 1
    self.init(seed: seed ^ Self.splitmix64(&mixer))
  }

  /// A generator that continues from a saved ``state``.
  ///
  /// Throws ``ComputeError/invalidGeneratorState(words:)`` unless `state` has
  /// four words, not all zero (the all-zero state is a fixed point).
  public init(state: [UInt64]) throws(ComputeError) {
    guard state.count == 4, state.contains(where: { $0 != 0 }) else {
      throw .invalidGeneratorState(words: state)
    }
    (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
  }

  /// The four state words; `init(state:)` resumes from them.
  public var state: [UInt64] { [s0, s1, s2, s3] }

  /// The next 64 random bits.
  @inlinable @inline(__always)
  public mutating func next() -> UInt64 { nextWord() }

  @usableFromInline @inline(__always)
  mutating func nextWord() -> UInt64 {
    let result = (s1 &* 5).rotatedLeft(7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = s3.rotatedLeft(45)
    return result
  }

  /// A uniform Float in [0, 1), from the top 24 bits of one output.
  @inlinable
  public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

  /// A uniform Double in [0, 1), from the top 53 bits of one output.
  @inlinable
  public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// A uniform integer in `0..<bound` without modulo bias (Lemire's method).
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "bound must be positive")
    let range = UInt64(bound)
    var product = next().multipliedFullWidth(by: range)
    if product.low < range {
      let threshold = (0 &- range) % range
      while product.low < threshold { product = next().multipliedFullWidth(by: range) }
    }
    return Int(product.high)
  }

  /// Two independent standard normal deviates (Box-Muller), from two outputs.
  public mutating func nextNormalPair() -> (Double, Double) {
    // u1 in (0, 1] so the logarithm is finite; u2 in [0, 1).
    let u1 = Double((next() >> 11) + 1) * 0x1p-53
    let u2 = Double(next() >> 11) * 0x1p-53
    let radius = (-2 * log(u1)).squareRoot()
    let angle = 2 * Double.pi * u2
    return (radius * cos(angle), radius * sin(angle))
  }

  /// Fills `buffer` with standard normal deviates, made in pairs; for an odd
  /// count the last pair's second deviate is discarded (no cache is kept).
  ///
  /// The pairs are ``nextNormalPair()``'s, rounded to Float, made 8 at a time by
  /// `dv_fill_normal` (CKernels: the same two outputs per pair, with log, sin and cos
  /// in vectors of Doubles instead of libm's, about 4x faster). Its Doubles are within
  /// an ulp of libm's, so the Floats are the same: the tests compare millions of them.
  public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>) {
    guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
    // A homogeneous tuple is laid out as a C array (as imported C arrays are): no allocation.
    var words = (s0, s1, s2, s3)
    withUnsafeMutableBytes(of: &words) { raw in
      dv_fill_normal(raw.baseAddress?.assumingMemoryBound(to: UInt64.self), Int64(buffer.count), base)
    }
    (s0, s1, s2, s3) = words
  }

  /// ``fillNormal(_:)`` one pair at a time through ``nextNormalPair()`` (libm's log, sin
  /// and cos): the definition the vector fill is tested against.
  mutating func fillNormalOneByOne(_ buffer: UnsafeMutableBufferPointer<Float>) {
    var i = 0
    while i < buffer.count {
      let (a, b) = nextNormalPair()
      buffer[i] = Float(a)
      if i + 1 < buffer.count { buffer[i + 1] = Float(b) }
      i += 2
    }
  }

  /// ``fillNormal(_:)`` on `parallel`'s threads, with the same deviates and the
  /// generator left in the same state: every pair takes exactly two outputs, so the
  /// thread filling pairs `p0 ..< p1` starts from a copy advanced by `2 p0` outputs.
  /// (A training step's 2,560 deviates: 12 us on one thread, 11 us on two, against 54
  /// and 33 us with libm's log, sin and cos.)
  public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, parallel: Parallel) {
    let pairs = (buffer.count + 1) / 2
    // Below a few hundred pairs, skipping ahead and waking a thread cost more than they save.
    guard parallel.threads > 1, pairs >= 256, let base = buffer.baseAddress else {
      fillNormal(buffer)
      return
    }
    let threads = parallel.threads
    let origin = self
    parallel.run { t in
      let range = Parallel.part(t, of: threads, count: pairs)
      guard !range.isEmpty else { return }
      var generator = origin
      for _ in 0..<(2 * range.lowerBound) { _ = generator.next() }
      let first = 2 * range.lowerBound
      let end = min(buffer.count, 2 * range.upperBound)
      generator.fillNormal(UnsafeMutableBufferPointer(start: base + first, count: end - first))
    }
    for _ in 0..<(2 * pairs) { _ = next() }
  }

  /// Shuffles `buffer` in place (Fisher-Yates, from the last element down).
  public mutating func shuffle<T>(_ buffer: UnsafeMutableBufferPointer<T>) {
    guard buffer.count > 1 else { return }
    for i in stride(from: buffer.count - 1, to: 0, by: -1) {
      let j = nextInt(below: i + 1)
      buffer.swapAt(i, j)
    }
  }

  /// Shuffles `array` in place (Fisher-Yates, from the last element down).
  public mutating func shuffle<T>(_ array: inout [T]) {
    array.withUnsafeMutableBufferPointer { shuffle($0) }
  }

  /// One splitmix64 step: advances `x` and returns the mixed output.
  public static func splitmix64(_ x: inout UInt64) -> UInt64 {
    x &+= 0x9E37_79B9_7F4A_7C15
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension UInt64 {
  @usableFromInline @inline(__always)
  func rotatedLeft(_ k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}
