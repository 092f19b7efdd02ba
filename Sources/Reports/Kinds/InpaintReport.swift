import Runs

/// The report's words for an inpainting model, with the occlusions of its test images.
struct InpaintReport: KindReport {
  func task(config: RunConfig, corruption: String?) -> String { "inpainting" + (corruption.map { ": " + $0 } ?? "") }
}
