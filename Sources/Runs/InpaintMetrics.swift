import Foundation
import Models

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
  /// The model's prior (`standard`, `learned` or `none` in the file, as `--prior` spells it);
  /// nil in files written before it was recorded (those models all had the standard prior).
  public var prior: Prior?
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
  /// The mean of `priorDrawCount` decoded draws from the prior p(z | c) (the conditional mean's estimate).
  public var priorDraws: DenoiseScore?
  /// K, the draws averaged in ``priorDraws``.
  public var priorDrawCount: Int?
  /// A denoising VAE (a plain VAE trained on occluded inputs, clean targets) given the occluded
  /// image: decode(mu(occluded)) (with --denoiser-run).
  public var denoiser: DenoiseScore?
  /// The checkpoint of that denoising VAE.
  public var denoiserCheckpoint: String?
  /// -log p(x_h | x_o), nats per image.
  public var conditionalNLL: ConditionalNLL?
  /// The judge's accuracy on each fill (with --judge).
  public var judge: FillJudge?

  /// True for a model without a latent code (`--prior none`): a deterministic regressor,
  /// whose fills at the prior mean, at mu, from a draw and from the mean of draws are one fill.
  public var isDeterministic: Bool { prior == Prior.none }

  /// The share of filled test images the judge reads as their digit, per fill.
  public struct FillJudge: Codable, Equatable, Sendable {
    public var priorMean: Double
    public var priorDraws: Double?
    public var priorSample: Double?
    public var denoiser: Double?
    public var plainVAE: Double?

    public init(priorMean: Double, priorDraws: Double?, priorSample: Double?, denoiser: Double?, plainVAE: Double?) {
      (self.priorMean, self.priorDraws, self.priorSample, self.denoiser, self.plainVAE) = (priorMean, priorDraws, priorSample, denoiser, plainVAE)
    }

    enum CodingKeys: String, CodingKey {
      case priorMean = "prior_mean"
      case priorDraws = "prior_draws"
      case priorSample = "prior_sample"
      case denoiser
      case plainVAE = "plain_vae"
    }
  }

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
    case masks, encoder, prior
    case imagesWithHole = "images_with_hole"
    case holeFraction = "hole_fraction"
    case priorMean = "prior_mean"
    case priorSample = "prior_sample"
    case plainVAE = "plain_vae"
    case plainVAECheckpoint = "plain_vae_checkpoint"
    case meanImage = "mean_image"
    case priorDraws = "prior_draws"
    case priorDrawCount = "prior_draw_count"
    case denoiser
    case denoiserCheckpoint = "denoiser_checkpoint"
    case conditionalNLL = "conditional_nll"
    case judge
  }
}

/// -log p(x_h | x_o) of an inpainting model, in nats per image (`metrics.json` `inpaint.conditional_nll`).
public struct ConditionalNLL: Codable, Equatable, Sendable {
  /// The negative conditional ELBO: -E_q[log p(x_h | z, c)] + KL(q(z | x, c) || p(z | c)), the
  /// expectation estimated with `elboSamples` draws per image; an upper bound of -log p(x_h | x_o).
  public var elbo: Double
  /// Its reconstruction part, -E_q[log p(x_h | z, c)].
  public var elboRecon: Double
  /// Its KL part (closed form).
  public var elboKL: Double
  public var elboSamples: Int
  /// The importance-weighted estimate with proposal q and `iwSamples` draws (Burda et al. 2015):
  /// -(logsumexp_k log w_k - log K), log w_k = log p(x_h | z_k, c) + log p(z_k | c) - log q(z_k | x, c).
  /// A tighter upper bound than the ELBO, tightening as K grows.
  public var iw: Double
  public var iwSamples: Int

  public init(elbo: Double, elboRecon: Double, elboKL: Double, elboSamples: Int, iw: Double, iwSamples: Int) {
    (self.elbo, self.elboRecon, self.elboKL, self.elboSamples, self.iw, self.iwSamples) = (elbo, elboRecon, elboKL, elboSamples, iw, iwSamples)
  }

  enum CodingKeys: String, CodingKey {
    case elbo
    case elboRecon = "elbo_recon"
    case elboKL = "elbo_kl"
    case elboSamples = "elbo_samples"
    case iw
    case iwSamples = "iw_samples"
  }
}
