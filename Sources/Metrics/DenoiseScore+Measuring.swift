import Runs

extension DenoiseScore {
  /// Scores `count` images of `size` bytes each against `clean` (same layout); with
  /// `width` (images `width x size/width`), their SSIM as well.
  public static func measure(_ images: [UInt8], against clean: [UInt8], count: Int, size: Int, width: Int? = nil) -> DenoiseScore {
    precondition(images.count == count * size && clean.count == count * size, "both sets must hold count x size bytes")
    return images.withUnsafeBufferPointer { images in
      score(count: count, size: size, width: width, clean: clean) { Double(images[$0]) }
    }
  }

  /// Scores `count` images of `size` intensities in [0, 1] (model outputs) against `clean` bytes.
  public static func measure(_ images: [Float], against clean: [UInt8], count: Int, size: Int, width: Int? = nil) -> DenoiseScore {
    precondition(images.count == count * size && clean.count == count * size, "both sets must hold count x size values")
    return images.withUnsafeBufferPointer { images in
      score(count: count, size: size, width: width, clean: clean) { Double(images[$0]) * 255 }
    }
  }

  /// The shared loop; `value(i)` is element i of the images being scored, on the 0...255 scale.
  @inline(__always)
  private static func score(count: Int, size: Int, width: Int?, clean: [UInt8], value: (Int) -> Double) -> DenoiseScore {
    precondition(width.map { $0 > 0 && size % $0 == 0 } ?? true, "width must divide size")
    guard count > 0, size > 0 else { return DenoiseScore(mse: 0, psnr: maxPSNR, ssim: width.map { _ in 1 }) }
    var mseSum = 0.0, psnrSum = 0.0, ssimSum = 0.0
    clean.withUnsafeBufferPointer { clean in
      for image in 0..<count {
        var squares = 0.0
        for i in image * size..<(image + 1) * size {
          let d = value(i) - Double(clean[i])
          squares += d * d
        }
        // Scale to [0, 1] intensities once per image: (d / 255)^2 summed = squares / 255^2.
        let mse = squares / (255 * 255 * Double(size))
        mseSum += mse
        psnrSum += psnr(mse: mse)
        if let width {
          let base = image * size
          ssimSum += StructuralSimilarity.index(
            width: width, height: size / width, a: { value(base + $0) / 255 }, b: { Double(clean[base + $0]) / 255 })
        }
      }
    }
    return DenoiseScore(mse: mseSum / Double(count), psnr: psnrSum / Double(count), ssim: width.map { _ in ssimSum / Double(count) })
  }
}
