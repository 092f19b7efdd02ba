/// The loss of a batch or a data set, in nats per image (means over images).
///
/// `recon` is the Bernoulli negative log-likelihood of the targets summed over
/// pixels; `kl` is KL(N(mu, sigma^2) || N(0, I)) summed over latent units;
/// `total = recon + beta * kl` with the KL weight in force (the warm-up value
/// while training). With beta = 1, `total` is the negative ELBO.
public struct LossReport: Equatable, Sendable, Codable {
  /// recon + beta * kl
  public var total: Double
  /// Reconstruction term: BCE summed over pixels.
  public var recon: Double
  /// KL term summed over latent units (not weighted by beta).
  public var kl: Double

  public init(total: Double, recon: Double, kl: Double) {
    self.total = total
    self.recon = recon
    self.kl = kl
  }

  /// False when any of the three is NaN or infinite; a training step that
  /// reports this did not change the parameters (see ``Trainer/step()``).
  public var isFinite: Bool { total.isFinite && recon.isFinite && kl.isFinite }
}
