import Compute
import DataFiles
import Foundation

/// The work of `vae-eval`, apart from its command line: measure a checkpoint
/// on the test set and write `metrics.json`.
public struct EvaluationStage {
  public var run: String
  public var checkpoint: String?
  public var data: String?
  public var testInput: String?
  /// The metrics file; nil means `<run>/metrics.json`.
  public var out: String?
  public var threads: Int
  public var seed: UInt64
  /// Masks of the occluded test images (inpaint models); nil: mask.idx beside `testInput`.
  public var testMask: String?
  /// A plain VAE run to compare an inpainting model with, on the same occluded images.
  public var compareRun: String?
  /// k for the importance-weighted bound of the clean test images; nil: not computed.
  public var iwSamples: Int?

  public static let stageName = "vae-eval"

  public enum Outcome: Sendable {
    /// The file was already up to date; `metrics` is what it holds.
    case skipped(path: String, metrics: RunMetrics)
    case wrote(path: String, metrics: RunMetrics)
  }

  public init(run: String, checkpoint: String? = nil, data: String? = nil, testInput: String? = nil, out: String? = nil, threads: Int, seed: UInt64) {
    self.run = run
    self.checkpoint = checkpoint
    self.data = data
    self.testInput = testInput
    self.out = out
    self.threads = threads
    self.seed = seed
  }

  /// The metrics file this stage writes.
  public var outputPath: String { out ?? run + "/metrics.json" }

  /// Evaluates, unless `metrics.json` is up to date with the same inputs and options.
  /// `warn` receives a line for each newer checkpoint that was skipped as unreadable.
  public func run(warn: (String) -> Void = { _ in }) throws -> Outcome {
    let inputs = try EvaluationInputs.resolve(run: run, checkpoint: checkpoint, data: data, testInput: testInput, threads: threads)
    for rejected in inputs.rejected { warn("skipping \(rejected.path): \(rejected.reason)") }
    let path = outputPath
    let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
    let manifestPath = StageManifest.path(folder: folder, stage: Self.stageName)
    // Threads are left out: they change only the last bits of the sampled ELBO, never what it measures.
    var options = ["seed": String(seed), "metrics": RunMetrics.currentFormat]
    if let iwSamples { options["iw-samples"] = String(iwSamples) }
    if iwSamples != nil, inputs.model.kind == .inpaint {
      throw StageError.badConfig(
        path: inputs.model.path,
        reason: "--iw-samples needs a vae or cvae, but this is an inpaint model, whose likelihood is conditioned on the observed pixels and so not comparable; drop --iw-samples")
    }
    let compare = try Self.comparison(run: compareRun, threads: threads)
    let masks = inputs.model.kind == .inpaint ? Self.maskPath(testMask: testMask, testInput: inputs.testInputPath) : nil
    let inputFiles = inputs.inputFiles + [masks, compare?.path].compactMap { $0 }
    if StageManifest.isUpToDate(at: manifestPath, stage: Self.stageName, options: options, inputs: inputFiles, outputs: [path]),
      let metrics = try? RunMetrics.read(from: path)
    {
      return .skipped(path: path, metrics: metrics)
    }
    let images = try inputs.loadImages()
    let metrics =
      inputs.model.kind == .vae
      ? Self.measure(inputs, images: images, seed: seed, threads: threads, iwSamples: iwSamples)
      : try Self.measureConditional(
        inputs, images: images, seed: seed, threads: threads, testMask: testMask, compare: compare, iwSamples: iwSamples)
    try Folders.create(folder)
    // The old manifest goes first so that a stage killed half-way never looks up to date.
    try? FileManager.default.removeItem(atPath: manifestPath)
    try metrics.write(to: path)
    try StageManifest.stamping(stage: Self.stageName, options: options, inputs: inputFiles, outputs: [path])
      .write(to: manifestPath)
    return .wrote(path: path, metrics: metrics)
  }

  /// Every number of metrics.json for `images`, timed.
  public static func measure(
    _ inputs: EvaluationInputs, images: EvaluationInputs.Images, seed: UInt64, threads: Int, iwSamples: Int? = nil
  ) -> RunMetrics {
    let start = Progress.monotonicSeconds()
    let model = inputs.model
    let n = images.count
    let d = images.clean.itemSize
    let clean = images.clean.scalars
    let elbo = model.elbo(inputs: clean, count: n, seed: seed)
    var denoise: RunMetrics.Denoise?
    if let corrupted = images.corrupted?.scalars {
      let restored = model.restore(corrupted[...], count: n)
      let side = DigitSet.side
      let median = MedianFilter.median3x3(images: corrupted, count: n, width: side, height: side, parallel: Parallel(threads: threads))
      denoise = RunMetrics.Denoise(
        restored: DenoiseScore.measure(restored, against: clean, count: n, size: d, width: DigitSet.side),
        corrupted: DenoiseScore.measure(corrupted, against: clean, count: n, size: d, width: DigitSet.side),
        median3x3: DenoiseScore.measure(median, against: clean, count: n, size: d, width: DigitSet.side),
        elboCorruptedInput: model.elbo(inputs: corrupted, targets: clean, count: n, seed: seed))
    }
    var metrics = RunMetrics(
      checkpoint: model.path, epoch: inputs.position?.epoch, step: inputs.position?.globalStep,
      testImages: inputs.testImagesPath, testInput: inputs.testInputPath, corruption: inputs.corruption,
      testImageCount: n, elbo: elbo, denoise: denoise, seed: seed, seconds: 0)
    if let k = iwSamples {
      let iwStart = Progress.monotonicSeconds()
      metrics.iwNLL = -model.importanceWeightedBound(images: clean[...], count: n, samples: k, seed: seed)
      metrics.iwSamples = k
      metrics.iwSeconds = Progress.monotonicSeconds() - iwStart
    }
    metrics.seconds = Progress.monotonicSeconds() - start
    return metrics
  }
}
