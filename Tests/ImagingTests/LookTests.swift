import Foundation
import Testing
@testable import Imaging

/// Renders example figures into /tmp/imaging-look for a person to look at
/// (`LOOK=1 swift test --filter LookTests`). Skipped otherwise: it checks
/// nothing a machine can judge, only that writing succeeds.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["LOOK"] == "1"))
struct LookTests {
  let folder = "/tmp/imaging-look"

  func digits(_ count: Int, seed: UInt64) -> [[Float]] {
    (0..<count).map { SyntheticDigits.digit($0 % 10, seed: seed + UInt64($0)) }
  }

  @Test func renderExamples() throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var rng = SplitMix(seed: 11)

    // Original / corrupted / restored triplets, two groups of ten.
    let originals = digits(20, seed: 100)
    let corrupted = originals.map { tile in tile.map { min(1, max(0, $0 + Float(rng.uniform(-0.45, 0.45)))) } }
    let restored = originals.map { tile in tile.map { $0 > 0.5 ? Float(0.92) : $0 * 0.7 } }
    var rows: [[[Float]]] = []
    for g in 0..<2 {
      let range = (g * 10)..<(g * 10 + 10)
      rows += [Array(originals[range]), Array(corrupted[range]), Array(restored[range])]
    }
    let triplets = ImageGrid(columns: 10, rowsPerGroup: 3, groupGap: 6)
    try triplets.render(rows: rows).scaled(by: 3).writePNG(to: folder + "/denoise-triplets.png")
    var thin = triplets
    thin.tileScale = 3
    try thin.render(rows: rows).writePNG(to: folder + "/denoise-triplets-thin.png")

    // One row per label.
    let many = digits(120, seed: 500)
    let labels = (0..<120).map { $0 % 10 }
    let byLabel = try ImageGrid.rowsByLabel(many, labels: labels, classes: 10, perRow: 8)
    try ImageGrid(columns: 8).render(rows: byLabel).scaled(by: 2).writePNG(to: folder + "/by-label.png")

    // Reconstructions across training: blur fading out over six epochs.
    let batch = digits(8, seed: 900)
    let frames = try (0..<6).map { epoch in
      let tiles = batch.map { tile in tile.map { $0 * Float(epoch + 1) / 6 + Float(5 - epoch) * 0.05 } }
      return try ImageGrid(columns: 8).render(tiles: tiles).scaled(by: 3)
    }
    try Animation(frames: frames, delayMs: 400, finalDelayMs: 1500).writePNG(to: folder + "/recon-across-training.png")

    // An RGB figure: occluded region tinted red over a grey digit.
    var tinted = RGBImage(try GreyImage(width: 28, height: 28, values: originals[3]))
    for y in 10..<20 { for x in 6..<22 { tinted[x, y] = (tinted[x, y].red / 2 + 120, tinted[x, y].green / 2, tinted[x, y].blue / 2) } }
    try tinted.scaled(by: 6).writePNG(to: folder + "/mask-overlay.png")

    // Loss curves: train solid, test dashed, recon and KL in two colours.
    let epochs = (1...20).map(Double.init)
    var loss = LinePlot(title: "Loss per epoch", xLabel: "epoch", yLabel: "nats per image")
    loss.add(.init(name: "train reconstruction", x: epochs, y: epochs.map { 78 + 90 / ($0 + 0.5) }, colourIndex: 0))
    loss.add(.init(name: "test reconstruction", x: epochs, y: epochs.map { 80 + 86 / ($0 + 0.5) }, colourIndex: 0, dashed: true))
    loss.add(.init(name: "train KL", x: epochs, y: epochs.map { 26 - 8 / $0 }, colourIndex: 1))
    loss.add(.init(name: "test KL", x: epochs, y: epochs.map { 25.5 - 8 / $0 }, colourIndex: 1, dashed: true))
    try loss.writeSVG(to: folder + "/loss.svg")

    var logLoss = LinePlot(title: "Total loss (log scale)", xLabel: "step", yLabel: "loss", logY: true)
    let steps = (0..<200).map { Double($0 * 50) }
    logLoss.add(.init(name: "train", x: steps, y: steps.map { 105 + 450 * exp(-$0 / 800) }))
    try logLoss.writeSVG(to: folder + "/loss-log.svg")

    let sigmas = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    var psnr = LinePlot(title: "Denoising quality against noise level", xLabel: "noise σ", yLabel: "PSNR (dB)")
    psnr.add(.init(name: "noisy input", x: sigmas, y: sigmas.map { $0 == 0 ? 40 : -20 * log10($0) }))
    psnr.add(.init(name: "VAE restored", x: sigmas, y: sigmas.map { 24 - 9 * $0 }))
    psnr.add(.init(name: "denoising VAE", x: sigmas, y: sigmas.map { 25 - 5 * $0 }))
    try psnr.writeSVG(to: folder + "/psnr.svg")

    let points: [ScatterPlot.Point] = (0..<10_000).map { i in
      let c = i % 10
      let angle = Double(c) / 10 * 2 * Double.pi
      let r = (rng.uniform(0, 1) + rng.uniform(0, 1) + rng.uniform(0, 1) - 1.5) * 1.1
      let s = (rng.uniform(0, 1) + rng.uniform(0, 1) + rng.uniform(0, 1) - 1.5) * 1.1
      return .init(x: 2.4 * cos(angle) + r, y: 2.4 * sin(angle) + s, category: c)
    }
    let scatter = ScatterPlot(title: "Latent means of 10,000 test digits", xLabel: "z₁", yLabel: "z₂", points: points)
    try scatter.writeSVG(to: folder + "/latent.svg")

    var page = HTMLPage(title: "Example report <look>", subtitle: "Rendered by LookTests from synthetic data")
    var images = HTMLPage.Section(title: "Digits")
    images.add(.figure(.image("denoise-triplets.png", caption: "original / corrupted / restored, two groups of ten")))
    images.add(.figures([
      .image("by-label.png", caption: "one row per label"),
      .image("recon-across-training.png", caption: "reconstructions across training (APNG)"),
      .image("mask-overlay.png", caption: "occluded region in red", width: 168),
    ]))
    page.add(images)
    var plots = HTMLPage.Section(title: "Plots")
    plots.add(.figure(.svg(loss.svg(), caption: "loss per epoch")))
    plots.add(.figures([.svg(psnr.svg(), caption: "PSNR"), .image("latent.svg", caption: "latent space")]))
    page.add(plots)
    var numbers = HTMLPage.Section(title: "Numbers")
    numbers.add(.keyValues([.init("epochs", "20"), .init("latent size", "2"), .init("learning rate", "0.001")]))
    numbers.add(.table(.init(header: ["run", "test ELBO", "PSNR", "report"], rows: [
      ["denoise", .number("-104.21"), .number("21.3"), .link("index", href: "runs/denoise/index.html")],
      ["inpaint", .number("-98.70"), .number("19.8"), .link("index", href: "runs/inpaint/index.html")],
    ])))
    page.add(numbers)
    try page.write(to: folder + "/index.html")
  }
}
