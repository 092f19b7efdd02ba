import Imaging
import Reports
import Runs

/// vae-render of a plain VAE: reconstructions, samples, the latent figures, the figures of a denoiser.
struct PlainRendering: KindRendering {
  func plan(_ stage: RenderStage, _ inputs: EvaluationInputs, warn: (String) -> Void) throws -> RenderStage.Plan {
    try stage.plainPlan(inputs, warn: warn)
  }

  func draw(
    _ stage: RenderStage, _ plan: inout RenderStage.Plan, _ figures: RunFigures, report: RunReport,
    images: EvaluationInputs.Images, warn: (String) -> Void
  ) throws -> HTMLPage {
    try stage.drawPlain(&plan, figures, report: report, warn: warn)
  }
}
