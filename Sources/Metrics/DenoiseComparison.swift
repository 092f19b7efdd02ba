import Compute
import Models
import Runs

/// A restoration scored beside its two baselines: the model's restored images, the
/// corrupted input as it is, and the input's 3x3 median filter, each against the clean
/// images (MSE, PSNR and SSIM; see `DenoiseScore`).
///
/// vae-eval's denoise scores (for every model kind) and every level of the level sweep
/// are this one measurement.
public struct DenoiseComparison: Equatable, Sendable {
  public var restored: DenoiseScore
  public var corrupted: DenoiseScore
  public var median3x3: DenoiseScore

  /// Scores `count` images of `height` x `width` pixels: `restored` intensities in
  /// [0, 1] (model outputs), `corrupted` bytes and their 3x3 median, against `clean` bytes.
  ///
  /// The median is filtered on `parallel`'s threads and the three scores are taken
  /// concurrently, each by one thread over all images in order, so the result does not
  /// depend on the thread count. With SSIM each score costs more than a restoration.
  public static func measure(
    restored: [Float], corrupted: [UInt8], clean: [UInt8], count n: Int, height: Int, width: Int, parallel: Parallel
  ) -> DenoiseComparison {
    let median = MedianFilter.median3x3(images: corrupted, count: n, width: width, height: height, parallel: parallel)
    return measure(
      restored: restored, corrupted: corrupted, median: median, clean: clean, count: n, height: height, width: width, parallel: parallel)
  }

  /// The same with the median filter of `corrupted` given (a caller that also judges it filters once).
  public static func measure(
    restored: [Float], corrupted: [UInt8], median: [UInt8], clean: [UInt8], count n: Int, height: Int, width: Int, parallel: Parallel
  ) -> DenoiseComparison {
    let d = height * width
    var scores = [DenoiseScore](repeating: DenoiseScore(mse: 0, psnr: 0), count: 3)
    scores.withUnsafeMutableBufferPointer { scores in
      parallel.forEachChunk(3) { m in
        scores[m] =
          switch m {
          case 0: DenoiseScore.measure(restored, against: clean, count: n, size: d, width: width)
          case 1: DenoiseScore.measure(corrupted, against: clean, count: n, size: d, width: width)
          default: DenoiseScore.measure(median, against: clean, count: n, size: d, width: width)
          }
      }
    }
    return DenoiseComparison(restored: scores[0], corrupted: scores[1], median3x3: scores[2])
  }
}

extension RunMetrics.Denoise {
  /// metrics.json's `denoise` object: the three scores and the ELBO of the corrupted input.
  public init(_ scores: DenoiseComparison, elboCorruptedInput: LossReport) {
    self.init(
      restored: scores.restored, corrupted: scores.corrupted, median3x3: scores.median3x3, elboCorruptedInput: elboCorruptedInput)
  }
}
