import DataFiles
import Foundation
import Imaging
import Reports
import Runs

/// vae-render of a label-conditioned VAE: the per-label and analogy grids, labelled
/// reconstructions, and with a 2-D code the manifold per label and the latent scatter.
struct LabelRendering: KindRendering {
  func plan(_ stage: RenderStage, _ inputs: EvaluationInputs, warn: (String) -> Void) throws -> RenderStage.Plan {
    let latent = inputs.model.config.model.latent
    var figures = [ConditionalFile.labels, ConditionalFile.analogy, ConditionalFile.reconstructions]
    if latent == 2 { figures.append(LatentFile.labelManifolds) }
    if latent >= 2 { figures.append(LatentFile.scatter) }
    return try stage.conditionalPlan(inputs, figures: figures, maskPath: nil, warn: warn)
  }

  func draw(
    _ stage: RenderStage, _ plan: inout RenderStage.Plan, _ figures: RunFigures, report: RunReport,
    images: EvaluationInputs.Images, warn: (String) -> Void
  ) throws -> HTMLPage {
    let dataFolder = FilePaths.parent(of: figures.inputs.testImages)
    let labels = try DataLabels.read(
      folder: dataFolder.isEmpty ? "." : dataFolder, split: .test, images: images.count, classes: figures.model.classCount)
    return try stage.page(of: try figures.drawLabelled(labels: labels, planned: plan.figures), model: figures.model, report: report)
  }
}
