import Runs

/// The report's words for a plain VAE: trained on clean images, or as a denoiser.
struct PlainReport: KindReport {
  func task(config: RunConfig, corruption: String?) -> String {
    guard config.input != nil else { return "clean images" }
    return "denoising" + (corruption.map { ": " + $0 } ?? " (corruption not known: no spec.json)")
  }
}
