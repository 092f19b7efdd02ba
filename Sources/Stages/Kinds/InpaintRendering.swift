import Imaging
import Reports
import Runs

/// vae-render of an inpainting model: original / occluded / filled triplets, on the run's
/// occluded test images and masks, or on occlusions drawn from the training mixture.
struct InpaintRendering: KindRendering {
  func plan(_ stage: RenderStage, _ inputs: EvaluationInputs, warn: (String) -> Void) throws -> RenderStage.Plan {
    try stage.conditionalPlan(
      inputs, figures: [ConditionalFile.inpainting],
      maskPath: EvalStage.maskPath(testMask: nil, testInput: inputs.testInputPath), warn: warn)
  }

  func draw(
    _ stage: RenderStage, _ plan: inout RenderStage.Plan, _ figures: RunFigures, report: RunReport,
    images: EvaluationInputs.Images, warn: (String) -> Void
  ) throws -> HTMLPage {
    let occlusions = try stage.occlusions(figures, maskPath: plan.maskPath, images: images)
    let drawing = try figures.drawInpainting(occlusions, metrics: plan.metrics, metricsPath: stage.metricsPath)
    return try stage.page(of: drawing, model: figures.model, report: report)
  }
}
