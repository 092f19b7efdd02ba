import DataFiles
import Imaging
import Runs

/// An inpainting model's figure: original, occluded and filled test images, with the
/// hole-only scores of metrics.json when vae-eval wrote them.
extension RunFigures {
  /// The occluded copies of the shown test images, their masks (1 = observed), and how to say where they came from.
  public struct Occlusions {
    /// [shown, d] bytes.
    public var occluded: [UInt8]
    /// [shown, d] bytes, 1 observed, 0 hidden.
    public var masks: [UInt8]
    /// The caption's words for them.
    public var text: String
  }

  /// The occluded test images of `testInput` with their masks read from `maskPath` (the first `shown` of each).
  public func occlusions(_ corrupted: IDXArray<UInt8>, testInput: String, masks: IDXArray<UInt8>, maskPath: String) -> Occlusions {
    let n = shown * d
    return Occlusions(
      occluded: Array(corrupted.scalars[0..<n]), masks: Array(masks.scalars[0..<n]),
      text: "occluded images \(testInput)\(inputs.corruption.map { " (\($0))" } ?? "") with masks \(maskPath)")
  }

  /// Occlusions drawn from the training mixture with a test-only seed, for a run given no occluded test images.
  public func drawnOcclusions() -> Occlusions {
    let shown = self.shown, d = self.d
    let seed = options.seed ^ 0x7E57
    let source = InpaintCondition(seed: seed, count: shown, height: dataset.height, width: dataset.width)
    var rows = [Float](repeating: 0, count: shown * 2 * d)  // [shown, 2d]: occluded image, then mask
    rows.withUnsafeMutableBufferPointer { rows in
      images.clean.scalars.withUnsafeBufferPointer { pixels in
        guard let out = rows.baseAddress, let base = pixels.baseAddress else { return }
        for i in 0..<shown { source.write(index: i, epoch: 0, image: base + i * d, into: out + i * 2 * d) }
      }
    }
    var occluded = [UInt8](repeating: 0, count: shown * d)
    var masks = [UInt8](repeating: 0, count: shown * d)
    for i in 0..<shown {
      for k in 0..<d {
        let value: Float = rows[i * 2 * d + k] * 255
        occluded[i * d + k] = UInt8(value.rounded())
        masks[i * d + k] = rows[i * 2 * d + d + k] == 0 ? 0 : 1
      }
    }
    return Occlusions(
      occluded: occluded, masks: masks,
      text: "occlusions drawn from the training mixture (seed \(seed); pass --test-input to show a fixed corruption)")
  }

  /// inpainting.png and its section, with the hole-only scores of `metrics` (read from `metricsPath`).
  public func drawInpainting(_ occlusions: Occlusions, metrics: RunMetrics?, metricsPath: String) throws -> Drawing {
    let shown = self.shown
    let clean = images.clean.scalars[0..<shown * d]
    let (occluded, masks) = (occlusions.occluded, occlusions.masks)
    let filled = model.inpaint(occluded: occluded[...], masks: masks[...], count: shown, latent: .priorMean)
    // Hidden pixels are shown mid-grey in the middle row so the hole is visible even over black background.
    let shownOccluded = zip(occluded, masks).map { $1 == 0 ? UInt8(100) : $0 }
    let rows = groups([tiles(clean, shown), tiles(shownOccluded[...], shown), tiles(filled, shown)])
    var drawing = Drawing()
    drawing.figures.append(Figure(ConditionalFile.inpainting, .png(try grid(rowsPerGroup: 3).render(rows: rows))))
    var blocks: [HTMLPage.Block] = [
      .figure(
        .image(
          ConditionalFile.inpainting,
          caption: "Inpainting, test images 0\u{2013}\(shown - 1) of \(inputs.testImages). Each group of three rows "
            + "shows the original (top), the occluded input with the hidden pixels drawn grey (middle; \(occlusions.text)) "
            + "and the filled image (bottom): the observed pixels kept, the hole filled by the decoder at the prior "
            + "mean (z = 0, or the prior network's mean for a learned prior), given the observed pixels and the mask as "
            + "its condition. \(conditionalScaleText)"))
    ]
    if let inpaint = metrics?.inpaint { blocks += Self.holeScores(inpaint, metricsPath: metricsPath) }
    drawing.sections.append(HTMLPage.Section(title: "Inpainting", blocks: blocks))
    return drawing
  }

  /// The rows of completions.png: at most this many occluded test images.
  public static let completionRows = 10
  /// The columns of completions.png holding draws from the prior.
  public static let completionDraws = 6

