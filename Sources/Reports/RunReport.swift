import DataFiles
import Foundation
import Imaging
import Models
import Runs

/// The words and tables of a run's `index.html`, and its two loss plots: every
/// caption says which images, which checkpoint and which corruption it shows.
public struct RunReport {
  typealias File = PageFile

  public var run: String
  public var inputs: PageInputs
  public var config: RunConfig
  public var log: TrainingLog
  public var metrics: RunMetrics?
  public var metricsPath: String
  /// Why metrics.json could not be read, when it exists but is bad.
  public var metricsProblem: String?
  /// Test images in the grids: the first `shown` of the test set.
  public var shown: Int
  /// Tiles per grid row.
  public var columns: Int
  public var scale: Int
  public var seed: UInt64
  public var samplesSide: Int
  /// The figure files written for this page.
  public var figures: Set<String>

  /// The level sweep's plot and table that vae-eval --levels writes in the run folder
  /// (`LevelSweep.svgName` and `.csvName` there); the page shows a copy of the plot.
  public static let levelsPlot = "levels.svg"
  public static let levelsTable = "levels.csv"

  public init(
    run: String, inputs: PageInputs, config: RunConfig, log: TrainingLog, metrics: RunMetrics?, metricsPath: String,
    metricsProblem: String?, shown: Int, columns: Int, scale: Int, seed: UInt64, samplesSide: Int, figures: Set<String>
  ) {
    self.run = run
    self.inputs = inputs
    self.config = config
    self.log = log
    self.metrics = metrics
    self.metricsPath = metricsPath
    self.metricsProblem = metricsProblem
    self.shown = shown
    self.columns = columns
    self.scale = scale
    self.seed = seed
    self.samplesSide = samplesSide
    self.figures = figures
  }

  // MARK: - Plots

  /// Train and test total loss per epoch.
  public func lossPlot() -> LinePlot {
    let epochs = log.rows.map { Double($0.epoch) }
    return LinePlot(
      title: "Loss per epoch", xLabel: "epoch", yLabel: "nats per image",
      series: [
        .init(name: "train", x: epochs, y: log.rows.map(\.train.total), colourIndex: 0),
        .init(name: "test", x: epochs, y: log.rows.map(\.test.total), colourIndex: 1, dashed: true),
      ])
  }

  /// Reconstruction and KL terms per epoch, train and test.
  public func lossPartsPlot() -> LinePlot {
    let epochs = log.rows.map { Double($0.epoch) }
    return LinePlot(
      title: "Loss terms per epoch", xLabel: "epoch", yLabel: "nats per image (log scale)",
      series: [
        .init(name: "recon, train", x: epochs, y: log.rows.map(\.train.recon), colourIndex: 0),
        .init(name: "recon, test", x: epochs, y: log.rows.map(\.test.recon), colourIndex: 0, dashed: true),
        .init(name: "KL, train", x: epochs, y: log.rows.map(\.train.kl), colourIndex: 2),
        .init(name: "KL, test", x: epochs, y: log.rows.map(\.test.kl), colourIndex: 2, dashed: true),
      ],
      logY: true)
  }

  // MARK: - Page

  /// A page titled `title` ("DigitVAE run denoise") with `sections` first, then the
  /// curves, the metrics, the level sweep, the configuration and the log.
  public func page(title: String, _ sections: [HTMLPage.Section]) -> HTMLPage {
    var page = HTMLPage(
      title: title,
      subtitle: "vae-render of \(inputs.checkpoint)\(positionText.map { ", " + $0 } ?? ""); test images from \(inputs.testImages).")
    for section in sections { page.add(section) }
    page.add(lossSection())
    page.add(metricsSection())
    if let levels = levelsSection() { page.add(levels) }
    page.add(HTMLPage.Section(title: "Configuration", blocks: configBlocks()))
    page.add(logSection())
    return page
  }

  /// A plain VAE's page: the denoising, reconstruction and sample grids, then `latentSections`
  /// (the latent space and the training snapshots), then the common sections.
  public func page(latentSections: [HTMLPage.Section]) -> HTMLPage {
    page(title: "DigitVAE run \(runName)", gridSections() + latentSections)
  }

