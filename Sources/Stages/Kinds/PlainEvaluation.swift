import Runs

/// vae-eval of a plain VAE: the test ELBO, the bound, the restoration of a corrupted copy, the judge.
struct PlainEvaluation: KindEvaluation {
  func measure(_ context: EvaluationContext) throws -> RunMetrics {
    context.measureRestoration(conditions: nil, labels: nil)
  }
}
