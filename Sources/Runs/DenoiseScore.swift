import Foundation

/// How close a set of images is to the clean originals: the mean over images
/// of the per-image mean squared error and of the per-image PSNR.
///
/// Intensities are in [0, 1] (bytes divided by 255), so the peak signal is 1
/// and PSNR = 10 log10(1 / MSE) dB for each image. An image identical to its
/// original has MSE 0 and an infinite PSNR; PSNR is capped at `maxPSNR`
/// (100 dB) so that such images give a finite, comparable mean. Sums are in
/// Double, image by image in order, so the result does not depend on threads.
public struct DenoiseScore: Codable, Equatable, Sendable {
  /// Mean over images of the mean squared pixel error, intensities in [0, 1].
  public var mse: Double
  /// Mean over images of min(100, 10 log10(1 / MSE)) in dB.
  public var psnr: Double
  /// Mean over images of their SSIM (see `StructuralSimilarity`), when the image width was given.
  public var ssim: Double?

  /// The PSNR given to an image with MSE 0 (and the most any image gets).
  public static let maxPSNR = 100.0

  public init(mse: Double, psnr: Double, ssim: Double? = nil) {
    self.mse = mse
    self.psnr = psnr
    self.ssim = ssim
  }

  /// PSNR in dB of one image with mean squared error `mse` (peak 1), capped at `maxPSNR`.
  public static func psnr(mse: Double) -> Double {
    guard mse > 0 else { return maxPSNR }
    return min(maxPSNR, -10 * log10(mse))
  }
}
