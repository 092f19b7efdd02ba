import ArgumentParser
import Corruptions
import DataFiles
import Foundation
import Metrics
import Runs
import Terminal

/// `vae-eval`: measure a trained model on the test set and write metrics.json.
public struct EvalCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-eval",
    abstract: "Measure a checkpoint on the test set (ELBO, and denoising MSE/PSNR) and write metrics.json.",
    discussion: """
      Always: the negative ELBO of the clean test images (total, reconstruction and KL, nats per image). \
      With corrupted test images (--test-input, or the run's own): the mean over images of MSE and PSNR \
      (intensities in [0, 1], peak 1, PSNR capped at 100 dB) against the clean images for the model's \
      restoration decode(mu(corrupted)), for the corrupted input itself, and for a 3x3 median filter of \
      the input (borders replicated); and the ELBO of the corrupted input with the clean images as target.

      A cvae's ELBO conditions on <data>/test-labels.idx. An inpaint model needs occluded test images \
      (--test-input) and their masks (--test-mask, default mask.idx beside them); it adds MSE and PSNR \
      inside the hole only (mask 0) for the model with z = 0 and with z = mu(occluded), for the plain \
      VAE of --compare-run given the same occluded input, and for the mean training image.

      With --judge (a vae-classify checkpoint): the judge's accuracy on the clean test images, on \
      the corrupted ones and on the model's restorations (rounded to bytes as the figures show them), \
      and for a cvae the share of --judge-samples prior samples per label that the judge reads as that label \
      (the judge must have been trained on the run's data set: vae-classify records it).

      With --levels L1,L2,...: the clean test images are corrupted at each level of the test input's \
      kind (its spec.json; or --levels-kind), restored by the model and scored with the corrupted input \
      and its 3x3 median; levels.csv and levels.svg (PSNR against the level) go beside the metrics file. \
      What a level means: gaussian sigma 0...2, salt-pepper and zero fraction 0...1, square side 1...28, \
      rectangles count 1...64, band width fraction 0...1 (half and mixed have none).

      The metrics are printed and written to --out as JSON (keys in docs/STAGES.md). A second \
      run with the same checkpoint, files and seed prints the stored metrics and says (skipped).

      Example: vae-eval --run artifacts/runs/denoise --judge artifacts/judge/mnist.safetensors --levels 0.1,0.3,0.5,0.7
      """)

  @OptionGroup public var inputs: RunInputOptions

  @Option(help: "Masks of the occluded test images for an inpaint model, 1 observed / 0 hidden (default: mask.idx beside --test-input).")
  public var testMask: String?

  @Option(help: "A plain VAE run to score on the same occluded images, inside the hole (inpaint models).")
  public var compareRun: String?

  @Option(help: "A denoising VAE run (a plain VAE trained on occluded inputs with clean targets) to score on the same occluded images, inside the hole (inpaint models).")
  public var denoiserRun: String?

  @Option(help: "Inpaint models: K, the draws from the prior p(z | c) averaged into the mean fill, 1-1000 (default \(EvalStage.defaultFillDraws)).")
  public var fillDraws: Int?

  @Option(help: "Inpaint models: K, the importance samples of -log p(x_hidden | x_observed), 1-10000 (default \(EvalStage.defaultNLLSamples)).")
  public var nllSamples: Int?

  @Option(help: "Where to write the metrics (default: <run>/metrics.json).")
  public var out: String?

  @OptionGroup public var compute: ComputeOptions

  @Option(help: "Also bound -log p(x) of the clean test images by importance weighting with K latent samples per image (vae: log p(x); cvae: log p(x | label); not for inpaint; off when not given).")
  public var iwSamples: Int?

  @Option(help: "A judge classifier checkpoint (from vae-classify) that scores the test images, the restorations and a cvae's samples.")
  public var judge: String?

  @Option(help: "Samples per label of a cvae's generation score with --judge (default 1000).")
  public var judgeSamples: Int?

  @Option(help: "Sweep these corruption levels, comma-separated (e.g. 0.1,0.3,0.5), and write levels.csv and levels.svg beside the metrics.")
  public var levels: String?

  @Option(help: "The corruption kind of --levels (default: the kind of the test input, from its spec.json): \(CorruptionKind.Name.allCases.map(\.rawValue).joined(separator: ", ")).")
  public var levelsKind: CorruptionKind.Name?

  /// The default of `--judge-samples`.
  public static let defaultJudgeSamples = 1000

  public init() {}

  public func validate() throws {
    if let iwSamples, !(1...TrainedModel.maxImportanceSamples).contains(iwSamples) {
      throw ValidationError(
        "--iw-samples must be 1...\(TrainedModel.maxImportanceSamples) (the limit), got \(iwSamples) (leave it out to skip the bound)")
    }
    if let judgeSamples {
      guard judge != nil else { throw ValidationError("--judge-samples needs --judge, the classifier that scores the samples") }
      guard (1...100_000).contains(judgeSamples) else { throw ValidationError("--judge-samples must be 1...100000, got \(judgeSamples)") }
    }
    if let fillDraws, !(1...1000).contains(fillDraws) { throw ValidationError("--fill-draws must be 1...1000, got \(fillDraws)") }
    if let nllSamples, !(1...10000).contains(nllSamples) { throw ValidationError("--nll-samples must be 1...10000, got \(nllSamples)") }
    if levelsKind != nil, levels == nil { throw ValidationError("--levels-kind needs --levels, the levels to sweep") }
    if let levels {
      try Self.usage {
        let parsed = try LevelSweep.parseLevels(levels)
        if let levelsKind {
          let family = try LevelSweep.Family(kind: levelsKind)
          // Sizes are checked against the model's images when it is read; here only the kind's own ranges.
          for level in parsed { _ = try family.corruption(level: level, height: DatasetDescriptor.maxSide, width: DatasetDescriptor.maxSide) }
        }
      }
    }
  }

  /// Runs `body` with the level sweep's plan faults (`MetricError`) turned into usage errors
  /// (exit 64), their messages unchanged.
  static func usage<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as MetricError { throw ValidationError(error.description) }
  }

  public func run() throws {
    try StageError.reporting {
      var stage = EvalStage(
        run: inputs.run, checkpoint: inputs.checkpoint, data: inputs.data, testInput: inputs.testInput, out: out,
        threads: compute.threadCount, seed: compute.seedValue)
      stage.testMask = testMask
      stage.occlusionFlags = [
        ("--test-mask", testMask != nil), ("--compare-run", compareRun != nil), ("--denoiser-run", denoiserRun != nil),
        ("--fill-draws", fillDraws != nil), ("--nll-samples", nllSamples != nil),
      ].filter(\.1).map(\.0)
      stage.compareRun = compareRun
      stage.denoiserRun = denoiserRun
      stage.fillDraws = fillDraws ?? EvalStage.defaultFillDraws
      stage.nllSamples = nllSamples ?? EvalStage.defaultNLLSamples
      stage.iwSamples = iwSamples
      stage.judge = judge
      stage.judgeSamples = judgeSamples ?? Self.defaultJudgeSamples
      stage.levels = try Self.usage { try levels.map(LevelSweep.parseLevels) }
      stage.levelsKind = levelsKind
      let report = try Self.usage { try stage.runAll { Console.standard.warning("vae-eval: warning: " + $0) } }
      switch report.metrics {
      case let .skipped(path, metrics):
        Console.standard.line("vae-eval: \(path) is up to date with \(metrics.checkpoint) (skipped)")
        for line in metrics.summary() { Console.standard.line(line) }
      case let .wrote(path, metrics):
        Console.standard.line(
          "vae-eval: \(metrics.checkpoint) on \(metrics.testImageCount) test images in \(ProgressMeter.seconds(metrics.seconds))")
        for line in metrics.summary() { Console.standard.line(line) }
        Console.standard.line("vae-eval: wrote \(path)")
      }
      switch report.levels {
      case nil: break
      case let .skipped(csv):
        Console.standard.line("vae-eval: \(csv) is up to date (skipped)")
      case let .wrote(csv, svg, rows, seconds):
        let levels = Set(rows.map(\.level)).count
        Console.standard.line("vae-eval: swept \(levels) level\(levels == 1 ? "" : "s") in \(ProgressMeter.seconds(seconds))")
        for line in LevelSweep.summary(rows) { Console.standard.line(line) }
        Console.standard.line("vae-eval: wrote \(csv) and \(svg)")
      }
    }
  }
}
