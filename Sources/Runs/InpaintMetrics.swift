import Foundation

/// The inpainting part of `metrics.json`: scores inside the hole only.
///
/// Each score is a ``DenoiseScore`` (mean over images of MSE and of PSNR, intensities
/// in [0, 1], PSNR capped at 100 dB) where an image's MSE is taken over its hidden
/// pixels (mask 0) only; images with no hidden pixel are left out (``imagesWithHole``).
public struct InpaintMetrics: Codable, Equatable, Sendable {
  /// The mask file (1 observed, 0 hidden).
  public var masks: String
  /// Images with at least one hidden pixel: the images scored.
  public var imagesWithHole: Int
  /// The mean fraction of hidden pixels per image.
  public var holeFraction: Double
  /// The inpainting CVAE with z = 0 (the prior mean), the figure vae-render shows.
  public var priorMean: DenoiseScore
  /// The inpainting CVAE with z = mu(occluded image, condition).
  public var encoder: DenoiseScore
  /// The inpainting CVAE with z drawn from N(0, I) (one draw per image).
  public var priorSample: DenoiseScore?
  /// A plain VAE given the same occluded input: decode(mu(occluded)) (with --compare-run).
  public var plainVAE: DenoiseScore?
  /// The checkpoint of that plain VAE.
  public var plainVAECheckpoint: String?
  /// The trivial fill: the mean training image.
  public var meanImage: DenoiseScore

  public init(
    masks: String, imagesWithHole: Int, holeFraction: Double, priorMean: DenoiseScore, encoder: DenoiseScore,
    plainVAE: DenoiseScore?, plainVAECheckpoint: String?, meanImage: DenoiseScore
  ) {
    self.masks = masks
    self.imagesWithHole = imagesWithHole
    self.holeFraction = holeFraction
    self.priorMean = priorMean
    self.encoder = encoder
    self.plainVAE = plainVAE
    self.plainVAECheckpoint = plainVAECheckpoint
    self.meanImage = meanImage
  }

  enum CodingKeys: String, CodingKey {
    case masks, encoder
    case imagesWithHole = "images_with_hole"
    case holeFraction = "hole_fraction"
    case priorMean = "prior_mean"
    case priorSample = "prior_sample"
    case plainVAE = "plain_vae"
    case plainVAECheckpoint = "plain_vae_checkpoint"
    case meanImage = "mean_image"
  }
}
