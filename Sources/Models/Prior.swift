/// Where a conditional VAE's latent code comes from at test time, and what its KL term pulls
/// the posterior towards (``VAEConfig/prior``).
public enum Prior: String, Codable, CaseIterable, Sendable {
  /// p(z | c) = N(0, I) whatever the condition: the VAE of Kingma & Welling and the CVAEs
  /// of this project before the prior network.
  case standard
  /// p(z | c) = N(muP(c), sigmaP(c)^2) from a prior network of its own (tensors `prior.*`),
  /// the CVAE of Sohn, Lee and Yan (2015): KL(q(z | x, c) || p(z | c)) in the loss.
  case learned
  /// No latent code: z = 0 always, the encoder is not run and the KL is 0, so the model is
  /// a deterministic regressor from the condition through the decoder (the baseline of
  /// Pyro's CVAE example).
  case none
}

/// Which pixels the reconstruction term of the loss covers (``TrainingConfig/loss``).
public enum LossScope: String, Codable, CaseIterable, Sendable {
  /// Every pixel of the target image.
  case image
  /// Only the pixels the condition marks as hidden (an inpainting model's hole): the
  /// observed ones are given and kept, so nothing is learnt or scored on them.
  case hole
}
