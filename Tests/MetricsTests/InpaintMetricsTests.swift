import Metrics
import Runs
import Testing

@Suite struct InpaintMetricsTests {
  /// Scores by hand: two 2-pixel images; the first has one hidden pixel off by 0.5
  /// (MSE 0.25, PSNR 6.0206 dB); the second has no hole and is left out.
  @Test func holeScoreCountsOnlyHiddenPixels() {
    let filled: [Float] = [0.5, 0.3, 0.9, 0.1]
    let clean: [UInt8] = [255, 0, 0, 0]
    let masks: [UInt8] = [0, 1, 1, 1]
    let (score, images) = InpaintMetrics.holeScore(filled, clean: clean, masks: masks, count: 2, size: 2)
    #expect(images == 1)
    #expect(abs(score.mse - 0.25) < 1e-12, "mse expected 0.25 seen \(score.mse)")
    #expect(abs(score.psnr - 6.020599913) < 1e-6, "psnr expected 6.0206 seen \(score.psnr)")
  }
}
