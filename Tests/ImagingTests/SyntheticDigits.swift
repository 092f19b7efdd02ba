import Foundation

/// Digit-like 28x28 pictures drawn from a few pen strokes, white on black
/// like MNIST, with a seeded wobble so no two are the same. Test content for
/// grids and PNG filters (smooth strokes, flat background, sharp edges).
enum SyntheticDigits {
  static let side = 28

  /// Pen strokes (polylines in pixel coordinates) for each digit 0-9.
  static func strokes(_ digit: Int) -> [[(Double, Double)]] {
    func ellipse(_ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double) -> [(Double, Double)] {
      (0...24).map { i in
        let t = Double(i) / 24 * 2 * Double.pi
        return (cx + rx * sin(t), cy - ry * cos(t))
      }
    }
    switch digit {
    case 0: return [ellipse(14, 14, 6, 9)]
    case 1: return [[(11, 8), (14.5, 5), (14.5, 23)]]
    case 2: return [[(8, 9), (10, 6), (14, 5), (18, 6), (20, 9), (19, 12), (8, 23), (20, 23)]]
    case 3: return [[(8, 6), (19, 6), (13, 13), (18, 15), (19, 19), (15, 23), (8, 22)]]
    case 4: return [[(17, 23), (17, 5), (7, 17), (21, 17)]]
    case 5: return [[(19, 5), (9, 5), (8, 13), (15, 12), (19, 15), (19, 19), (15, 23), (8, 22)]]
    case 6: return [[(18, 5), (11, 10), (8, 17), (10, 22), (15, 23), (19, 19), (18, 15), (13, 13), (9, 16)]]
    case 7: return [[(7, 5), (20, 5), (12, 23)]]
    case 8: return [ellipse(14, 9, 5, 4), ellipse(14, 18.5, 6, 5)]
    default: return [ellipse(14, 10, 5, 5), [(19, 10), (17, 23)]]
    }
  }

  /// A 28x28 image in [0, 1]; `seed` picks the wobble (shift, slant, size).
  static func digit(_ digit: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix(seed: seed &* 977 &+ UInt64(digit))
    let dx = rng.uniform(-2, 2)
    let dy = rng.uniform(-1.5, 1.5)
    let slant = rng.uniform(-0.25, 0.25)
    let scale = rng.uniform(0.85, 1.1)
    let pen = rng.uniform(1.3, 2.0)
    let segments = strokes(digit).flatMap { line in
      zip(line, line.dropFirst()).map { a, b in
        (transform(a, dx, dy, slant, scale), transform(b, dx, dy, slant, scale))
      }
    }
    var pixels = [Float](repeating: 0, count: side * side)
    for y in 0..<side {
      for x in 0..<side {
        let p = (Double(x) + 0.5, Double(y) + 0.5)
        let d = segments.map { distance(p, $0.0, $0.1) }.min() ?? 99
        // Full ink inside the pen, a one-pixel soft edge outside it.
        pixels[y * side + x] = Float(min(1, max(0, pen + 0.5 - d)))
      }
    }
    return pixels
  }

  static func transform(_ p: (Double, Double), _ dx: Double, _ dy: Double, _ slant: Double, _ scale: Double) -> (Double, Double) {
    let (x, y) = ((p.0 - 14) * scale, (p.1 - 14) * scale)
    return (14 + x - slant * y + dx, 14 + y + dy)
  }

  static func distance(_ p: (Double, Double), _ a: (Double, Double), _ b: (Double, Double)) -> Double {
    let (vx, vy) = (b.0 - a.0, b.1 - a.1)
    let length2 = vx * vx + vy * vy
    let t = length2 == 0 ? 0 : max(0, min(1, ((p.0 - a.0) * vx + (p.1 - a.1) * vy) / length2))
    return hypot(p.0 - a.0 - t * vx, p.1 - a.1 - t * vy)
  }
}

/// A small seedable generator (SplitMix64) so test pictures are reproducible.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [lo, hi).
  mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
    lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
  }

  mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 56) }
}
