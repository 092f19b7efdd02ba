import DataFiles
import Foundation
import Imaging
import Models

/// The figures of vae-render that look into the latent space and into
/// training: the 2-D manifold canvas, the latent scatter of the test set, the
/// interpolations between test digits and the reconstructions over training.
extension RenderStage {
  /// The files these figures are written to.
  public enum LatentFile {
    public static let manifold = "manifold.png"
    public static let scatter = "latent-scatter.svg"
    public static let interpolation = "interpolation.png"
    public static let overTraining = "reconstructions-over-training.png"
    /// A cvae's ten manifold canvases, one per label.
    public static let labelManifolds = "manifold-labels.png"
    /// The other run's canvas (or canvases) and scatter of `--beside`.
    public static let besideManifold = "beside-manifold.png"
    public static let besideScatter = "beside-scatter.svg"
    public static let all = [manifold, scatter, interpolation, overTraining, labelManifolds, besideManifold, besideScatter]
  }

  /// The manifold canvas is `manifoldSide` x `manifoldSide` decoded codes.
  public static let manifoldSide = 20
  /// Test-image pairs in the interpolation figure, and the steps from one to the other.
  public static let interpolationPairs = 8
  public static let interpolationSteps = 10
  /// The model kind (`RunConfig.kind`) whose encoder and decoder take no condition.
  static let unconditionalKind = "vae"

  /// What the latent figures will read and write, known before any image is loaded.
  struct LatentPlan {
    /// The run's model kind (`RunConfig.kind`).
    var kind: String
    var latent: Int
    var labelsPath: String?
    var snapshotsPath: String?
    var figures: [String]
    /// Files the figures depend on beyond the checkpoint and the test images.
    var sources: [String] { [labelsPath, snapshotsPath].compactMap { $0 } }
  }

  /// The hook for other model kinds: the canvas, scatter and interpolation
  /// decode and encode without a condition, so they are drawn for kind "vae"
  /// only; a conditional kind draws its own latent figures (per label) beside
  /// its other figures, and keeps the reconstructions over training from here.
  func latentPlan(inputs: EvaluationInputs) -> LatentPlan {
    let files = FileManager.default
    let latent = inputs.model.config.model.latent
    let labels = FilePaths.parent(of: inputs.testImagesPath) + "/" + DigitSet.Member.labels.fileName(.test)
    let snapshots = TrainingSession.Folder(path: run).snapshots
    var plan = LatentPlan(
      kind: inputs.model.config.kind.rawValue, latent: latent, labelsPath: files.fileExists(atPath: labels) ? labels : nil,
      snapshotsPath: files.fileExists(atPath: snapshots) ? snapshots : nil, figures: [])
    if plan.kind == Self.unconditionalKind {
      if latent == 2 { plan.figures.append(LatentFile.manifold) }
      if plan.labelsPath != nil && latent >= 2 { plan.figures.append(LatentFile.scatter) }
      plan.figures.append(LatentFile.interpolation)
    }
    if plan.snapshotsPath != nil { plan.figures.append(LatentFile.overTraining) }
    return plan
  }

