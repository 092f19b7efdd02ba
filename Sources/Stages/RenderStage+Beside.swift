import Foundation
import Runs

/// `vae-render --beside RUN`: a plain VAE's 2-D latent space drawn next to another run's
/// (typically a cvae with the same latent size), canvas by canvas and scatter by scatter.
extension RenderStage {
  /// The newest valid checkpoint of the `--beside` run, checked against `model`: both codes must
  /// be 2-D, and the other run a vae or cvae (an inpaint model's canvas depends on an image).
  func besideModel(of besideRun: String, next model: TrainedModel) throws -> TrainedModel {
    let other = try TrainedModel.load(run: besideRun, checkpoint: nil, threads: threads)
    guard model.config.model.latent == 2 else {
      throw RunError.badConfig(
        path: model.path,
        reason: "--beside compares 2-D latent spaces, but this run's code has \(model.config.model.latent) dimensions")
    }
    guard other.config.model.latent == 2, !other.kind.run.needsMasks else {
      throw RunError.badConfig(
        path: other.path,
        reason: "--beside needs a vae or cvae with a 2-D code, found a \(other.kind.rawValue) with \(other.config.model.latent) dimensions")
    }
    return other
  }
}
