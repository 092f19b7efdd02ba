import Runs

/// The report's words for a label-conditioned VAE.
struct LabelReport: KindReport {
  func task(config: RunConfig, corruption: String?) -> String { "generation by label" }
}
