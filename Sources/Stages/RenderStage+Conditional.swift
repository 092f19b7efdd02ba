import DataFiles
import Foundation
import Imaging
import Reports
import Runs

/// vae-render for the conditional models: a cvae's per-label grid, analogy grid and
/// labelled reconstructions; an inpaint model's original / occluded / filled triplets.
/// The figures and their captions are drawn by Reports; here the labels and masks are read.
extension RenderStage {
  /// Writes a conditional model's own `drawing` and returns its page.
  func page(of drawing: Drawing, model: TrainedModel, report: RunReport) throws -> HTMLPage {
    try write(drawing.figures)
    return report.page(title: "DigitVAE \(model.kind.rawValue) run \(report.runName)", drawing.sections)
  }

  /// The occluded test images with their masks, or occlusions drawn from the training
  /// mixture when the run has no occluded test images.
  func occlusions(_ figures: RunFigures, maskPath: String?, images: EvaluationInputs.Images) throws -> RunFigures.Occlusions {
    guard let corrupted = images.corrupted, let maskPath, let testInput = figures.inputs.testInput else {
      return figures.drawnOcclusions()
    }
    let masks = try EvalStage.loadMasks(path: maskPath, like: corrupted, occludedPath: testInput)
    return figures.occlusions(corrupted, testInput: testInput, masks: masks, maskPath: maskPath)
  }
}
