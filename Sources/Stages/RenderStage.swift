import DataFiles
import Foundation
import Imaging
import Metrics
import Reports
import Runs

/// The work of `vae-render`, apart from its command line: draw a run's
/// figures and write them with an `index.html` report into one folder.
public struct RenderStage {
  public var run: String
  public var checkpoint: String?
  public var data: String?
  public var testInput: String?
  /// The output folder; nil means `artifacts/render/<last path component of run>`.
  public var out: String?
  /// Test images per grid row.
  public var count: Int
  /// Row groups (triplets or pairs) in the test-image grids.
  public var rows: Int
  /// Each tile pixel becomes a scale x scale block.
  public var scale: Int
  /// Seed of the prior samples.
  public var seed: UInt64
  public var threads: Int
  /// Where the 2-D manifold canvas puts its codes (latent size 2 only).
  public var manifoldGrid: ManifoldGrid = .quantile
  /// Another run (vae or cvae, 2-D code) whose latent figures go beside this plain VAE's; nil: none.
  public var beside: String?
  /// Another inpaint run (a baseline) whose fill is drawn beside this one's completions; nil: none.
  public var baseline: String?

  public static let stageName = "vae-render"
  /// Allowed values of `scale`.
  public static let scales = 1...8
  /// The prior-samples grid is `samplesSide` x `samplesSide` tiles.
  public static let samplesSide = RunFigures.samplesSide
  /// Rows of a cvae's analogy grid.
  public static let analogyRows = RunFigures.analogyRows

  /// The files a render can write, by role (named in Reports).
  public typealias File = PageFile
  public typealias LatentFile = Reports.LatentFile
  public typealias ConditionalFile = Reports.ConditionalFile

  public enum Outcome: Equatable, Sendable {
    case skipped(folder: String)
    /// `files` are the names written in `folder`, index.html last.
    case wrote(folder: String, files: [String])
  }

  public init(
    run: String, checkpoint: String? = nil, data: String? = nil, testInput: String? = nil, out: String? = nil,
    count: Int = 10, rows: Int = 3, scale: Int = 2, seed: UInt64 = 1, threads: Int
  ) {
    precondition(count >= 1 && rows >= 1 && Self.scales.contains(scale), "count, rows and scale are checked by the command")
    self.run = run
    self.checkpoint = checkpoint
    self.data = data
    self.testInput = testInput
    self.out = out
    self.count = count
    self.rows = rows
    self.scale = scale
    self.seed = seed
    self.threads = threads
  }

  /// The output folder.
  public var folder: String {
    out ?? ArtifactPaths.render(URL(fileURLWithPath: run).standardizedFileURL.lastPathComponent)
  }

  /// Where vae-eval writes the run's metrics.
  var metricsPath: String { run + "/metrics.json" }

  /// The level sweep's plot vae-eval writes beside the run's metrics, when it exists.
  var levelsPlotPath: String? {
    let path = run + "/" + LevelSweep.svgName
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }

  /// The run's metrics.json if there is one; an unreadable file is left out with a warning
  /// (the page says why) rather than failing the render.
  func readMetrics(warn: (String) -> Void) -> (metrics: RunMetrics?, problem: String?) {
    let path = metricsPath
    guard FileManager.default.fileExists(atPath: path) else { return (nil, nil) }
    do { return (try RunMetrics.read(from: path), nil) } catch {
      warn("leaving the metrics out: \(error)")
      return (nil, "\(error)")
    }
  }

  /// Copies the run's levels.svg beside the page.
  func copyLevelsPlot(from path: String) throws {
    guard let plot = FileManager.default.contents(atPath: path) else {
      throw StageError.io(path: path, operation: "read", reason: "the file could not be read")
    }
    try AtomicFile.write([UInt8](plot), to: folder + "/" + File.levels)
  }

  /// The options that shape the figures.
  var figureOptions: FigureOptions {
    FigureOptions(columns: count, rows: rows, scale: scale, seed: seed, manifoldGrid: manifoldGrid)
  }

  /// Renders, unless the folder is up to date with the same inputs and options.
  /// `warn` receives lines about skipped checkpoints, an unreadable metrics.json and figures left out.
  public func run(warn: (String) -> Void = { _ in }) throws -> Outcome {
    let inputs = try EvaluationInputs.resolve(run: run, checkpoint: checkpoint, data: data, testInput: testInput, threads: threads)
    for rejected in inputs.rejected { warn("skipping \(rejected.path): \(rejected.reason)") }
    var plan = try inputs.model.kind.rendering.plan(self, inputs, warn: warn)
    let outputs = (plan.figures + [File.index]).map { folder + "/" + $0 }
    let record = StageRecord(stage: Self.stageName, folder: folder, options: plan.options, inputs: plan.sources, outputs: outputs)
    if record.isUpToDate { return .skipped(folder: folder) }

    let images = try inputs.loadImages()
    try Folders.create(folder)
    try record.writing {
      let page = try draw(&plan, inputs: inputs, images: images, warn: warn)
      try page.write(to: folder + "/" + File.index)
      // Figures an earlier render wrote but this one has no data for would mislead next to this page.
      for stale in plan.staleCandidates where !plan.figures.contains(stale) {
        try? FileManager.default.removeItem(atPath: folder + "/" + stale)
      }
    }
    return .wrote(folder: folder, files: plan.figures + [File.index])
  }
}
