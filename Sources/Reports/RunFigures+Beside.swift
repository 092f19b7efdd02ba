import Foundation
import Imaging
import Runs

/// `vae-render --beside RUN`: a plain VAE's 2-D latent space drawn next to another run's
/// (typically a cvae with the same latent size), canvas by canvas and scatter by scatter.
extension RunFigures {
  /// Draws the other run's canvas (or its ten per-label canvases) and scatter, and the
  /// section that shows them beside this run's own; `labels` are the test images' digits.
  public func drawBeside(_ other: TrainedModel, besideRun: String, labels: [UInt8]) throws -> Drawing {
    var drawing = Drawing()
    let name = URL(fileURLWithPath: besideRun).standardizedFileURL.lastPathComponent
    let otherText = "checkpoint \(URL(fileURLWithPath: other.path).lastPathComponent) of \(besideRun)"
    let n = Self.manifoldSide
    let canvasCaption: String
    if other.kind.run.needsLabels {
      drawing.figures.append(Figure(LatentFile.besideManifold, .png(try labelCanvases(model: other))))
      canvasCaption =
        "The cvae \(name): the same mesh decoded under each label. \(other.dataset.pairedLabelsText) "
        + "Its z holds only style; the label picks the \(other.dataset.noun)."
    } else {
      drawing.figures.append(Figure(LatentFile.besideManifold, .png(try manifoldCanvas(model: other))))
      canvasCaption = "The vae \(name) on the same mesh."
    }
    let (plot, scatterCaption) = latentScatter(model: other, labels: labels, checkpointText: otherText)
    drawing.figures.append(Figure(LatentFile.besideScatter, .scatter(plot)))
    let width = Self.besideWidth
    let section = HTMLPage.Section(
      title: "Side by side with \(name)",
      blocks: [
        .paragraph(
          "Left: this run; right: \(besideRun) (\(otherText)). Both have a 2-D latent code and decode the same "
            + "\(n)\u{00D7}\(n) mesh of codes (\(options.manifoldGrid.description(count: n))). A plain VAE must place the \(dataset.noun)'s "
            + "identity in z, so its canvas sweeps through the \(dataset.nouns) and its scatter forms clusters by label; a cvae is "
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
    drawing.sections.append(section)
    return drawing
  }
}
