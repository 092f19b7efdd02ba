import DataFiles
import Foundation
import Imaging
import Models
import Runs

/// `vae-render --beside RUN`: a plain VAE's 2-D latent space drawn next to another run's
/// (typically a cvae with the same latent size), canvas by canvas and scatter by scatter.
extension RenderStage {
  /// Display width of each half of the side-by-side figures, in CSS pixels (two fit the page).
  static let besideWidth = 520

  /// The newest valid checkpoint of the `--beside` run, checked against `model`: both codes must
  /// be 2-D, and the other run a vae or cvae (an inpaint model's canvas depends on an image).
  func besideModel(of besideRun: String, next model: TrainedModel) throws -> TrainedModel {
    let other = try TrainedModel.load(run: besideRun, checkpoint: nil, threads: threads)
    guard model.config.model.latent == 2 else {
      throw RunError.badConfig(
        path: model.path,
        reason: "--beside compares 2-D latent spaces, but this run's code has \(model.config.model.latent) dimensions")
    }
    guard other.config.model.latent == 2, other.kind != .inpaint else {
      throw RunError.badConfig(
        path: other.path,
        reason: "--beside needs a vae or cvae with a 2-D code, found a \(other.kind.rawValue) with \(other.config.model.latent) dimensions")
    }
    return other
  }

  /// Draws the other run's canvas (or its ten per-label canvases) and scatter into the folder,
  /// and returns the section that shows them beside this run's own.
  func drawBeside(
    _ other: TrainedModel, besideRun: String, images: EvaluationInputs.Images, labels: [UInt8], source: String
  ) throws -> HTMLPage.Section {
    let name = URL(fileURLWithPath: besideRun).standardizedFileURL.lastPathComponent
    let otherText = "checkpoint \(URL(fileURLWithPath: other.path).lastPathComponent) of \(besideRun)"
    let n = Self.manifoldSide
    let canvasCaption: String
    if other.kind == .cvae {
      try labelCanvases(model: other).writePNG(to: folder + "/" + LatentFile.besideManifold)
      canvasCaption =
        "The cvae \(name): the same mesh decoded under each label, labels 0 and 1 on the top row down to 8 and 9. "
        + "Its z holds only style; the label picks the digit."
    } else {
      try manifoldCanvas(model: other).writePNG(to: folder + "/" + LatentFile.besideManifold)
      canvasCaption = "The vae \(name) on the same mesh."
    }
    let (plot, scatterCaption) = latentScatter(
      model: other, images: images, labels: labels, source: source, checkpointText: otherText)
    try plot.writeSVG(to: folder + "/" + LatentFile.besideScatter)
    let width = Self.besideWidth
    return HTMLPage.Section(
      title: "Side by side with \(name)",
      blocks: [
        .paragraph(
          "Left: this run; right: \(besideRun) (\(otherText)). Both have a 2-D latent code and decode the same "
            + "\(n)\u{00D7}\(n) mesh of codes (\(manifoldGrid.description(count: n))). A plain VAE must place the digit's "
            + "identity in z, so its canvas sweeps through the digits and its scatter forms clusters by label; a cvae is "
            + "given the label, so z is free to hold style alone and its scatter mixes the labels."),
        .figures([
          .image(LatentFile.manifold, caption: "This run's manifold canvas (as above).", width: width),
          .image(LatentFile.besideManifold, caption: canvasCaption, width: width),
        ]),
        .figures([
          .image(LatentFile.scatter, caption: "This run's latent scatter (as above).", width: width),
          .image(LatentFile.besideScatter, caption: scatterCaption, width: width),
        ]),
      ])
  }
}
