import Compute
import Corruptions
import DataFiles
import Foundation
import Metrics
import Runs
import Terminal

/// The work of `vae-eval`, apart from its command line: measure a checkpoint
/// on the test set and write `metrics.json`.
public struct EvalStage {
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
  /// A denoising VAE run (a plain VAE trained on occluded inputs) to compare an inpainting model with.
  public var denoiserRun: String?
  /// K, the prior draws averaged into an inpainting model's mean fill.
  public var fillDraws = EvalStage.defaultFillDraws
  /// K, the importance samples of an inpainting model's -log p(x_hidden | x_observed).
  public var nllSamples = EvalStage.defaultNLLSamples
  /// The flags given that only an inpaint model uses (`--test-mask`, `--compare-run`,
  /// `--denoiser-run`, `--fill-draws`, `--nll-samples`): the other kinds refuse them.
  public var occlusionFlags: [String] = []
  public static let defaultFillDraws = 16
  public static let defaultNLLSamples = 100
  /// k for the importance-weighted bound of the clean test images; nil: not computed.
  public var iwSamples: Int?
  /// A judge classifier checkpoint (vae-classify); nil: no judge scores.
  public var judge: String?
  /// Samples per label of a cvae's generation score (with a judge).
  public var judgeSamples = 1000
  /// Levels of the corruption sweep (`levels.csv`, `levels.svg`); nil: no sweep.
  public var levels: [Double]?
  /// The kind swept; nil: the kind of the corrupted test input (its spec.json).
  public var levelsKind: CorruptionKind.Name?

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

  /// What one run did: the metrics, and the level sweep when one was asked for.
  public struct Report: Sendable {
    public var metrics: Outcome
    public var levels: LevelSweep.Outcome?
  }

  /// The metrics file this stage writes.
  public var outputPath: String { out ?? run + "/metrics.json" }

  /// The folder of the metrics file, where the level sweep's files go too.
  public var outputFolder: String {
    let folder = FilePaths.parent(of: outputPath)
    return folder.isEmpty ? "." : folder
  }

  /// Evaluates, unless `metrics.json` is up to date with the same inputs and options.
  /// `warn` receives a line for each newer checkpoint that was skipped as unreadable.
  public func run(warn: (String) -> Void = { _ in }) throws -> Outcome {
    try runAll(warn: warn).metrics
  }

  /// Evaluates and sweeps the corruption levels, each unless its outputs are up to date
  /// with the same inputs and options (the two have manifests of their own).
  public func runAll(warn: (String) -> Void = { _ in }) throws -> Report {
    let inputs = try EvaluationInputs.resolve(run: run, checkpoint: checkpoint, data: data, testInput: testInput, threads: threads)
    for rejected in inputs.rejected { warn("skipping \(rejected.path): \(rejected.reason)") }
    let path = outputPath
    let folder = outputFolder
    // Threads are left out: they change only the last bits of the sampled ELBO, never what it measures.
    var options = ["seed": String(seed), "metrics": RunMetrics.currentFormat]
    if let iwSamples { options["iw-samples"] = String(iwSamples) }
    let evaluation = inputs.model.kind.evaluation
    options.merge(try evaluation.options(of: self, model: inputs.model)) { $1 }
    let compare = try Self.comparison(run: compareRun, threads: threads)
    let denoiser = try Self.comparison(run: denoiserRun, threads: threads, flag: "--denoiser-run")
    // The judge's scores depend on the judge and on the labels it is scored against.
    let judgeFiles = judge.map { [$0, JudgeScoring.labelsPath(testImages: inputs.testImagesPath)] } ?? []
    let inputFiles = inputs.inputFiles + evaluation.inputFiles(of: self, inputs: inputs) + [compare?.path, denoiser?.path].compactMap { $0 } + judgeFiles
    let sweep = try levels.map {
      try LevelSweep.plan(
        levels: $0, kind: levelsKind, specPath: inputs.specPath, testInput: inputs.testInputPath, seed: seed,
        height: inputs.model.dataset.height, width: inputs.model.dataset.width)
    }

    let record = StageRecord(stage: Self.stageName, folder: folder, options: options, inputs: inputFiles, outputs: [path])
    var outcome: Outcome?
    if record.isUpToDate, let metrics = try? RunMetrics.read(from: path) {
      outcome = .skipped(path: path, metrics: metrics)
    }
    let sweepRecord = sweep.map { Self.record(of: $0, inputs: inputs, judgeFiles: judgeFiles, folder: folder) }
    var sweepOutcome: LevelSweep.Outcome?
    if let sweepRecord, sweepRecord.isUpToDate { sweepOutcome = .skipped(csv: sweepRecord.outputs[0]) }
    if let outcome, sweepRecord == nil || sweepOutcome != nil {
      return Report(metrics: outcome, levels: sweepOutcome)
    }

    let images = try inputs.loadImages()
    let judging = try judge.map {
      try JudgeScoring.load(path: $0, model: inputs.model, testImages: inputs.testImagesPath, count: images.count, threads: threads)
    }
    try Folders.create(folder)
    if outcome == nil {
      let start = ProgressMeter.monotonicSeconds()
      var metrics = try evaluation.measure(
        EvaluationContext(stage: self, inputs: inputs, images: images, judge: judging, compare: compare, denoiser: denoiser))
      metrics.seconds = ProgressMeter.monotonicSeconds() - start
      try record.writing { try metrics.write(to: path) }
      outcome = .wrote(path: path, metrics: metrics)
    }
    if let sweep, let sweepRecord, sweepOutcome == nil {
      sweepOutcome = try Self.runSweep(sweep, record: sweepRecord, inputs: inputs, images: images, judge: judging, threads: threads)
    }
    guard let outcome else { preconditionFailure("the metrics were either up to date or written above") }
    return Report(metrics: outcome, levels: sweepOutcome)
  }
}