  /// Draws the planned figures into `folder` and returns the page sections that
  /// show them. A figure whose data turns out unusable is left out with a warning;
  /// its file name is removed from `figures`.
  func drawLatent(
    _ plan: LatentPlan, inputs: EvaluationInputs, images: EvaluationInputs.Images, figures: inout [String],
    checkpointText: String, logEpochs: Int, warn: (String) -> Void
  ) throws -> [HTMLPage.Section] {
    let model = inputs.model
    let side = DigitSet.side
    let d = images.clean.itemSize
    let scaleText = "Each tile is a 28\u{00D7}28 image drawn at \(scale)\u{00D7}."
    var blocks: [HTMLPage.Block] = []

    if plan.kind != Self.unconditionalKind {
      blocks.append(.paragraph("This is a \(plan.kind) model: its latent figures are drawn per condition with its own figures."))
    } else if plan.figures.contains(LatentFile.manifold) {
      let n = Self.manifoldSide
      try manifoldCanvas(model: model).writePNG(to: folder + "/" + LatentFile.manifold)
      blocks.append(
        .figure(
          .image(
            LatentFile.manifold,
            caption: "The learned 2-D manifold: decode(z) on a \(n)\u{00D7}\(n) mesh of latent codes, by \(checkpointText). "
              + "z1 rises from left to right and z2 from bottom to top; \(manifoldGrid.description(count: n)) "
              + "(--manifold-grid \(manifoldGrid.rawValue)). Pixel probabilities, no gaps between tiles. \(scaleText)")))
    } else {
      blocks.append(
        .paragraph(
          "No manifold canvas: it needs a latent code of exactly 2 dimensions and this model's has \(plan.latent). "
            + "pipelines/manifold.sh trains one."))
    }

    if plan.figures.contains(LatentFile.scatter), let labelsPath = plan.labelsPath {
      do {
        let labels = try DigitSet.loadLabels(path: labelsPath)
        guard labels.count == images.count else {
          throw StageError.dataMismatch(
            path: labelsPath, reason: "holds \(labels.count) labels for the \(images.count) images of \(inputs.testImagesPath)")
        }
        let (plot, caption) = latentScatter(
          model: model, images: images, labels: labels, source: inputs.testImagesPath, checkpointText: checkpointText)
        try plot.writeSVG(to: folder + "/" + LatentFile.scatter)
        blocks.append(.figure(.image(LatentFile.scatter, caption: caption)))
      } catch {
        warn("leaving the latent scatter out: \(error)")
        figures.removeAll { $0 == LatentFile.scatter }
      }
    } else if plan.kind == Self.unconditionalKind && plan.latent < 2 {
      blocks.append(.paragraph("No latent scatter: the latent code has a single dimension."))
    } else if plan.kind == Self.unconditionalKind {
      blocks.append(.paragraph("No latent scatter: there is no test-labels.idx beside \(inputs.testImagesPath) to colour the points by."))
    }

    let pairs = plan.figures.contains(LatentFile.interpolation) ? min(Self.interpolationPairs, images.count / 2) : 0
    if pairs >= 1 {
      try interpolation(model: model, images: images, pairs: pairs).writePNG(to: folder + "/" + LatentFile.interpolation)
      let last = 2 * pairs - 1
      blocks.append(
        .figure(
          .image(
            LatentFile.interpolation,
            caption: "Interpolation in the latent space, by \(checkpointText). Row k joins test images 2k and 2k + 1 "
              + "(images 0\u{2013}\(last) of \(inputs.testImagesPath)): the first and last tiles are the clean images, the "
              + "\(Self.interpolationSteps) between them decode z = (1 \u{2212} t)\u{00B7}mu(a) + t\u{00B7}mu(b) for t = 0, 1/\(Self.interpolationSteps - 1), \u{2026}, 1, "
              + "moving linearly from one posterior mean to the other (\(encoderInputs(model: model, images: images).text)). "
              + "Grey lines separate the originals from the path. \(scaleText)")))
    } else {
      figures.removeAll { $0 == LatentFile.interpolation }
    }

    var sections = [HTMLPage.Section(title: "Latent space", blocks: blocks)]
    if let snapshotsPath = plan.snapshotsPath {
      do {
        let (animation, caption) = try overTraining(
          path: snapshotsPath, images: images, corruptedRow: model.config.testInput != nil,
          source: inputs.testImagesPath, logEpochs: logEpochs)
        try animation.writePNG(to: folder + "/" + LatentFile.overTraining)
        sections.append(
          HTMLPage.Section(title: "Reconstructions over training", blocks: [.figure(.image(LatentFile.overTraining, caption: caption))]))
      } catch {
        warn("leaving the reconstructions over training out: \(error)")
        figures.removeAll { $0 == LatentFile.overTraining }
      }
    }
    return sections
  }

  /// The images the encoder should see, and how to say so: a denoising model was
  /// trained on corrupted inputs, so its posterior means are those of the corrupted
  /// test images; clean images would be off its training distribution.
  func encoderInputs(model: TrainedModel, images: EvaluationInputs.Images) -> (pixels: [UInt8], text: String) {
    if model.config.input != nil, let corrupted = images.corrupted {
      return (corrupted.scalars, "mu of the corrupted copies (the inputs this denoising model was trained on)")
    }
    return (images.clean.scalars, "mu of the clean images")
  }

