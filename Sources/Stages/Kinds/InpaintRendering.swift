import Imaging
import Reports
import Runs

/// vae-render of an inpainting model: original / occluded / filled triplets, on the run's
/// occluded test images and masks, or on occlusions drawn from the training mixture.
struct InpaintRendering: KindRendering {
  func plan(_ stage: RenderStage, _ inputs: EvaluationInputs, warn: (String) -> Void) throws -> RenderStage.Plan {
    try stage.conditionalPlan(
      inputs, figures: [ConditionalFile.inpainting, ConditionalFile.completions],
      maskPath: EvalStage.maskPath(testMask: nil, testInput: inputs.testInputPath), warn: warn)
  }

  func draw(
    _ stage: RenderStage, _ plan: inout RenderStage.Plan, _ figures: RunFigures, report: RunReport,
    images: EvaluationInputs.Images, warn: (String) -> Void
  ) throws -> HTMLPage {
    let occlusions = try stage.occlusions(figures, maskPath: plan.maskPath, images: images)
    var drawing = try figures.drawInpainting(occlusions, metrics: plan.metrics, metricsPath: stage.metricsPath)
    let baseline = try stage.baseline.map { try TrainedModel.load(run: $0, checkpoint: nil, threads: stage.threads) }
    if let baseline, baseline.kind != .inpaint {
      throw RunError.badConfig(path: baseline.path, reason: "--baseline must name an inpaint run, this one is \(baseline.kind.rawValue)")
    }
    let completions = try figures.drawCompletions(occlusions, baseline: baseline)
    drawing.figures += completions.figures
    drawing.sections += completions.sections
    return try stage.page(of: drawing, model: figures.model, report: report)
  }
}
