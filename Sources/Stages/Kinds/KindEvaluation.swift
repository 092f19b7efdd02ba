import Compute
import DataFiles
import Foundation
import Metrics
import Models
import Runs
import Terminal

/// What `vae-eval` measures for one model kind; one file per kind
/// (`PlainEvaluation`, `LabelEvaluation`, `InpaintEvaluation`), so a new kind
/// adds a file here and a line in `ModelKind.evaluation`.
protocol KindEvaluation {
  /// The manifest options this kind adds, after refusing the stage's options that do not apply to it.
  func options(of stage: EvalStage, model: TrainedModel) throws -> [String: String]
  /// Files beyond the checkpoint and the test images that the metrics depend on.
  func inputFiles(of stage: EvalStage, inputs: EvaluationInputs) -> [String]
  /// Every number of metrics.json but the time.
  func measure(_ context: EvaluationContext) throws -> RunMetrics
}

extension KindEvaluation {
  /// No options of its own; the occlusion flags (for inpaint models) are refused.
  func options(of stage: EvalStage, model: TrainedModel) throws -> [String: String] {
    if let first = stage.occlusionFlags.first {
      throw RunError.badConfig(
        path: model.path,
        reason: "\(stage.occlusionFlags.joined(separator: ", ")) \(stage.occlusionFlags.count == 1 ? "applies" : "apply") to inpaint models, "
          + "but this is a \(model.kind.rawValue) model; drop \(stage.occlusionFlags.count == 1 ? first : "them")")
    }
    return [:]
  }
  func inputFiles(of stage: EvalStage, inputs: EvaluationInputs) -> [String] { [] }
}

/// What one evaluation works with.
struct EvaluationContext {
  var stage: EvalStage
  var inputs: EvaluationInputs
  var images: EvaluationInputs.Images
  var judge: JudgeScoring?
  var compare: TrainedModel?
  var denoiser: TrainedModel?

  var model: TrainedModel { inputs.model }
  var count: Int { images.count }
  var clean: [UInt8] { images.clean.scalars }

  /// metrics.json's fields that every kind fills the same way, with the ELBO still to measure.
  func emptyMetrics() -> RunMetrics {
    var metrics = RunMetrics(
      checkpoint: model.path, epoch: inputs.position?.epoch, step: inputs.position?.globalStep,
      testImages: inputs.testImagesPath, testInput: inputs.testInputPath, corruption: inputs.corruption,
      testImageCount: count, elbo: LossReport(total: 0, recon: 0, kl: 0), denoise: nil, seed: stage.seed, seconds: 0)
    metrics.dataset = model.dataset
    return metrics
  }

  /// The test labels, from the label file beside the test images.
  func testLabels() throws -> [UInt8] {
    let folder = FilePaths.parent(of: inputs.testImagesPath)
    return try DataLabels.read(folder: folder.isEmpty ? "." : folder, split: .test, images: count, classes: model.classCount)
  }
}

extension ModelKind {
  /// What vae-eval measures for this kind.
  var evaluation: any KindEvaluation {
    switch self {
    case .vae: PlainEvaluation()
    case .cvae: LabelEvaluation()
    case .inpaint: InpaintEvaluation()
    }
  }
}

extension EvaluationContext {
  /// The ELBO of the clean test images, the importance-weighted bound (when asked for), the
  /// restoration of the corrupted test images against the corrupted input and the median
  /// filter, and the judge's scores: what a model whose restoration needs no masks measures.
  /// `conditions` [count, C] and `labels` are the images' own, for a label-conditioned model.
  func measureRestoration(conditions: [Float]?, labels: [UInt8]?) -> RunMetrics {
    let (n, seed, clean) = (count, stage.seed, clean)
    var metrics = emptyMetrics()
    metrics.elbo = model.elbo(inputs: clean, conditions: conditions, count: n, seed: seed)
    if let k = stage.iwSamples {
      let start = ProgressMeter.monotonicSeconds()
      metrics.iwNLL = -model.importanceWeightedBound(images: clean[...], labels: labels?[...], count: n, samples: k, seed: seed)
      metrics.iwSamples = k
      metrics.iwSeconds = ProgressMeter.monotonicSeconds() - start
    }
    var restoration: [Float]?
    if let corrupted = images.corrupted?.scalars {
      let restored = model.restoreAsItsKind(corrupted[...], masks: nil, labels: labels, count: n)
      restoration = restored
      metrics.denoise = RunMetrics.Denoise(
        DenoiseComparison.measure(
          restored: restored, corrupted: corrupted, clean: clean, count: n, height: model.dataset.height, width: model.dataset.width,
          parallel: Parallel(threads: stage.threads)),
        elboCorruptedInput: model.elbo(inputs: corrupted, targets: clean, conditions: conditions, count: n, seed: seed))
    }
    metrics.judge = judge?.scores(clean: clean, corrupted: images.corrupted?.scalars, restored: restoration)
    return metrics
  }
}
