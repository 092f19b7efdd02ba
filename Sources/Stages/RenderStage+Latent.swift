import DataFiles
import Foundation
import Imaging
import Reports
import Runs

/// A plain VAE's render: its grids, then the figures that look into the latent space
/// and into training (drawn by Reports), and those of `--beside`.
extension RenderStage {
  /// Which latent figures the run gets, from the files that exist beside it.
  func latentPlan(inputs: EvaluationInputs) -> LatentPlan {
    let files = FileManager.default
    let labels = FilePaths.parent(of: inputs.testImagesPath) + "/" + DigitSet.Member.labels.fileName(.test)
    let snapshots = RunFolder(path: run).snapshots
    return LatentPlan(
      kind: inputs.model.config.kind.rawValue, latent: inputs.model.config.model.latent,
      labelsPath: files.fileExists(atPath: labels) ? labels : nil, snapshotsPath: files.fileExists(atPath: snapshots) ? snapshots : nil)
  }

  /// Draws and writes the grids, the latent figures and those of `--beside`; returns the page.
  func drawPlain(_ plan: inout Plan, _ figures: RunFigures, report: RunReport, warn: (String) -> Void) throws -> HTMLPage {
    guard let latentPlan = plan.latent else { preconditionFailure("a plain VAE's plan has its latent figures") }
    try write(try figures.plainGrids())
    let latent = try figures.drawLatent(latentPlan, checkpointText: report.checkpointText, logEpochs: plan.log.rows.count, warn: warn)
    plan.figures.removeAll { latent.leftOut.contains($0) }
    try write(latent.figures)
    var sections = latent.sections
    if let besideModel = plan.besideModel, let beside, let labelsPath = latentPlan.labelsPath {
      let labels = try DigitSet.loadLabels(path: labelsPath, classes: figures.model.classCount)
      try figures.checkLabels(labels, path: labelsPath)
      let side = try figures.drawBeside(besideModel, besideRun: beside, labels: labels)
      try write(side.figures)
      sections.insert(contentsOf: side.sections, at: min(1, sections.count))
    }
    return report.page(latentSections: sections)
  }
}
