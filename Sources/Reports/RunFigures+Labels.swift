import Foundation
import Imaging
import Runs

/// A cvae's figures: per-label generation, analogies, reconstructions given the true
/// labels, and its latent space under each label.
extension RunFigures {
  /// "Each tile is a 28x28 image drawn at 2x, as pixel probabilities; grey lines separate tiles."
  var conditionalScaleText: String {
    "Each tile is a \(dataset.tileText) image drawn at \(options.scale)\u{00D7}, as pixel probabilities; grey lines separate tiles."
  }

  /// Draws the cvae's figures; `labels` are the test images' labels, `planned` the figure
  /// files of the page (the latent ones are drawn only when planned).
  public func drawLabelled(labels: [UInt8], planned: [String]) throws -> Drawing {
    var drawing = Drawing()
    drawing.sections.append(try generationSection(into: &drawing))
    drawing.sections.append(try labelledReconstructions(labels: labels, into: &drawing))
    let checkpointText = "checkpoint \(URL(fileURLWithPath: model.path).lastPathComponent)"
    var blocks: [HTMLPage.Block] = []
    if planned.contains(LatentFile.labelManifolds) { blocks.append(try labelManifoldsBlock(checkpointText, into: &drawing)) }
    if planned.contains(LatentFile.scatter) {
      let (plot, caption) = latentScatter(model: model, labels: labels, checkpointText: checkpointText)
      drawing.figures.append(Figure(LatentFile.scatter, .scatter(plot)))
      blocks.append(
        .figure(
          .image(
            LatentFile.scatter,
            caption: caption + " Since the encoder is told the label, a cvae has no reason to separate the \(dataset.nouns) in z; "
              + "compare a plain VAE's scatter, where the labels form clusters.")))
    }
    if !blocks.isEmpty { drawing.sections.append(HTMLPage.Section(title: "Latent space", blocks: blocks)) }
    return drawing
  }

  /// labels.png (one row per label, the same codes in every row) and analogy.png
  /// (fixed codes, each decoded under every label); at most ``DatasetDescriptor/classesShown`` labels.
  func generationSection(into drawing: inout Drawing) throws -> HTMLPage.Section {
    let classes = dataset.shownLabels.count
    let seed = options.seed
    // One row per label: the same z ~ N(0, I) in every row, so a column is one "style".
    let codes = model.priorCodes(count: classes, seed: seed)
    let rowCodes = (0..<classes).flatMap { _ in codes }
    let rowLabels = (0..<classes).flatMap { label in [UInt8](repeating: UInt8(label), count: classes) }
    let perLabel = model.generate(codes: rowCodes, labels: rowLabels)
    let grid = grid(columns: classes)
    drawing.figures.append(Figure(ConditionalFile.labels, .png(try grid.render(tiles: tiles(perLabel, classes * classes)))))
    // Analogy: other fixed codes (rows), each decoded under the shown labels (columns).
    let rows = Self.analogyRows
    let fixed = model.priorCodes(count: rows, seed: seed &+ 1)
    let z = model.config.model.latent
    let analogyCodes = (0..<rows).flatMap { r in (0..<classes).flatMap { _ in fixed[r * z..<(r + 1) * z] } }
    let analogyLabels = (0..<rows).flatMap { _ in (0..<classes).map(UInt8.init) }
    let analogy = model.generate(codes: analogyCodes, labels: analogyLabels)
    drawing.figures.append(Figure(ConditionalFile.analogy, .png(try grid.render(tiles: tiles(analogy, rows * classes)))))
    return HTMLPage.Section(
      title: "Generation by label",
      blocks: [
        .figure(
          .image(
            ConditionalFile.labels,
            caption: "Per-label generation: row k shows decode(z, label k) for the "
              + "\(dataset.shownLabelsText(first: "top", last: "bottom")). "
              + "The same \(classes) codes z ~ N(0, I) (\(z) latent dimensions, seed \(seed)) are used in every row, so each column keeps "
              + "one latent code and only the label changes down it. \(conditionalScaleText)")),
        .figure(
          .image(
            ConditionalFile.analogy,
            caption: "Analogies: each row is one fixed code z ~ N(0, I) (seed \(seed &+ 1)) decoded under the labels of the "
              + "\(dataset.shownLabelsText(first: "left", last: "right")). With the \(dataset.noun)'s identity given by the label, "
              + "z carries the style \(dataset.styleText), which stays the same along a row. \(conditionalScaleText)")),
      ])
  }

  /// Pairs of rows: the clean test images and decode(mu(x, y), y) with their true labels.
  func labelledReconstructions(labels: [UInt8], into drawing: inout Drawing) throws -> HTMLPage.Section {
    let shown = self.shown
    let clean = images.clean.scalars[0..<shown * d]
    let restored = model.restore(clean, labels: Array(labels[0..<shown]))
    let pairs = groups([tiles(clean, shown), tiles(restored, shown)])
    drawing.figures.append(Figure(ConditionalFile.reconstructions, .png(try grid(rowsPerGroup: 2).render(rows: pairs))))
    return HTMLPage.Section(
      title: "Reconstructions",
      blocks: [
        .figure(
          .image(
            ConditionalFile.reconstructions,
            caption: "Test images 0\u{2013}\(shown - 1) of \(inputs.testImages) (top of each pair) and "
              + "decode(mu(x, y), y) with their true labels y from test-labels.idx (bottom). \(conditionalScaleText)"))
      ])
  }

  /// The per-label canvases of a cvae with a 2-D code.
  func labelManifoldsBlock(_ checkpointText: String, into drawing: inout Drawing) throws -> HTMLPage.Block {
    drawing.figures.append(Figure(LatentFile.labelManifolds, .png(try labelCanvases(model: model))))
    let n = Self.manifoldSide
    let grid = options.manifoldGrid
    return .figure(
      .image(
        LatentFile.labelManifolds,
        caption: "The 2-D latent space under each label, by \(checkpointText): one canvas per label, each decode(z, label k) "
          + "on the same \(n)\u{00D7}\(n) mesh of codes (\(grid.description(count: n)); --manifold-grid "
          + "\(grid.rawValue)), z1 rising left to right and z2 bottom to top. \(dataset.pairedLabelsText) "
          + "The label fixes the \(dataset.noun), so z is left to "
          + "carry its style: the same place in every canvas gives the same style \(dataset.styleText). "
          + "Each tile is \(dataset.tileText) pixels at 1\u{00D7}.",
        width: 1060))
  }
}
