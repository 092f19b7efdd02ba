import DataFiles
import Foundation
import Imaging
import Models
import Runs

/// The pictures that look into the latent space and into training: the 2-D manifold
/// canvas, the latent scatter of the test set, the interpolations between test images
/// and the reconstructions over training.
extension RunFigures {
  /// The images the encoder should see, and how to say so: a denoising model was
  /// trained on corrupted inputs, so its posterior means are those of the corrupted
  /// test images; clean images would be off its training distribution.
  func encoderInputs(model: TrainedModel) -> (pixels: [UInt8], text: String) {
    if model.config.input != nil, let corrupted = images.corrupted {
      return (corrupted.scalars, "mu of the corrupted copies (the inputs this denoising model was trained on)")
    }
    return (images.clean.scalars, "mu of the clean images")
  }

  /// The test set's posterior means in two dimensions, coloured by label.
  func latentScatter(model: TrainedModel, labels: [UInt8], checkpointText: String) -> (ScatterPlot, String) {
    let count = images.count
    let z = model.config.model.latent
    var (pixels, encodedText) = encoderInputs(model: model)
    let mu: [Float]
    if model.kind.run.needsLabels {
      // A cvae's encoder also reads the label: mu(x, y).
      mu = model.vae.encode(
        TrainedModel.unit(pixels[...]), conditions: LabelCondition.oneHot(labels, classes: model.classCount), count: count
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
      let plane = project(mu, count, z)
      points = (0..<count).map { .init(x: plane.points[$0][0], y: plane.points[$0][1], category: Int(labels[$0])) }
      let shares = plane.variances.map { String(format: "%.1f%%", 100 * $0 / max(plane.totalVariance, 1e-300)) }
      title = "Test set in the latent space (first two principal components of mu)"
      axes = ("PC1 (\(shares[0]) of variance)", "PC2 (\(shares[1]) of variance)")
      how = "The posterior means mu(x) have \(z) dimensions, so each point is one test image's mu projected onto the "
        + "first two principal components of all \(count) means (centred, covariance and eigenvectors computed in Double), "
        + "which hold \(shares[0]) and \(shares[1]) of their variance; the other \(z - 2) directions are not shown."
    }
    let plot = ScatterPlot(
      title: title, xLabel: axes.0, yLabel: axes.1, points: points, categoryNames: model.dataset.legendNames,
      width: 720, height: 600, radius: 1.6, opacity: 0.5)
    let caption =
      "All \(count) test images of \(inputs.testImages) encoded by \(checkpointText), coloured by their label. \(how) "
      + "Encoder input: \(encodedText). Points are drawn in test-set order, half transparent, so no class hides the others."
    return (plot, caption)
  }

  /// decode(z) over the `manifoldSide` x `manifoldSide` mesh of the options' ``ManifoldGrid``, tiles
  /// touching (no separators), z1 left to right and z2 bottom to top; for a cvae, every
  /// code is decoded under `label`.
  func manifoldCanvas(model: TrainedModel, label: UInt8? = nil, tileScale: Int? = nil) throws -> GreyImage {
    let n = Self.manifoldSide
    let codes = options.manifoldGrid.codes(count: n)
    let decoded =
      if let label {
        model.generate(codes: codes, labels: [UInt8](repeating: label, count: n * n))
      } else {
        model.vae.decode(codes, count: n * n)
      }
    let d = model.config.model.inputSize
    let canvas = ImageGrid(
      tileWidth: model.dataset.width, tileHeight: model.dataset.height, columns: n, separatorWidth: 0, tileScale: tileScale ?? options.scale)
    return try canvas.render(tiles: stride(from: 0, to: decoded.count, by: d).map { Array(decoded[$0..<$0 + d]) })
  }

  /// A cvae's canvases (``manifoldCanvas(model:label:tileScale:)`` at tile scale 1), one per shown
  /// label, two per row: labels 0 and 1 on the first row, and so on, with white gaps between.
  func labelCanvases(model: TrainedModel) throws -> GreyImage {
    let canvases = try model.dataset.shownLabels.map { try manifoldCanvas(model: model, label: UInt8($0), tileScale: 1) }
    let grid = ImageGrid(
      tileWidth: canvases[0].width, tileHeight: canvases[0].height, columns: 2, separatorWidth: 12, separatorValue: 255)
    return try grid.render(tiles: canvases.map(\.pixels))
  }

  /// Rows of: clean image a, the decoded path from mu(a) to mu(b), clean image b.
  func interpolation(pairs: Int) throws -> GreyImage {
    let z = model.config.model.latent
    let steps = Self.interpolationSteps
    let mu = model.encode(encoderInputs(model: model).pixels[0..<(2 * pairs * d)], count: 2 * pairs)
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
    return try grid(columns: steps + 2).render(rows: rows)
  }

  /// One frame per epoch: the clean images, the corrupted ones (denoising runs), the
  /// snapshot's reconstructions, and a bar under them that fills up as epochs pass.
  func overTraining(path: String, corruptedRow: Bool, logEpochs: Int) throws -> (Animation, String) {
    let snapshots = try ReconstructionSnapshots.read(from: path, height: dataset.height, width: dataset.width)
    let n = snapshots.images
    guard n <= images.count else {
      throw RunError.dataMismatch(path: path, reason: "holds \(n) images per frame but the test set has \(images.count)")
    }
    var fixed = [tiles(images.clean.scalars[0..<(n * d)], n)]
    let showCorrupted = corruptedRow && images.corrupted != nil
    if showCorrupted, let corrupted = images.corrupted { fixed.append(tiles(corrupted.scalars[0..<(n * d)], n)) }
    let grid = grid(columns: n)
    let scale = options.scale
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
      + "0.4 s each, the last held 2 s, looping): test images 0\u{2013}\(n - 1) of \(inputs.testImages), showing \(rowsText) "
      + "as the weights were at the end of each epoch; the bar underneath fills up as epochs pass (frame k is epoch k). "
      + "From \(path), which vae-train --snapshot-images \(n) wrote during training, so these frames do not depend on "
      + "the checkpoint drawn above.\(epochs == logEpochs ? "" : " Note: log.csv has \(logEpochs) epochs, the snapshots \(epochs).") "
      + "Browsers without APNG support show the first epoch only. "
      + "Each tile is a 28\u{00D7}28 image drawn at \(scale)\u{00D7}."
    return (Animation(frames: frames, delayMs: 400, finalDelayMs: 2000), caption)
  }
}
