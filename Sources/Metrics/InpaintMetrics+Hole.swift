import Runs

extension InpaintMetrics {
  /// Scores `filled` [count, size] (intensities in [0, 1]) against `clean` bytes inside
  /// the holes (mask 0) only; returns the score and the number of images with a hole.
  public static func holeScore(
    _ filled: [Float], clean: [UInt8], masks: [UInt8], count: Int, size: Int
  ) -> (score: DenoiseScore, images: Int) {
    precondition(filled.count == count * size && clean.count == count * size && masks.count == count * size, "count x size each")
    var mseSum = 0.0, psnrSum = 0.0, images = 0
    for image in 0..<count {
      var squares = 0.0, hidden = 0
      for i in image * size..<(image + 1) * size where masks[i] == 0 {
        let d = Double(filled[i]) - Double(clean[i]) / 255
        squares += d * d
        hidden += 1
      }
      guard hidden > 0 else { continue }
      let mse = squares / Double(hidden)
      mseSum += mse
      psnrSum += DenoiseScore.psnr(mse: mse)
      images += 1
    }
    guard images > 0 else { return (DenoiseScore(mse: 0, psnr: DenoiseScore.maxPSNR), 0) }
    return (DenoiseScore(mse: mseSum / Double(images), psnr: psnrSum / Double(images)), images)
  }
}
