import DataFiles
import Foundation
import Imaging
import Models

/// vae-render for the conditional models: a cvae's per-label grid, analogy grid and
/// labelled reconstructions; an inpaint model's original / occluded / filled triplets.
extension RenderStage {
  /// The conditional figures, by role.
  public enum ConditionalFile {
    public static let labels = "labels.png"
    public static let analogy = "analogy.png"
    public static let reconstructions = RenderStage.File.reconstructions
    public static let inpainting = "inpainting.png"
  }

  /// Rows of the analogy grid: fixed latent codes, each decoded under the ten labels.
  public static let analogyRows = 8

  /// Renders a cvae or inpaint run (called by ``run(warn:)`` for those kinds).
  func runConditional(_ inputs: EvaluationInputs, warn: (String) -> Void) throws -> Outcome {
    let model = inputs.model
    let runFolder = TrainingSession.Folder(path: run)
    let log = try TrainingLog.read(from: runFolder.log)
    let (metrics, metricsProblem) = readMetrics(warn: warn)
    let metricsPath = self.metricsPath
    let maskPath = model.kind == .inpaint ? EvaluationStage.maskPath(testMask: nil, testInput: inputs.testInputPath) : nil
    var figures: [String] =
      model.kind == .cvae
      ? [ConditionalFile.labels, ConditionalFile.analogy, ConditionalFile.reconstructions] : [ConditionalFile.inpainting]
    let latent = model.config.model.latent
    if model.kind == .cvae && latent == 2 { figures.append(LatentFile.labelManifolds) }
    if model.kind == .cvae && latent >= 2 { figures.append(LatentFile.scatter) }
    if !log.rows.isEmpty { figures += [File.loss, File.lossParts] }
    let levelsPlot = levelsPlotPath
    if levelsPlot != nil { figures.append(File.levels) }
    let outputs = (figures + [File.index]).map { folder + "/" + $0 }
    let sources =
      inputs.inputFiles + [maskPath].compactMap { $0 }
      + [runFolder.log, metricsPath].filter { FileManager.default.fileExists(atPath: $0) } + [levelsPlot].compactMap { $0 }
    let options = [
      "count": String(count), "rows": String(rows), "scale": String(scale), "seed": String(seed), "kind": model.kind.rawValue,
      "manifold-grid": manifoldGrid.rawValue,
    ]
    let manifestPath = StageManifest.path(folder: folder, stage: Self.stageName)
    if StageManifest.isUpToDate(at: manifestPath, stage: Self.stageName, options: options, inputs: sources, outputs: outputs) {
      return .skipped(folder: folder)
    }
    let images = try inputs.loadImages()
    try Folders.create(folder)
    try? FileManager.default.removeItem(atPath: manifestPath)
    let d = images.clean.itemSize
    let side = DigitSet.side
    let shown = min(count * rows, images.count)
    func tiles(_ values: [Float], _ n: Int) -> [[UInt8]] {
      let bytes = PixelQuantisation.bytes(values)
      return (0..<n).map { Array(bytes[$0 * d..<($0 + 1) * d]) }
    }
    func tiles(_ bytes: ArraySlice<UInt8>, _ n: Int) -> [[UInt8]] {
      (0..<n).map { Array(bytes[bytes.startIndex + $0 * d..<bytes.startIndex + ($0 + 1) * d]) }
    }
    func chunks(_ tiles: [[UInt8]]) -> [[[UInt8]]] {
      stride(from: 0, to: tiles.count, by: count).map { Array(tiles[$0..<min($0 + count, tiles.count)]) }
    }
    var page = HTMLPage(
      title: "DigitVAE \(model.kind.rawValue) run \(URL(fileURLWithPath: run).standardizedFileURL.lastPathComponent)",
      subtitle: "vae-render of \(model.path)\(inputs.position.map { ", " + $0.description } ?? ""); test images from \(inputs.testImagesPath).")
    let scaleText = "Each tile is a 28\u{00D7}28 image drawn at \(scale)\u{00D7}, as pixel probabilities; grey lines separate tiles."
    let zText = "\(model.config.model.latent) latent dimensions"

    switch model.kind {
    case .vae:
      preconditionFailure("plain VAE runs are rendered by run(warn:)")
    case .cvae:
      let classes = ModelKind.classes
      // One row per digit: the same ten z ~ N(0, I) in every row, so a column is one "style".
      let codes = model.priorCodes(count: classes, seed: seed)
      let rowCodes = (0..<classes).flatMap { _ in codes }
      let rowLabels = (0..<classes).flatMap { label in [UInt8](repeating: UInt8(label), count: classes) }
      let perLabel = model.generate(codes: rowCodes, labels: rowLabels)
      let grid = ImageGrid(tileWidth: side, tileHeight: side, columns: classes, tileScale: scale)
      try grid.render(tiles: tiles(perLabel, classes * classes)).writePNG(to: folder + "/" + ConditionalFile.labels)
      // Analogy: other fixed codes (rows), each decoded under labels 0...9 (columns).
      let fixed = model.priorCodes(count: Self.analogyRows, seed: seed &+ 1)
      let z = model.config.model.latent
      let analogyCodes = (0..<Self.analogyRows).flatMap { r in (0..<classes).flatMap { _ in fixed[r * z..<(r + 1) * z] } }
      let analogyLabels = (0..<Self.analogyRows).flatMap { _ in (0..<classes).map(UInt8.init) }
      let analogy = model.generate(codes: analogyCodes, labels: analogyLabels)
      try grid.render(tiles: tiles(analogy, Self.analogyRows * classes)).writePNG(to: folder + "/" + ConditionalFile.analogy)
      let dataFolder = FilePaths.parent(of: inputs.testImagesPath)
      let labels = try TrainingSession.labels(folder: dataFolder.isEmpty ? "." : dataFolder, split: .test, images: images.count)
      let clean = images.clean.scalars[0..<shown * d]
      let restored = model.restore(clean, labels: Array(labels[0..<shown]))
      let pairs = zip(chunks(tiles(clean, shown)), chunks(tiles(restored, shown))).flatMap { [$0, $1] }
      let pairGrid = ImageGrid(tileWidth: side, tileHeight: side, columns: count, rowsPerGroup: 2, tileScale: scale)
      try pairGrid.render(rows: pairs).writePNG(to: folder + "/" + ConditionalFile.reconstructions)
      page.add(
        HTMLPage.Section(
          title: "Generation by label",
          blocks: [
            .figure(
              .image(
                ConditionalFile.labels,
                caption: "Per-label generation: row k shows decode(z, label k) for digits 0 (top) to 9 (bottom). "
                  + "The same ten codes z ~ N(0, I) (\(zText), seed \(seed)) are used in every row, so each column keeps "
                  + "one latent code and only the label changes down it. \(scaleText)")),
            .figure(
              .image(
                ConditionalFile.analogy,
                caption: "Analogies: each row is one fixed code z ~ N(0, I) (seed \(seed &+ 1)) decoded under the labels 0 "
                  + "(left) to 9 (right). With the digit's identity given by the label, z carries the style "
                  + "(slant, stroke width, size), which stays the same along a row. \(scaleText)")),
          ]))
      page.add(
        HTMLPage.Section(
          title: "Reconstructions",
          blocks: [
            .figure(
              .image(
                ConditionalFile.reconstructions,
                caption: "Test images 0\u{2013}\(shown - 1) of \(inputs.testImagesPath) (top of each pair) and "
                  + "decode(mu(x, y), y) with their true labels y from test-labels.idx (bottom). \(scaleText)"))
          ]))
      let checkpointText = "checkpoint \(URL(fileURLWithPath: model.path).lastPathComponent)"
      var latentBlocks: [HTMLPage.Block] = []
      if figures.contains(LatentFile.labelManifolds) {
        try labelCanvases(model: model).writePNG(to: folder + "/" + LatentFile.labelManifolds)
        let n = Self.manifoldSide
        latentBlocks.append(
          .figure(
            .image(
              LatentFile.labelManifolds,
              caption: "The 2-D latent space under each label, by \(checkpointText): ten canvases, each decode(z, label k) "
                + "on the same \(n)\u{00D7}\(n) mesh of codes (\(manifoldGrid.description(count: n)); --manifold-grid "
                + "\(manifoldGrid.rawValue)), z1 rising left to right and z2 bottom to top. Labels 0 and 1 on the top row, "
                + "2 and 3 below, down to 8 and 9. The label fixes the digit, so z is left to carry its style: the same "
                + "place in every canvas gives the same slant and stroke. Each tile is 28\u{00D7}28 pixels at 1\u{00D7}.",
              width: 1060)))
      }
      if figures.contains(LatentFile.scatter) {
        let (plot, caption) = latentScatter(
          model: model, images: images, labels: labels, source: inputs.testImagesPath, checkpointText: checkpointText)
        try plot.writeSVG(to: folder + "/" + LatentFile.scatter)
        latentBlocks.append(
          .figure(
            .image(
              LatentFile.scatter,
              caption: caption + " Since the encoder is told the label, a cvae has no reason to separate the digits in z; "
                + "compare a plain VAE's scatter, where the labels form clusters.")))
      }
      if !latentBlocks.isEmpty { page.add(HTMLPage.Section(title: "Latent space", blocks: latentBlocks)) }
    case .inpaint:
      let clean = images.clean.scalars[0..<shown * d]
      let occluded: [UInt8]
      let masks: [UInt8]
      let maskText: String
      if let corrupted = images.corrupted, let maskPath, let testInputPath = inputs.testInputPath {
        let all = try EvaluationStage.loadMasks(path: maskPath, like: corrupted, occludedPath: testInputPath)
        occluded = Array(corrupted.scalars[0..<shown * d])
        masks = Array(all.scalars[0..<shown * d])
        maskText = "occluded images \(testInputPath)\(inputs.corruption.map { " (\($0))" } ?? "") with masks \(maskPath)"
      } else {
        // No occluded test images given: draw occlusions from the training mixture with a test-only seed.
        let source = InpaintCondition(seed: seed ^ 0x7E57, count: shown)
        var rows = [Float](repeating: 0, count: shown * 2 * d)
        rows.withUnsafeMutableBufferPointer { rows in
          clean.withUnsafeBufferPointer { pixels in
            guard let out = rows.baseAddress, let base = pixels.baseAddress else { return }
            for i in 0..<shown { source.write(index: i, epoch: 0, image: base + i * d, into: out + i * 2 * d) }
          }
        }
        var occludedBytes = [UInt8](repeating: 0, count: shown * d)
        var maskBytes = [UInt8](repeating: 0, count: shown * d)
        for i in 0..<shown {
          for k in 0..<d {
            let value: Float = rows[i * 2 * d + k] * 255
            occludedBytes[i * d + k] = UInt8(value.rounded())
            maskBytes[i * d + k] = rows[i * 2 * d + d + k] == 0 ? 0 : 1
          }
        }
        occluded = occludedBytes
        masks = maskBytes
        maskText = "occlusions drawn from the training mixture (seed \(seed ^ 0x7E57); pass --test-input to show a fixed corruption)"
      }
      let filled = model.inpaint(occluded: occluded[...], masks: masks[...], count: shown, latent: .priorMean)
      // Hidden pixels are shown mid-grey in the middle row so the hole is visible even over black background.
      let shownOccluded = zip(occluded, masks).map { $1 == 0 ? UInt8(100) : $0 }
      let groups = zip(zip(chunks(tiles(clean, shown)), chunks(tiles(shownOccluded[...], shown))), chunks(tiles(filled, shown)))
        .flatMap { [$0.0, $0.1, $1] }
      let grid = ImageGrid(tileWidth: side, tileHeight: side, columns: count, rowsPerGroup: 3, tileScale: scale)
      try grid.render(rows: groups).writePNG(to: folder + "/" + ConditionalFile.inpainting)
      var blocks: [HTMLPage.Block] = [
        .figure(
          .image(
            ConditionalFile.inpainting,
            caption: "Inpainting, test images 0\u{2013}\(shown - 1) of \(inputs.testImagesPath). Each group of three rows "
              + "shows the original (top), the occluded input with the hidden pixels drawn grey (middle; \(maskText)) "
              + "and the filled image (bottom): the observed pixels kept, the hole filled by the decoder at z = 0, the "
              + "prior mean, given the observed pixels and the mask as its condition. \(scaleText)"))
      ]
      if let inpaint = metrics?.inpaint {
        blocks.append(
          .paragraph(
            "Inside the hole only, from \(metricsPath) (vae-eval): per image the MSE over the hidden pixels (mask 0) "
              + "of \(inpaint.masks), intensities in [0, 1], and PSNR = 10 log10(1 / MSE), averaged over the "
              + "\(inpaint.imagesWithHole) images with a hole (\(RunMetrics.fixed(100 * inpaint.holeFraction, 1))% of pixels hidden)."))
        func row(_ name: String, _ score: DenoiseScore?) -> [HTMLPage.Cell]? {
          guard let score else { return nil }
          return [.text(name), .text(RunMetrics.fixed(score.mse, 4)), .text(RunMetrics.fixed(score.psnr, 2))]
        }
        let rows = [
          row("inpainting CVAE, z = 0 (shown above)", inpaint.priorMean),
          row("inpainting CVAE, z = mu(occluded)", inpaint.encoder),
          row("inpainting CVAE, z ~ N(0, I)", inpaint.priorSample),
          row("plain VAE \(inpaint.plainVAECheckpoint ?? ""), decode(mu(occluded))", inpaint.plainVAE),
          row("mean training image", inpaint.meanImage),
        ].compactMap { $0 }
        blocks.append(.table(HTMLPage.Table(header: ["fill of the hole", "MSE", "PSNR (dB)"], rows: rows)))
      }
      page.add(HTMLPage.Section(title: "Inpainting", blocks: blocks))
    }
    let report = RunReport(
      run: run, inputs: inputs, config: model.config, log: log, metrics: metrics, metricsPath: metricsPath,
      metricsProblem: metricsProblem, shown: shown, columns: count, scale: scale, seed: seed,
      samplesSide: Self.samplesSide, figures: Set(figures))
    if !log.rows.isEmpty {
      try report.lossPlot().writeSVG(to: folder + "/" + File.loss)
      try report.lossPartsPlot().writeSVG(to: folder + "/" + File.lossParts)
    }
    page.add(report.lossSection())
    page.add(report.metricsSection())
    if let levelsPlot {
      try copyLevelsPlot(from: levelsPlot)
      if let levels = report.levelsSection() { page.add(levels) }
    }
    page.add(HTMLPage.Section(title: "Configuration", blocks: report.configBlocks()))
    page.add(report.logSection())
    try page.write(to: folder + "/" + File.index)
    for stale in File.figures + LatentFile.all + [ConditionalFile.labels, ConditionalFile.analogy, ConditionalFile.inpainting]
    where !figures.contains(stale) {
      try? FileManager.default.removeItem(atPath: folder + "/" + stale)
    }
    try StageManifest.stamping(stage: Self.stageName, options: options, inputs: sources, outputs: outputs)
      .write(to: manifestPath)
    return .wrote(folder: folder, files: figures + [File.index])
  }
}