  /// completions.png and its section: one row per occluded test image, left to right the observed
  /// part (hidden pixels grey), the truth, `baseline`'s fill when given (another inpainting run,
  /// such as a deterministic regressor), the fill at the prior mean, and ``completionDraws``
  /// completions decoded from independent draws of the prior p(z | c) (seed `options.seed`).
  public func drawCompletions(_ occlusions: Occlusions, baseline: TrainedModel?) throws -> Drawing {
    let n = min(shown, Self.completionRows)
    let (occluded, masks) = (Array(occlusions.occluded[0..<n * d]), Array(occlusions.masks[0..<n * d]))
    let clean = images.clean.scalars[0..<n * d]
    let shownOccluded = zip(occluded, masks).map { $1 == 0 ? UInt8(100) : $0 }
    var columns = [tiles(shownOccluded[...], n), tiles(clean, n)]
    if let baseline {
      columns.append(tiles(baseline.inpaint(occluded: occluded[...], masks: masks[...], count: n, latent: .priorMean), n))
    }
    columns.append(tiles(model.inpaint(occluded: occluded[...], masks: masks[...], count: n, latent: .priorMean), n))
    for k in 0..<Self.completionDraws {
      columns.append(tiles(model.inpaintDraw(occluded: occluded[...], masks: masks[...], count: n, draw: k, seed: options.seed), n))
    }
    let rows = (0..<n).map { i in columns.map { $0[i] } }
    var drawing = Drawing()
    drawing.figures.append(Figure(ConditionalFile.completions, .png(try grid(columns: columns.count).render(rows: rows))))
    let prior = model.config.model.prior == .learned ? "the prior network p(z | c)" : "the prior N(0, I)"
    let baselineText = baseline.map { "the fill of the baseline \($0.path) (its prior mean), " } ?? ""
    drawing.sections.append(
      HTMLPage.Section(
        title: "Completions",
        blocks: [
          .figure(
            .image(
              ConditionalFile.completions,
              caption: "Completions of test images 0\u{2013}\(n - 1) of \(inputs.testImages), one image per row. Left to right: "
                + "the observed part (hidden pixels grey; \(occlusions.text)), the truth, \(baselineText)the fill at the "
                + "prior mean, and \(Self.completionDraws) completions, each decoded from its own draw of z from \(prior) "
                + "(seed \(options.seed)). Observed pixels are kept; only the hole differs. Different completions of one "
                + "row show what the model thinks the hole may hold: a distribution, not an average."))
        ]))
    return drawing
  }

  /// The hole-only MSE and PSNR of each way of filling the hole, from vae-eval.
  static func holeScores(_ inpaint: InpaintMetrics, metricsPath: String) -> [HTMLPage.Block] {
    func row(_ name: String, _ score: DenoiseScore?) -> [HTMLPage.Cell]? {
      guard let score else { return nil }
      return [.text(name), .text(RunMetrics.fixed(score.mse, 4)), .text(RunMetrics.fixed(score.psnr, 2))]
    }
    let model =
      inpaint.isDeterministic
      ? [row("deterministic baseline, no z (shown above)", inpaint.priorMean)]
      : [
        row("inpainting CVAE, z = prior mean (shown above)", inpaint.priorMean),
        row("inpainting CVAE, mean of \(inpaint.priorDrawCount ?? 0) prior draws", inpaint.priorDraws),
        row("inpainting CVAE, z = mu(occluded)", inpaint.encoder),
        row("inpainting CVAE, one draw from the prior", inpaint.priorSample),
      ]
    let rows = (model + [
      row("denoising VAE \(inpaint.denoiserCheckpoint ?? ""), decode(mu(occluded))", inpaint.denoiser),
      row("plain VAE \(inpaint.plainVAECheckpoint ?? ""), decode(mu(occluded))", inpaint.plainVAE),
      row("mean training image", inpaint.meanImage),
    ]).compactMap { $0 }
    return [
      .paragraph(
        "Inside the hole only, from \(metricsPath) (vae-eval): per image the MSE over the hidden pixels (mask 0) "
          + "of \(inpaint.masks), intensities in [0, 1], and PSNR = 10 log10(1 / MSE), averaged over the "
          + "\(inpaint.imagesWithHole) images with a hole (\(RunMetrics.fixed(100 * inpaint.holeFraction, 1))% of pixels hidden)."),
      .table(HTMLPage.Table(header: ["fill of the hole", "MSE", "PSNR (dB)"], rows: rows)),
    ]
  }
}