  /// The test set's posterior means in two dimensions, coloured by digit.
  func latentScatter(
    model: TrainedModel, images: EvaluationInputs.Images, labels: [UInt8], source: String, checkpointText: String
  ) -> (ScatterPlot, String) {
    let count = images.count
    let z = model.config.model.latent
    var (pixels, encodedText) = encoderInputs(model: model, images: images)
    let mu: [Float]
    if model.kind == .cvae {
      // A cvae's encoder also reads the label: mu(x, y).
      mu = model.vae.encode(
        TrainedModel.unit(pixels[...]), conditions: LabelCondition.oneHot(labels, classes: ModelKind.classes), count: count
      ).mu
      encodedText += " and their labels, mu(x, y)"
    } else {
      mu = model.encode(pixels[...], count: count)
    }
    var points: [ScatterPlot.Point] = []
    let title: String
    let axes: (String, String)
    let how: String
    if z == 2 {
      points = (0..<count).map { .init(x: Double(mu[2 * $0]), y: Double(mu[2 * $0 + 1]), category: Int(labels[$0])) }
      title = "Test set in the latent space (mu)"
      axes = ("z1 (mu)", "z2 (mu)")
      how = "Each point is the posterior mean mu(x) of one test image, its two coordinates drawn as they are."
    } else {
      let pca = PrincipalComponents(points: mu, count: count, dimensions: z)
      let projected = pca.project(mu, count: count)
      points = (0..<count).map { .init(x: projected[$0][0], y: projected[$0][1], category: Int(labels[$0])) }
      let shares = pca.variances.map { String(format: "%.1f%%", 100 * $0 / max(pca.totalVariance, 1e-300)) }
      title = "Test set in the latent space (first two principal components of mu)"
      axes = ("PC1 (\(shares[0]) of variance)", "PC2 (\(shares[1]) of variance)")
      how = "The posterior means mu(x) have \(z) dimensions, so each point is one test image's mu projected onto the "
        + "first two principal components of all \(count) means (centred, covariance and eigenvectors computed in Double), "
        + "which hold \(shares[0]) and \(shares[1]) of their variance; the other \(z - 2) directions are not shown."
    }
    let plot = ScatterPlot(
      title: title, xLabel: axes.0, yLabel: axes.1, points: points, categoryNames: (0...9).map { "digit \($0)" },
      width: 720, height: 600, radius: 1.6, opacity: 0.5)
    let caption =
      "All \(count) test images of \(source) encoded by \(checkpointText), coloured by their label. \(how) "
      + "Encoder input: \(encodedText). Points are drawn in test-set order, half transparent, so no digit hides the others."
    return (plot, caption)
  }

  /// decode(z) over the `manifoldSide` x `manifoldSide` mesh of ``manifoldGrid``, tiles
  /// touching (no separators), z1 left to right and z2 bottom to top; for a cvae, every
  /// code is decoded under `label`.
  func manifoldCanvas(model: TrainedModel, label: UInt8? = nil, tileScale: Int? = nil) throws -> GreyImage {
    let n = Self.manifoldSide
    let codes = manifoldGrid.codes(count: n)
    let decoded =
      if let label {
        model.generate(codes: codes, labels: [UInt8](repeating: label, count: n * n))
      } else {
        model.vae.decode(codes, count: n * n)
      }
    let d = model.config.model.inputSize
    let canvas = ImageGrid(
      tileWidth: DigitSet.side, tileHeight: DigitSet.side, columns: n, separatorWidth: 0, tileScale: tileScale ?? scale)
    return try canvas.render(tiles: stride(from: 0, to: decoded.count, by: d).map { Array(decoded[$0..<$0 + d]) })
  }

  /// A cvae's ten canvases (``manifoldCanvas(model:label:tileScale:)`` at tile scale 1), two per
  /// row: labels 0 and 1 on the first row, ..., 8 and 9 on the last, with white gaps between.
  func labelCanvases(model: TrainedModel) throws -> GreyImage {
    let canvases = try (0..<ModelKind.classes).map { try manifoldCanvas(model: model, label: UInt8($0), tileScale: 1) }
    let side = canvases[0].width
    let grid = ImageGrid(tileWidth: side, tileHeight: side, columns: 2, separatorWidth: 12, separatorValue: 255)
    return try grid.render(tiles: canvases.map(\.pixels))
  }

