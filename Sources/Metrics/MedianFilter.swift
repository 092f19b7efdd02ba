import Compute

/// The 3 x 3 median filter: the classical, model-free baseline for removing
/// noise, against which vae-eval measures the VAE's restorations.
///
/// Each output pixel is the median of the 3 x 3 neighbourhood centred on it.
/// At the edges the image is extended by replicating its border pixels, so a
/// corner pixel's neighbourhood holds the corner four times, its two
/// neighbours on the edge twice each, and the diagonal neighbour once.
public enum MedianFilter {
  /// The filtered copy of one `width` x `height` image (row-major bytes).
  public static func median3x3(_ image: ArraySlice<UInt8>, width: Int, height: Int) -> [UInt8] {
    precondition(width >= 1 && height >= 1 && image.count == width * height, "image must hold width x height bytes")
    var out = [UInt8](repeating: 0, count: width * height)
    image.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { target in
        filter(source.baseAddress!, into: target.baseAddress!, width: width, height: height)
      }
    }
    return out
  }

  /// Filters `count` images of `width` x `height` bytes each, stored one after another.
  /// Images are dealt to `parallel`'s threads; the result does not depend on their number.
  public static func median3x3(images: [UInt8], count: Int, width: Int, height: Int, parallel: Parallel) -> [UInt8] {
    let size = width * height
    precondition(width >= 1 && height >= 1 && images.count == count * size, "images must hold count x width x height bytes")
    var out = [UInt8](repeating: 0, count: images.count)
    images.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { target in
        // Capturing the base addresses (not the buffers) keeps the closure free of inout captures.
        let from = source.baseAddress!, to = target.baseAddress!
        parallel.forEachRange(count: count, alignment: 1) { range in
          for i in range { filter(from + i * size, into: to + i * size, width: width, height: height) }
        }
      }
    }
    return out
  }

  /// One image, `source` to `target` (distinct buffers of width x height bytes).
  private static func filter(_ source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<UInt8>, width: Int, height: Int) {
    var window = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
    for y in 0..<height {
      // Replicated border: rows and columns outside the image read the nearest one inside.
      let up = source + max(y - 1, 0) * width
      let row = source + y * width
      let down = source + min(y + 1, height - 1) * width
      for x in 0..<width {
        let left = max(x - 1, 0), right = min(x + 1, width - 1)
        window = (up[left], up[x], up[right], row[left], row[x], row[right], down[left], down[x], down[right])
        target[y * width + x] = median(&window)
      }
    }
  }

  /// The median of nine values by a 19-exchange selection network (Paeth's
  /// "median of nine"); it partially sorts `v` in place.
  @inline(__always)
  static func median(_ v: inout (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)) -> UInt8 {
    @inline(__always) func order(_ a: inout UInt8, _ b: inout UInt8) {
      let low = min(a, b)
      b = max(a, b)
      a = low
    }
    order(&v.1, &v.2); order(&v.4, &v.5); order(&v.7, &v.8)
    order(&v.0, &v.1); order(&v.3, &v.4); order(&v.6, &v.7)
    order(&v.1, &v.2); order(&v.4, &v.5); order(&v.7, &v.8)
    order(&v.0, &v.3); order(&v.5, &v.8); order(&v.4, &v.7)
    order(&v.3, &v.6); order(&v.1, &v.4); order(&v.2, &v.5)
    order(&v.4, &v.7); order(&v.4, &v.2); order(&v.6, &v.4)
    order(&v.4, &v.2)
    return v.4
  }
}
