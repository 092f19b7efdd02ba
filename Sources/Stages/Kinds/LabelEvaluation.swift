import Models
import Runs

/// vae-eval of a label-conditioned VAE: as a plain VAE's, each image under its own label,
/// and with a judge, how often samples drawn for label k read as a k.
struct LabelEvaluation: KindEvaluation {
  func options(of stage: EvalStage, model: TrainedModel) throws -> [String: String] {
    stage.judge == nil ? [:] : ["judge-samples": String(stage.judgeSamples)]
  }

  func measure(_ context: EvaluationContext) throws -> RunMetrics {
    let labels = try context.testLabels()
    var metrics = context.measureRestoration(conditions: LabelCondition.oneHot(labels, classes: context.model.classCount), labels: labels)
    metrics.judge?.generation = context.judge?.generation(
      of: context.model, samplesPerLabel: context.stage.judgeSamples, seed: context.stage.seed)
    return metrics
  }
}