  /// The plain VAE's grids: triplets (or why there are none), reconstructions, samples.
  func gridSections() -> [HTMLPage.Section] {
    var sections: [HTMLPage.Section] = []
    if figures.contains(File.triplets) {
      sections.append(HTMLPage.Section(title: "Denoising", blocks: [.figure(.image(File.triplets, caption: tripletsCaption))]))
    } else {
      sections.append(
        HTMLPage.Section(
          title: "Denoising",
          blocks: [
            .paragraph(
              "No corrupted test images: this run was trained without --test-input and none was given to vae-render, "
                + "so there is no denoising figure. Make some with vae-corrupt and pass them with --test-input.")
          ]))
    }
    sections.append(HTMLPage.Section(title: "Reconstructions", blocks: [.figure(.image(File.reconstructions, caption: reconstructionsCaption))]))
    sections.append(HTMLPage.Section(title: "Samples from the prior", blocks: [.figure(.image(File.samples, caption: samplesCaption))]))
    return sections
  }

  public var runName: String { URL(fileURLWithPath: run).standardizedFileURL.lastPathComponent }

  /// "after 5 epochs (step 2345)", or nil for a weights-only export.
  var positionText: String? { inputs.position }

  /// "checkpoint step-00002345.safetensors (after 5 epochs, step 2345)".
  public var checkpointText: String {
    let name = URL(fileURLWithPath: inputs.checkpoint).lastPathComponent
    return "checkpoint \(name) (\(positionText ?? "weights only, no training position"))"
  }

  /// "test images 0-29 of artifacts/data/mnist/test-images.idx".
  var imagesText: String {
    "test images \(shown == 1 ? "0" : "0\u{2013}\(shown - 1)") of \(inputs.testImages)"
  }

  var groupsText: String {
    let groups = (shown + columns - 1) / columns
    guard groups > 1 else { return "" }
    let ranges = (0..<groups).map { g in
      let first = g * columns, last = min(shown, (g + 1) * columns) - 1
      return first == last ? "\(first)" : "\(first)\u{2013}\(last)"
    }
    return " Groups from top to bottom hold images " + ranges.joined(separator: ", ") + "."
  }

  /// The run's data set, whose classes and image size the page names.
  var dataset: DatasetDescriptor { config.datasetDescriptor }

  var scaleText: String { "Each tile is a \(dataset.tileText) image drawn at \(scale)\u{00D7}; grey lines separate tiles." }

  var corruptionText: String {
    guard let path = inputs.testInput else { return "" }
    if let corruption = inputs.corruption { return "\(path): \(corruption)" }
    return "\(path) (no spec.json beside it, so the corruption is not known)"
  }

  var tripletsCaption: String {
    "Denoising, \(imagesText), by \(checkpointText). Each group of three rows shows the clean test images (top), "
      + "the same images corrupted (middle; \(corruptionText)) and the model's restoration decode(mu(x)) of the "
      + "corrupted images (bottom), as pixel probabilities.\(groupsText) \(scaleText)"
  }

  var reconstructionsCaption: String {
    "Reconstructions, \(imagesText), by \(checkpointText). Each pair of rows shows the clean test images (top) and "
      + "decode(mu(x)) of those clean images (bottom), as pixel probabilities.\(groupsText) \(scaleText)"
  }

  var samplesCaption: String {
    "\(samplesSide * samplesSide) samples from the prior: decode(z) for z drawn from N(0, I) in \(config.model.latent) "
      + "dimensions (seed \(seed)), by \(checkpointText), shown as pixel probabilities (not binarised). \(scaleText)"
  }

  var inputText: String {
    var parts: [String] = []
    if let input = config.input { parts.append("training inputs corrupted (\(input)), targets clean") }
    if let testInput = config.testInput { parts.append("test inputs corrupted (\(testInput)), targets clean") }
    return parts.isEmpty ? "" : " Denoising run: " + parts.joined(separator: "; ") + "."
  }

  var betaText: String {
    let training = config.training
    if training.beta == 1 && training.klWarmupEpochs == 0 { return "total = recon + KL (the negative ELBO)" }
    var text = "total = recon + \u{03B2}\u{00B7}KL with \u{03B2} = \(training.beta)"
    if training.klWarmupEpochs > 0 { text += ", ramped up from 0 over \(training.klWarmupEpochs) epochs during training" }
    return text
  }