  /// Rows of: clean image a, the decoded path from mu(a) to mu(b), clean image b.
  func interpolation(model: TrainedModel, images: EvaluationInputs.Images, pairs: Int) throws -> GreyImage {
    let d = images.clean.itemSize
    let z = model.config.model.latent
    let steps = Self.interpolationSteps
    let mu = model.encode(encoderInputs(model: model, images: images).pixels[0..<(2 * pairs * d)], count: 2 * pairs)
    var codes: [Float] = []
    for k in 0..<pairs {
      let a = mu[(2 * k) * z..<(2 * k + 1) * z], b = mu[(2 * k + 1) * z..<(2 * k + 2) * z]
      for j in 0..<steps {
        let t = Float(j) / Float(steps - 1)
        codes += zip(a, b).map { (1 - t) * $0 + t * $1 }
      }
    }
    let decoded = PixelQuantisation.bytes(model.vae.decode(codes, count: pairs * steps))
    let clean = images.clean.scalars
    let rows: [[[UInt8]]] = (0..<pairs).map { k in
      let path = (0..<steps).map { j in Array(decoded[((k * steps + j) * d)..<((k * steps + j + 1) * d)]) }
      return [Array(clean[(2 * k * d)..<((2 * k + 1) * d)])] + path + [Array(clean[((2 * k + 1) * d)..<((2 * k + 2) * d)])]
    }
    let grid = ImageGrid(tileWidth: DigitSet.side, tileHeight: DigitSet.side, columns: steps + 2, tileScale: scale)
    return try grid.render(rows: rows)
  }

  /// One frame per epoch: the clean images, the corrupted ones (denoising runs), the
  /// snapshot's reconstructions, and a bar under them that fills up as epochs pass.
  func overTraining(
    path: String, images: EvaluationInputs.Images, corruptedRow: Bool, source: String, logEpochs: Int
  ) throws -> (Animation, String) {
    let snapshots = try ReconstructionSnapshots.read(from: path)
    let n = snapshots.images
    guard n <= images.count, images.clean.itemSize == DigitSet.side * DigitSet.side else {
      throw StageError.dataMismatch(path: path, reason: "holds \(n) images per frame but the test set has \(images.count)")
    }
    let d = images.clean.itemSize
    func tiles(_ pixels: [UInt8]) -> [[UInt8]] { (0..<n).map { Array(pixels[($0 * d)..<(($0 + 1) * d)]) } }
    var fixed = [tiles(Array(images.clean.scalars[0..<(n * d)]))]
    let showCorrupted = corruptedRow && images.corrupted != nil
    if showCorrupted, let corrupted = images.corrupted { fixed.append(tiles(Array(corrupted.scalars[0..<(n * d)]))) }
    let grid = ImageGrid(tileWidth: DigitSet.side, tileHeight: DigitSet.side, columns: n, tileScale: scale)
    let barHeight = 3 * scale
    var frames: [GreyImage] = []
    for e in 0..<snapshots.frames {
      let picture = try grid.render(rows: fixed + [snapshots.frame(e)])
      var pixels = picture.pixels
      // The progress bar: dark for the epochs done, light grey for those to come.
      let filled = picture.width * (e + 1) / snapshots.frames
      for _ in 0..<barHeight {
        pixels += (0..<picture.width).map { $0 < filled ? 40 : 220 }
      }
      frames.append(try GreyImage(width: picture.width, height: picture.height + barHeight, pixels: pixels))
    }
    let rowsText = showCorrupted
      ? "the clean images (top), their corrupted copies the model is given (middle) and the model's decode(mu(x)) of those (bottom)"
      : "the clean images (top) and the model's decode(mu(x)) of them (bottom)"
    let epochs = snapshots.frames
    let caption =
      "Reconstructions over training, an animated PNG with one frame per epoch (\(epochs) frame\(epochs == 1 ? "" : "s"), "
      + "0.4 s each, the last held 2 s, looping): test images 0\u{2013}\(n - 1) of \(source), showing \(rowsText) "
      + "as the weights were at the end of each epoch; the bar underneath fills up as epochs pass (frame k is epoch k). "
      + "From \(path), which vae-train --snapshot-images \(n) wrote during training, so these frames do not depend on "
      + "the checkpoint drawn above.\(epochs == logEpochs ? "" : " Note: log.csv has \(logEpochs) epochs, the snapshots \(epochs).") "
      + "Browsers without APNG support show the first epoch only. "
      + "Each tile is a 28\u{00D7}28 image drawn at \(scale)\u{00D7}."
    return (Animation(frames: frames, delayMs: 400, finalDelayMs: 2000), caption)
  }
}
