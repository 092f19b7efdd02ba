import Metrics
import Runs
import Testing

@Suite struct DenoiseScoreTests {
  /// MSE and PSNR of hand-picked 4x4 images: one wrong pixel in 16, an exact copy, and flat grey.
  @Test func psnrAndMSEByHand() {
    let clean = [UInt8](repeating: 0, count: 32)
    var images = clean
    images[5] = 255  // image 0: one pixel off by the full range -> MSE 1/16, PSNR 10 log10(16)
    let score = DenoiseScore.measure(images, against: clean, count: 2, size: 16)
    let psnr16 = 12.041199826559248  // 10 * log10(16)
    // Image 1 is exact: MSE 0, PSNR capped at 100.
    #expect(abs(score.mse - 1.0 / 32) < 1e-15, "mse seen \(score.mse), expected \(1.0 / 32)")
    #expect(abs(score.psnr - (psnr16 + 100) / 2) < 1e-12, "psnr seen \(score.psnr), expected \((psnr16 + 100) / 2)")
    let grey = DenoiseScore.measure([Float](repeating: 0.5, count: 16), against: [UInt8](repeating: 0, count: 16), count: 1, size: 16)
    #expect(abs(grey.mse - 0.25) < 1e-15 && abs(grey.psnr - 6.020599913279624) < 1e-12, "seen \(grey), expected MSE 0.25, PSNR 6.0206")
    #expect(DenoiseScore.psnr(mse: 0) == 100 && DenoiseScore.psnr(mse: 1e-30) == 100, "PSNR is capped at 100 dB")
  }
}