  func lossSection() -> HTMLPage.Section {
    let logPath = RunFolder(path: run).log
    guard figures.contains(File.loss) else {
      return HTMLPage.Section(title: "Training curves", blocks: [.paragraph("\(logPath) has no finished epochs yet, so there are no curves.")])
    }
    let common =
      "Train values (solid) are means over each epoch's training batches as the weights changed; test values "
      + "(dashed) are measured on the whole test set after each epoch. "
      + "From \(logPath), \(log.rows.count) epoch\(log.rows.count == 1 ? "" : "s").\(inputText)"
    return HTMLPage.Section(
      title: "Training curves",
      blocks: [
        .figures([
          .image(File.loss, caption: "Total loss per epoch in nats per image: \(betaText). " + common),
          .image(
            File.lossParts,
            caption: "The two terms of the loss per epoch: reconstruction (Bernoulli negative log-likelihood summed over "
              + "the \(dataset.pixels) pixels) and KL divergence of the posterior from N(0, I), in nats per image, on a logarithmic axis so "
              + "that both show their change. " + common),
        ])
      ])
  }

  func metricsSection() -> HTMLPage.Section {
    guard let metrics else {
      let text =
        metricsProblem.map { "\(metricsPath) could not be read (\($0)); run vae-eval --run \(run) again." }
        ?? "No \(metricsPath) yet: run vae-eval --run \(run) to add the test ELBO and the denoising scores here."
      return HTMLPage.Section(title: "Metrics", blocks: [.paragraph(text)])
    }
    var blocks: [HTMLPage.Block] = []
    let position = metrics.epoch.map { "after \($0) epoch\($0 == 1 ? "" : "s"), step \(metrics.step ?? 0)" } ?? "weights only"
    blocks.append(
      .paragraph(
        "From \(metricsPath) (vae-eval): checkpoint \(metrics.checkpoint) (\(position)), all \(metrics.testImageCount) "
          + "images of \(metrics.testImages). Losses are negative ELBOs in nats per image (lower is better), with one "
          + "z sample per image (seed \(metrics.seed))."))
    if metrics.checkpoint != inputs.checkpoint {
      blocks.append(
        .paragraph(
          "Note: these metrics are for \(metrics.checkpoint), not for the checkpoint rendered above "
            + "(\(inputs.checkpoint)); run vae-eval again to update them."))
    }
    func number(_ value: Double, _ digits: Int) -> HTMLPage.Cell { .number(RunMetrics.fixed(value, digits)) }
    func lossRow(_ name: String, _ r: LossReport) -> [HTMLPage.Cell] {
      [.text(name), number(r.total, 2), number(r.recon, 2), number(r.kl, 2)]
    }
    var lossRows = [lossRow("clean test images", metrics.elbo)]
    if let denoise = metrics.denoise { lossRows.append(lossRow("corrupted test images (clean target)", denoise.elboCorruptedInput)) }
    blocks.append(.table(HTMLPage.Table(header: ["encoder input", "total", "recon", "KL"], rows: lossRows)))
    if let denoise = metrics.denoise {
      let source = metrics.testInput.map { input in "\(input)" + (metrics.corruption.map { ": \($0)" } ?? "") } ?? "corrupted images"
      blocks.append(
        .paragraph(
          "Denoising, against the clean test images, corrupted input \(source). MSE and PSNR are means over images "
            + "of each image's value, intensities in [0, 1] and peak 1; an image's PSNR is capped at 100 dB."))
      func scoreRow(_ name: String, _ s: DenoiseScore) -> [HTMLPage.Cell] { [.text(name), number(s.mse, 5), number(s.psnr, 2)] }
      blocks.append(
        .table(
          HTMLPage.Table(
            header: ["images compared with the clean ones", "MSE", "PSNR (dB)"],
            rows: [
              scoreRow("restored: decode(mu(corrupted))", denoise.restored),
              scoreRow("corrupted input, as is", denoise.corrupted),
              scoreRow("3\u{00D7}3 median filter of the corrupted input", denoise.median3x3),
            ])))
    }
    if let judge = metrics.judge { blocks += judgeBlocks(judge, metrics: metrics) }
    return HTMLPage.Section(title: "Metrics", blocks: blocks)
  }

