import DataFiles
import Foundation
import Reports
import Runs

/// What a render reads and writes, decided before any image is loaded, so that an
/// up-to-date folder is skipped at the cost of reading the checkpoint only.
extension RenderStage {
  struct Plan {
    var log: TrainingLog
    var metrics: RunMetrics?
    /// Why metrics.json could not be read, when it exists but is bad.
    var metricsProblem: String?
    /// The figure files, in page order; those left out while drawing are removed.
    var figures: [String]
    /// Every file the figures depend on (the manifest's inputs).
    var sources: [String]
    /// The manifest's options.
    var options: [String: String]
    /// The run's levels.svg, when vae-eval --levels wrote one.
    var levelsPlot: String?
    /// Files of a kind this render may have written earlier; removed unless in `figures`.
    var staleCandidates: [String]
    /// A plain VAE's latent figures.
    var latent: LatentPlan?
    /// The checked model of `--beside`.
    var besideModel: TrainedModel?
    /// An inpaint run's masks of its occluded test images.
    var maskPath: String?
  }

  /// The parts every kind shares: the log, the metrics, the curves and the level sweep.
  func commonPlan(_ inputs: EvaluationInputs, figures: [String], warn: (String) -> Void) throws -> Plan {
    let log = try TrainingLog.read(from: RunFolder(path: run).log)
    let (metrics, metricsProblem) = readMetrics(warn: warn)
    var plan = Plan(
      log: log, metrics: metrics, metricsProblem: metricsProblem, figures: figures, sources: inputs.inputFiles,
      options: ["count": String(count), "rows": String(rows), "scale": String(scale), "seed": String(seed), "manifold-grid": manifoldGrid.rawValue],
      levelsPlot: levelsPlotPath, staleCandidates: File.figures + LatentFile.all)
    if !log.rows.isEmpty { plan.figures += [File.loss, File.lossParts] }
    if plan.levelsPlot != nil { plan.figures.append(File.levels) }
    return plan
  }

  /// The log and metrics.json among the sources, those that exist.
  var recordFiles: [String] {
    [RunFolder(path: run).log, metricsPath].filter { FileManager.default.fileExists(atPath: $0) }
  }

  /// A plain VAE: grids, curves, the level sweep, the latent figures and those of `--beside`.
  func plainPlan(_ inputs: EvaluationInputs, warn: (String) -> Void) throws -> Plan {
    let grids = (inputs.testInputPath != nil ? [File.triplets] : []) + [File.reconstructions, File.samples]
    var plan = try commonPlan(inputs, figures: grids, warn: warn)
    let latent = latentPlan(inputs: inputs)
    plan.latent = latent
    plan.figures += latent.figures
    if let beside {
      plan.besideModel = try besideModel(of: beside, next: inputs.model)
      guard latent.labelsPath != nil else {
        throw RunError.missingInput(
          path: FilePaths.parent(of: inputs.testImagesPath) + "/test-labels.idx",
          hint: "--beside colours the latent scatters by label")
      }
      plan.figures += [LatentFile.besideManifold, LatentFile.besideScatter]
      plan.options["beside"] = beside
    }
    plan.sources += recordFiles + latent.sources + [plan.levelsPlot, plan.besideModel?.path].compactMap { $0 }
    return plan
  }

  /// A conditional model's plan: its own `figures`, and the masks at `maskPath` for an inpainting.
  func conditionalPlan(_ inputs: EvaluationInputs, figures: [String], maskPath: String?, warn: (String) -> Void) throws -> Plan {
    let model = inputs.model
    var plan = try commonPlan(inputs, figures: figures, warn: warn)
    plan.maskPath = maskPath
    plan.sources += [plan.maskPath].compactMap { $0 } + recordFiles + [plan.levelsPlot].compactMap { $0 }
    if let baseline { plan.options["baseline"] = baseline }
    plan.options["kind"] = model.kind.rawValue
    plan.staleCandidates += ConditionalFile.own
    return plan
  }
}
