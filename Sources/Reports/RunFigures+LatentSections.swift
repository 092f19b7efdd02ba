import DataFiles
import Imaging
import Runs

/// The page sections of the latent figures: each step draws its figure and adds the
/// caption, or says why the figure is not there.
extension RunFigures {
  /// Draws the figures `plan` names and returns them with the page sections that show
  /// them: "Latent space", then "Reconstructions over training" when there are snapshots.
  /// A figure whose data turns out unusable is left out with a warning (``Drawing/leftOut``).
  public func drawLatent(_ plan: LatentPlan, checkpointText: String, logEpochs: Int, warn: (String) -> Void) throws -> Drawing {
    var drawing = Drawing()
    var blocks: [HTMLPage.Block] = []
    blocks.append(try manifoldBlock(plan, checkpointText: checkpointText, into: &drawing))
    if let block = scatterBlock(plan, checkpointText: checkpointText, into: &drawing, warn: warn) { blocks.append(block) }
    if let block = try interpolationBlock(plan, checkpointText: checkpointText, into: &drawing) { blocks.append(block) }
    drawing.sections.append(HTMLPage.Section(title: "Latent space", blocks: blocks))
    if let snapshotsPath = plan.snapshotsPath {
      overTrainingSection(path: snapshotsPath, logEpochs: logEpochs, into: &drawing, warn: warn)
    }
    return drawing
  }

  /// "Each tile is a 28x28 image drawn at 2x."
  var scaleText: String { "Each tile is a 28\u{00D7}28 image drawn at \(options.scale)\u{00D7}." }

  /// The manifold canvas, or a paragraph saying why there is none.
  func manifoldBlock(_ plan: LatentPlan, checkpointText: String, into drawing: inout Drawing) throws -> HTMLPage.Block {
    guard plan.isUnconditional else {
      return .paragraph("This is a \(plan.kind) model: its latent figures are drawn per condition with its own figures.")
    }
    guard plan.figures.contains(LatentFile.manifold) else {
      return .paragraph(
        "No manifold canvas: it needs a latent code of exactly 2 dimensions and this model's has \(plan.latent). "
          + "pipelines/manifold.sh trains one.")
    }
    let n = Self.manifoldSide
    let grid = options.manifoldGrid
    drawing.figures.append(Figure(LatentFile.manifold, .png(try manifoldCanvas(model: model))))
    return .figure(
      .image(
        LatentFile.manifold,
        caption: "The learned 2-D manifold: decode(z) on a \(n)\u{00D7}\(n) mesh of latent codes, by \(checkpointText). "
          + "z1 rises from left to right and z2 from bottom to top; \(grid.description(count: n)) "
          + "(--manifold-grid \(grid.rawValue)). Pixel probabilities, no gaps between tiles. \(scaleText)"))
  }

  /// The latent scatter of the test set, or a paragraph saying why there is none (nil for a conditional kind).
  func scatterBlock(
    _ plan: LatentPlan, checkpointText: String, into drawing: inout Drawing, warn: (String) -> Void
  ) -> HTMLPage.Block? {
    guard plan.figures.contains(LatentFile.scatter), let labelsPath = plan.labelsPath else {
      guard plan.isUnconditional else { return nil }
      if plan.latent < 2 { return .paragraph("No latent scatter: the latent code has a single dimension.") }
      return .paragraph("No latent scatter: there is no test-labels.idx beside \(inputs.testImages) to colour the points by.")
    }
    do {
      let labels = try DigitSet.loadLabels(path: labelsPath, classes: model.classCount)
      try checkLabels(labels, path: labelsPath)
      let (plot, caption) = latentScatter(model: model, labels: labels, checkpointText: checkpointText)
      drawing.figures.append(Figure(LatentFile.scatter, .scatter(plot)))
      return .figure(.image(LatentFile.scatter, caption: caption))
    } catch {
      warn("leaving the latent scatter out: \(error)")
      drawing.leftOut.append(LatentFile.scatter)
      return nil
    }
  }

  /// Refuses labels that are not one per test image.
  public func checkLabels(_ labels: [UInt8], path: String) throws {
    guard labels.count == images.count else {
      throw RunError.dataMismatch(
        path: path, reason: "holds \(labels.count) labels for the \(images.count) images of \(inputs.testImages)")
    }
  }

  /// The interpolations between test images 2k and 2k + 1; nil (and left out) when there is no pair.
  func interpolationBlock(_ plan: LatentPlan, checkpointText: String, into drawing: inout Drawing) throws -> HTMLPage.Block? {
    let pairs = plan.figures.contains(LatentFile.interpolation) ? min(Self.interpolationPairs, images.count / 2) : 0
    guard pairs >= 1 else {
      drawing.leftOut.append(LatentFile.interpolation)
      return nil
    }
    drawing.figures.append(Figure(LatentFile.interpolation, .png(try interpolation(pairs: pairs))))
    let last = 2 * pairs - 1
    let steps = Self.interpolationSteps
    return .figure(
      .image(
        LatentFile.interpolation,
        caption: "Interpolation in the latent space, by \(checkpointText). Row k joins test images 2k and 2k + 1 "
          + "(images 0\u{2013}\(last) of \(inputs.testImages)): the first and last tiles are the clean images, the "
          + "\(steps) between them decode z = (1 \u{2212} t)\u{00B7}mu(a) + t\u{00B7}mu(b) for t = 0, 1/\(steps - 1), \u{2026}, 1, "
          + "moving linearly from one posterior mean to the other (\(encoderInputs(model: model).text)). "
          + "Grey lines separate the originals from the path. \(scaleText)"))
  }

  /// The animation of the reconstructions over training, in a section of its own.
  func overTrainingSection(path: String, logEpochs: Int, into drawing: inout Drawing, warn: (String) -> Void) {
    do {
      let (animation, caption) = try overTraining(path: path, corruptedRow: model.config.testInput != nil, logEpochs: logEpochs)
      drawing.figures.append(Figure(LatentFile.overTraining, .animation(animation)))
      drawing.sections.append(
        HTMLPage.Section(title: "Reconstructions over training", blocks: [.figure(.image(LatentFile.overTraining, caption: caption))]))
    } catch {
      warn("leaving the reconstructions over training out: \(error)")
      drawing.leftOut.append(LatentFile.overTraining)
    }
  }
}