  /// The judge classifier's accuracies (vae-eval --judge): a table of the test image sets,
  /// and for a cvae one of its samples per digit.
  func judgeBlocks(_ judge: RunMetrics.JudgeScores, metrics: RunMetrics) -> [HTMLPage.Block] {
    func percent(_ share: Double) -> HTMLPage.Cell { .number(RunMetrics.fixed(100 * share, 2)) }
    let inpainting = config.kind.run.needsMasks
    var rows: [[HTMLPage.Cell]] = [[.text("clean test images"), percent(judge.clean)]]
    if let corrupted = judge.corrupted {
      rows.append([.text(inpainting ? "occluded test images" : "corrupted test images"), percent(corrupted)])
    }
    if let restored = judge.restored {
      let name = inpainting ? "filled by the model (observed pixels kept, hole decoded at z = 0)" : "the model's restorations of them"
      rows.append([.text(name), percent(restored)])
    }
    var blocks: [HTMLPage.Block] = [
      .paragraph(
        "The judge classifier \(judge.checkpoint) (vae-classify) read each image; the share it labelled as the "
          + "image's true \(dataset.isDigits ? "digit" : "class") (\(metrics.testImageCount) test images of \(dataset.title); model outputs rounded to 8-bit grey levels "
          + "first, as the figures show them)."),
      .table(HTMLPage.Table(header: ["images the judge read", "accuracy (%)"], rows: rows)),
    ]
    if let generation = judge.generation {
      blocks.append(
        .paragraph(
          "Label-conditioned generation: for each label k, \(generation.samplesPerLabel) codes z ~ N(0, I) (seed "
            + "\(metrics.seed)) decoded under label k; the share the judge reads as k. Overall (mean over \(dataset.nouns)): "
            + "\(RunMetrics.fixed(100 * generation.overall, 2))%."))
      blocks.append(
        .table(
          HTMLPage.Table(
            header: [dataset.noun] + generation.perLabel.indices.map { dataset.classes.indices.contains($0) ? dataset.classes[$0] : "\($0)" }
              + ["overall"],
            rows: [[.text("read as its label (%)")] + generation.perLabel.map(percent) + [percent(generation.overall)]])))
    }
    return blocks
  }

  /// The corruption-level sweep of vae-eval --levels, when its plot was copied beside the page.
  func levelsSection() -> HTMLPage.Section? {
    guard figures.contains(File.levels) else { return nil }
    return HTMLPage.Section(
      title: "Corruption levels",
      blocks: [
        .figure(
          .image(
            File.levels,
            caption: "From \(run)/\(Self.levelsPlot) (vae-eval --levels; the numbers are in \(run)/\(Self.levelsTable)): "
              + "the clean test images corrupted at each level, and the mean PSNR against the clean images of the model's "
              + "restoration (solid), of the corrupted input as it is and of its 3\u{00D7}3 median filter (dashed)."))
      ])
  }

  func configBlocks() -> [HTMLPage.Block] {
    [
      .paragraph("The run's configuration, as stored in the checkpoint (the same as \(run)/config.json)."),
      .keyValues(Self.flatten(config).map { HTMLPage.KeyValue($0.key, $0.value) }),
    ]
  }

  func logSection() -> HTMLPage.Section {
    let logPath = RunFolder(path: run).log
    guard !log.rows.isEmpty else {
      return HTMLPage.Section(title: "Training log", blocks: [.paragraph("\(logPath) has no rows.")])
    }
    let rows: [[HTMLPage.Cell]] = log.rows.map { row in
      [
        .number(String(row.epoch)), .number(String(row.step)),
        .number(TrainingLog.format(row.train.total)), .number(TrainingLog.format(row.train.recon)), .number(TrainingLog.format(row.train.kl)),
        .number(TrainingLog.format(row.test.total)), .number(TrainingLog.format(row.test.recon)), .number(TrainingLog.format(row.test.kl)),
        .number(RunMetrics.fixed(row.seconds, 1)), .number(RunMetrics.fixed(row.samplesPerSecond, 0)),
      ]
    }
    return HTMLPage.Section(
      title: "Training log",
      blocks: [
        .paragraph("\(logPath): one row per finished epoch; losses in nats per image; seconds of training time in that epoch."),
        .table(
          HTMLPage.Table(
            header: ["epoch", "step", "train loss", "train recon", "train KL", "test loss", "test recon", "test KL", "seconds", "samples/s"],
            rows: rows)),
      ])
  }

  /// The config's JSON as dotted keys ("model.hidden") and plain values, sorted by key.
  static func flatten(_ config: RunConfig) -> [(key: String, value: String)] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(config.json().utf8)) else { return [] }
    var pairs: [(key: String, value: String)] = []
    func text(_ value: Any) -> String {
      switch value {
      case let list as [Any]: return list.map(text).joined(separator: ", ")
      case let string as String: return string
      case is NSNull: return "(none)"
      default: return "\(value)"
      }
    }
    func walk(_ value: Any, _ prefix: String) {
      if let dictionary = value as? [String: Any] {
        for key in dictionary.keys.sorted() {
          if let child = dictionary[key] { walk(child, prefix.isEmpty ? key : prefix + "." + key) }
        }
      } else {
        pairs.append((prefix, text(value)))
      }
    }
    walk(object, "")
    return pairs
  }
}
