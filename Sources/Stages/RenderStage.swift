import DataFiles
import Foundation
import Imaging

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

  public static let stageName = "vae-render"
  /// Allowed values of `scale`.
  public static let scales = 1...8
  /// The prior-samples grid is `samplesSide` x `samplesSide` tiles.
  public static let samplesSide = 10

  /// The files a render can write, by role.
  public enum File {
    public static let triplets = "triplets.png"
    public static let reconstructions = "reconstructions.png"
    public static let samples = "samples.png"
    public static let loss = "loss.svg"
    public static let lossParts = "loss-parts.svg"
    /// A copy of the run's levels.svg (vae-eval --levels).
    public static let levels = "levels.svg"
    public static let index = "index.html"
    /// Every figure, in the order the page shows them.
    public static let figures = [triplets, reconstructions, samples, loss, lossParts, levels]
  }

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

  /// Renders, unless the folder is up to date with the same inputs and options.
  /// `warn` receives lines about skipped checkpoints and an unreadable metrics.json.
  public func run(warn: (String) -> Void = { _ in }) throws -> Outcome {
    let inputs = try EvaluationInputs.resolve(run: run, checkpoint: checkpoint, data: data, testInput: testInput, threads: threads)
    for rejected in inputs.rejected { warn("skipping \(rejected.path): \(rejected.reason)") }
    if inputs.model.kind != .vae { return try runConditional(inputs, warn: warn) }
    let runFolder = TrainingSession.Folder(path: run)
    let log = try TrainingLog.read(from: runFolder.log)
    let (metrics, metricsProblem) = readMetrics(warn: warn)
    let metricsPath = self.metricsPath

    var figures = [File.reconstructions, File.samples]
    if inputs.testInputPath != nil { figures.insert(File.triplets, at: 0) }
    if !log.rows.isEmpty { figures += [File.loss, File.lossParts] }
    let levelsPlot = levelsPlotPath
    if levelsPlot != nil { figures.append(File.levels) }
    let latent = latentPlan(inputs: inputs)
    figures += latent.figures
    var besideModel: TrainedModel?
    if let beside {
      besideModel = try self.besideModel(of: beside, next: inputs.model)
      guard latent.labelsPath != nil else {
        throw StageError.missingInput(
          path: FilePaths.parent(of: inputs.testImagesPath) + "/test-labels.idx",
          hint: "--beside colours the latent scatters by label")
      }
      figures += [LatentFile.besideManifold, LatentFile.besideScatter]
    }
    let outputs = (figures + [File.index]).map { folder + "/" + $0 }
    let sources =
      inputs.inputFiles + [runFolder.log, metricsPath].filter { FileManager.default.fileExists(atPath: $0) } + latent.sources
      + [levelsPlot, besideModel?.path].compactMap { $0 }
    var options = [
      "count": String(count), "rows": String(rows), "scale": String(scale), "seed": String(seed), "manifold-grid": manifoldGrid.rawValue,
    ]
    if let beside { options["beside"] = beside }
    let manifestPath = StageManifest.path(folder: folder, stage: Self.stageName)
    if StageManifest.isUpToDate(at: manifestPath, stage: Self.stageName, options: options, inputs: sources, outputs: outputs) {
      return .skipped(folder: folder)
    }

    let images = try inputs.loadImages()
    try Folders.create(folder)
    // The old manifest goes first so that a stage killed half-way never looks up to date.
    try? FileManager.default.removeItem(atPath: manifestPath)
    let shown = min(count * rows, images.count)
    let model = inputs.model
    let d = images.clean.itemSize
    func tiles(_ pixels: ArraySlice<UInt8>) -> [[UInt8]] {
      (0..<shown).map { Array(pixels[pixels.startIndex + $0 * d..<pixels.startIndex + ($0 + 1) * d]) }
    }
    func tiles(_ values: [Float]) -> [[UInt8]] { tiles(PixelQuantisation.bytes(values)[...]) }
    func chunks(_ tiles: [[UInt8]]) -> [[[UInt8]]] {
      stride(from: 0, to: tiles.count, by: count).map { Array(tiles[$0..<min($0 + count, tiles.count)]) }
    }
    let clean = tiles(images.clean.scalars[0..<shown * d])
    let side = DigitSet.side

    if let corrupted = images.corrupted {
      let input = corrupted.scalars[0..<shown * d]
      let restored = tiles(model.restore(input, count: shown))
      let groups = zip(zip(chunks(clean), chunks(tiles(input))), chunks(restored)).flatMap { [$0.0, $0.1, $1] }
      let grid = ImageGrid(tileWidth: side, tileHeight: side, columns: count, rowsPerGroup: 3, tileScale: scale)
      try grid.render(rows: groups).writePNG(to: folder + "/" + File.triplets)
    }
    let reconstructed = tiles(model.restore(images.clean.scalars[0..<shown * d], count: shown))
    let pairs = zip(chunks(clean), chunks(reconstructed)).flatMap { [$0, $1] }
    let pairGrid = ImageGrid(tileWidth: side, tileHeight: side, columns: count, rowsPerGroup: 2, tileScale: scale)
    try pairGrid.render(rows: pairs).writePNG(to: folder + "/" + File.reconstructions)
    let samples = model.sample(count: Self.samplesSide * Self.samplesSide, seed: seed)
    let sampleGrid = ImageGrid(tileWidth: side, tileHeight: side, columns: Self.samplesSide, tileScale: scale)
    try sampleGrid.render(tiles: samples.chunks(of: d)).writePNG(to: folder + "/" + File.samples)

    var report = RunReport(
      run: run, inputs: inputs, config: model.config, log: log, metrics: metrics, metricsPath: metricsPath,
      metricsProblem: metricsProblem, shown: shown, columns: count, scale: scale, seed: seed,
      samplesSide: Self.samplesSide, figures: Set(figures))
    report.latentSections = try drawLatent(
      latent, inputs: inputs, images: images, figures: &figures, checkpointText: report.checkpointText,
      logEpochs: log.rows.count, warn: warn)
    if let besideModel, let beside, let labelsPath = latent.labelsPath {
      let labels = try DigitSet.loadLabels(path: labelsPath)
      guard labels.count == images.count else {
        throw StageError.dataMismatch(
          path: labelsPath, reason: "holds \(labels.count) labels for the \(images.count) images of \(inputs.testImagesPath)")
      }
      let section = try drawBeside(besideModel, besideRun: beside, images: images, labels: labels, source: inputs.testImagesPath)
      report.latentSections.insert(section, at: min(1, report.latentSections.count))
    }
    if !log.rows.isEmpty {
      try report.lossPlot().writeSVG(to: folder + "/" + File.loss)
      try report.lossPartsPlot().writeSVG(to: folder + "/" + File.lossParts)
    }
    if let levelsPlot { try copyLevelsPlot(from: levelsPlot) }
    try report.page().write(to: folder + "/" + File.index)
    // Figures an earlier render wrote but this one has no data for would mislead next to this page.
    for stale in File.figures + LatentFile.all where !figures.contains(stale) {
      try? FileManager.default.removeItem(atPath: folder + "/" + stale)
    }

    try StageManifest.stamping(stage: Self.stageName, options: options, inputs: sources, outputs: outputs)
      .write(to: manifestPath)
    return .wrote(folder: folder, files: figures + [File.index])
  }
}

extension Array where Element == Float {
  /// Consecutive pieces of `size` values (the last may be shorter).
  fileprivate func chunks(of size: Int) -> [[Float]] {
    stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
  }
}
