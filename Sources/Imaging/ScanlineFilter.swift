/// PNG filter method 0: before compression each row is replaced by its
/// difference from a prediction, and a byte naming the predictor is put in
/// front. Five predictors exist; which one helps depends on the row, so each
/// row gets the one chosen by the "minimum sum of absolute differences"
/// heuristic the PNG specification suggests.
///
/// Legend (per byte of the row, all arithmetic modulo 256):
/// `a` = the byte one pixel to the left (0 in the first pixel),
/// `b` = the byte above (0 in the first row), `c` = the byte above-left.
enum ScanlineFilter: UInt8, CaseIterable, Sendable {
  case none = 0  // x
  case sub = 1  // x - a
  case up = 2  // x - b
  case average = 3  // x - floor((a + b) / 2)
  case paeth = 4  // x - paeth(a, b, c)

  /// Filters all rows; the result has `height * (1 + width * bytesPerPixel)` bytes.
  static func filter(_ pixels: [UInt8], width: Int, height: Int, bytesPerPixel bpp: Int) -> [UInt8] {
    let stride = width * bpp
    precondition(pixels.count == stride * height, "pixel buffer does not match \(width)x\(height)x\(bpp)")
    var out = [UInt8](repeating: 0, count: height * (stride + 1))
    let zeros = [UInt8](repeating: 0, count: stride)
    // One scratch row per filter; the best is copied out.
    var scratch = [UInt8](repeating: 0, count: 5 * stride)
    pixels.withUnsafeBufferPointer { all in
      zeros.withUnsafeBufferPointer { zeroRow in
        scratch.withUnsafeMutableBufferPointer { candidates in
          out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<height {
              let row = UnsafeBufferPointer(rebasing: all[(y * stride)..<((y + 1) * stride)])
              let above = y == 0 ? zeroRow : UnsafeBufferPointer(rebasing: all[((y - 1) * stride)..<(y * stride)])
              var best = ScanlineFilter.none
              var bestScore = Int.max
              for kind in ScanlineFilter.allCases {
                let target = UnsafeMutableBufferPointer(rebasing: candidates[(Int(kind.rawValue) * stride)..<((Int(kind.rawValue) + 1) * stride)])
                let score = apply(kind, row: row, above: above, bpp: bpp, into: target)
                // Strict `<` keeps the lowest-numbered filter on ties.
                if score < bestScore {
                  bestScore = score
                  best = kind
                }
              }
              let base = y * (stride + 1)
              dst[base] = best.rawValue
              let chosen = Int(best.rawValue) * stride
              for i in 0..<stride { dst[base + 1 + i] = candidates[chosen + i] }
            }
          }
        }
      }
    }
    return out
  }

  /// Writes the filtered row into `out` and returns the heuristic's score:
  /// the sum of the output bytes read as signed values, made absolute.
  static func apply(
    _ kind: ScanlineFilter, row: UnsafeBufferPointer<UInt8>, above: UnsafeBufferPointer<UInt8>,
    bpp: Int, into out: UnsafeMutableBufferPointer<UInt8>
  ) -> Int {
    var score = 0
    for i in 0..<row.count {
      let x = row[i]
      let a = i >= bpp ? row[i - bpp] : 0
      let b = above[i]
      let c = i >= bpp ? above[i - bpp] : 0
      let predicted: UInt8
      switch kind {
      case .none: predicted = 0
      case .sub: predicted = a
      case .up: predicted = b
      case .average: predicted = UInt8((Int(a) + Int(b)) >> 1)
      case .paeth: predicted = paeth(a, b, c)
      }
      let v = x &- predicted
      out[i] = v
      score += v < 128 ? Int(v) : 256 - Int(v)
    }
    return score
  }

  /// Paeth's predictor: whichever of left, above, above-left is closest to
  /// `a + b - c`, preferring left, then above, on ties.
  static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
    let p = Int(a) + Int(b) - Int(c)
    let pa = abs(p - Int(a))
    let pb = abs(p - Int(b))
    let pc = abs(p - Int(c))
    if pa <= pb && pa <= pc { return a }
    if pb <= pc { return b }
    return c
  }
}
