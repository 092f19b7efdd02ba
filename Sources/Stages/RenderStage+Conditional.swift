import DataFiles
import Foundation
import Reports
import Runs

/// vae-render for the conditional models: a cvae's per-label grid, analogy grid and
/// labelled reconstructions; an inpaint model's original / occluded / filled triplets.
/// The figures and their captions are drawn by Reports; here the labels and masks are read.
extension RenderStage {
  /// Draws a cvae's or inpaint model's own figures (not yet written).
  func drawConditional(_ plan: Plan, _ figures: RunFigures, images: EvaluationInputs.Images) throws -> Drawing {
    if figures.model.kind == .cvae {
      let dataFolder = (figures.inputs.testImages as NSString).deletingLastPathComponent
      let labels = try DataLabels.read(folder: dataFolder.isEmpty ? "." : dataFolder, split: .test, images: images.count)
      return try figures.drawLabelled(labels: labels, planned: plan.figures)
    }
    return try figures.drawInpainting(
      try occlusions(figures, maskPath: plan.maskPath, images: images), metrics: plan.metrics, metricsPath: metricsPath)
  }

  /// The occluded test images with their masks, or occlusions drawn from the training
  /// mixture when the run has no occluded test images.
  func occlusions(_ figures: RunFigures, maskPath: String?, images: EvaluationInputs.Images) throws -> RunFigures.Occlusions {
    guard let corrupted = images.corrupted, let maskPath, let testInput = figures.inputs.testInput else {
      return figures.drawnOcclusions()
    }
    let masks = try EvaluationStage.loadMasks(path: maskPath, like: corrupted, occludedPath: testInput)
    return figures.occlusions(corrupted, testInput: testInput, masks: masks, maskPath: maskPath)
  }
}
