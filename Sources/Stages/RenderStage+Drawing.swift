import Foundation
import Imaging
import Metrics
import Reports
import Runs

/// Drawing a planned render: the kind's figures (Reports), the curves, the level
/// sweep's copy, each figure written into the folder, and the page that shows them.
extension RenderStage {
  /// Draws and writes every figure of `plan` and returns the page; figures left out
  /// (with a warning) are removed from `plan.figures`.
  func draw(_ plan: inout Plan, inputs: EvaluationInputs, images: EvaluationInputs.Images, warn: (String) -> Void) throws -> HTMLPage {
    let model = inputs.model
    let figures = RunFigures(
      model: model, images: TestImages(clean: images.clean, corrupted: images.corrupted), inputs: inputs.pageInputs,
      options: figureOptions, project: Self.principalPlane)
    let report = RunReport(
      run: run, inputs: inputs.pageInputs, config: model.config, log: plan.log, metrics: plan.metrics, metricsPath: metricsPath,
      metricsProblem: plan.metricsProblem, shown: figures.shown, columns: count, scale: scale, seed: seed,
      samplesSide: Self.samplesSide, figures: Set(plan.figures))
    let page = try model.kind.rendering.draw(self, &plan, figures, report: report, images: images, warn: warn)
    if !plan.log.rows.isEmpty {
      try write([Figure(File.loss, .plot(report.lossPlot())), Figure(File.lossParts, .plot(report.lossPartsPlot()))])
    }
    if let levelsPlot = plan.levelsPlot { try copyLevelsPlot(from: levelsPlot) }
    return page
  }

  /// Writes each figure into the output folder.
  func write(_ figures: [Figure]) throws {
    for figure in figures { try figure.write(in: folder) }
  }

  /// The latent scatter's plane for codes of more than two dimensions: the first two
  /// principal components of the posterior means.
  static let principalPlane: LatentProjection.Method = { points, count, z in
    let pca = PrincipalComponents(points: points, count: count, dimensions: z)
    return LatentProjection(points: pca.project(points, count: count), variances: pca.variances, totalVariance: pca.totalVariance)
  }
}

extension EvaluationInputs {
  /// What the page's captions name: the checkpoint, its training position and the test images.
  var pageInputs: PageInputs {
    PageInputs(
      checkpoint: model.path, position: position?.description, testImages: testImagesPath, testInput: testInputPath,
      corruption: corruption)
  }
}
