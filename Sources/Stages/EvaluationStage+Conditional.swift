import Compute
import DataFiles
import Foundation
import Models

/// vae-eval for the conditional models: the test ELBO under each image's condition and,
/// for an inpainting model, the hole-only scores against a plain VAE and a trivial fill.
extension EvaluationStage {
  /// The mask file of an inpainting evaluation: `testMask`, else `mask.idx` beside the occluded images.
  static func maskPath(testMask: String?, testInput: String?) -> String? {
    if let testMask { return testMask }
    guard let testInput else { return nil }
    let folder = FilePaths.parent(of: testInput)
    return folder.isEmpty ? "mask.idx" : folder + "/mask.idx"
  }

  /// Reads test masks, checked to be 0/1 bytes of the occluded images' shape.
  static func loadMasks(path: String, like occluded: IDXArray<UInt8>, occludedPath: String) throws -> IDXArray<UInt8> {
    guard FileManager.default.fileExists(atPath: path) else {
      throw StageError.missingInput(path: path, hint: "an inpainting model needs the masks of the occluded test images; vae-corrupt writes mask.idx beside images.idx")
    }
    let masks = try DigitSet.loadImages(path: path)
    guard masks.itemCount == occluded.itemCount else {
      throw StageError.dataMismatch(
        path: path, reason: "holds \(masks.itemCount) masks but \(occludedPath) holds \(occluded.itemCount) images; were they made together?")
    }
    if let bad = masks.scalars.firstIndex(where: { $0 > 1 }) {
      throw StageError.dataMismatch(path: path, reason: "mask value \(masks.scalars[bad]) at byte \(bad); masks hold 1 (observed) or 0 (hidden)")
    }
    return masks
  }

  /// metrics.json for a cvae or inpaint model.
  static func measureConditional(
    _ inputs: EvaluationInputs, images: EvaluationInputs.Images, seed: UInt64, threads: Int, testMask: String?,
    compare: TrainedModel?, iwSamples: Int? = nil, judge: JudgeScoring? = nil, judgeSamples: Int = 1000
  ) throws -> RunMetrics {
    let start = Progress.monotonicSeconds()
    let model = inputs.model
    let n = images.count
    let d = images.clean.itemSize
    let clean = images.clean.scalars
    let dataFolder = FilePaths.parent(of: inputs.testImagesPath)
    var metrics = RunMetrics(
      checkpoint: model.path, epoch: inputs.position?.epoch, step: inputs.position?.globalStep,
      testImages: inputs.testImagesPath, testInput: inputs.testInputPath, corruption: inputs.corruption,
      testImageCount: n, elbo: LossReport(total: 0, recon: 0, kl: 0), denoise: nil, seed: seed, seconds: 0)
    switch model.kind {
    case .vae:
      return measure(inputs, images: images, seed: seed, threads: threads, iwSamples: iwSamples, judge: judge)
    case .cvae:
      let labels = try TrainingSession.labels(folder: dataFolder.isEmpty ? "." : dataFolder, split: .test, images: n)
      let conditions = LabelCondition.oneHot(labels, classes: ModelKind.classes)
      metrics.elbo = model.elbo(inputs: clean, conditions: conditions, count: n, seed: seed)
      if let k = iwSamples {
        let iwStart = Progress.monotonicSeconds()
        metrics.iwNLL = -model.importanceWeightedBound(images: clean[...], labels: labels[...], count: n, samples: k, seed: seed)
        metrics.iwSamples = k
        metrics.iwSeconds = Progress.monotonicSeconds() - iwStart
      }
      var restoration: [Float]?
      if let corrupted = images.corrupted?.scalars {
        let restored = model.restore(corrupted[...], labels: labels)
        restoration = restored
        let side = DigitSet.side
        let median = MedianFilter.median3x3(images: corrupted, count: n, width: side, height: side, parallel: Parallel(threads: threads))
        metrics.denoise = RunMetrics.Denoise(
          restored: DenoiseScore.measure(restored, against: clean, count: n, size: d, width: DigitSet.side),
          corrupted: DenoiseScore.measure(corrupted, against: clean, count: n, size: d, width: DigitSet.side),
          median3x3: DenoiseScore.measure(median, against: clean, count: n, size: d, width: DigitSet.side),
          elboCorruptedInput: model.elbo(inputs: corrupted, targets: clean, conditions: conditions, count: n, seed: seed))
      }
      metrics.judge = judge?.scores(clean: clean, corrupted: images.corrupted?.scalars, restored: restoration)
      metrics.judge?.generation = judge?.generation(of: model, samplesPerLabel: judgeSamples, seed: seed)
    case .inpaint:
      guard let occludedArray = images.corrupted, let occludedPath = inputs.testInputPath,
        let maskPath = maskPath(testMask: testMask, testInput: occludedPath)
      else {
        throw StageError.missingInput(
          path: inputs.testImagesPath + " (occluded copy)",
          hint: "an inpainting model is evaluated on occluded test images: give --test-input <vae-corrupt folder>/images.idx")
      }
      let masks = try loadMasks(path: maskPath, like: occludedArray, occludedPath: occludedPath).scalars
      let occluded = occludedArray.scalars
      let conditions = InpaintCondition.conditions(occluded: occluded[...], masks: masks[...], count: n)
      metrics.elbo = model.elbo(inputs: clean, conditions: conditions, count: n, seed: seed)
      let priorMean = model.inpaint(occluded: occluded[...], masks: masks[...], count: n, latent: .priorMean)
      let encoder = model.inpaint(occluded: occluded[...], masks: masks[...], count: n, latent: .encoder)
      let sampled = model.inpaint(occluded: occluded[...], masks: masks[...], count: n, latent: .priorSample)
      let side = DigitSet.side
      let median = MedianFilter.median3x3(images: occluded, count: n, width: side, height: side, parallel: Parallel(threads: threads))
      metrics.denoise = RunMetrics.Denoise(
        restored: DenoiseScore.measure(priorMean, against: clean, count: n, size: d, width: DigitSet.side),
        corrupted: DenoiseScore.measure(occluded, against: clean, count: n, size: d, width: DigitSet.side),
        median3x3: DenoiseScore.measure(median, against: clean, count: n, size: d, width: DigitSet.side),
        elboCorruptedInput: model.elbo(inputs: occluded, targets: clean, conditions: conditions, count: n, seed: seed))
      var plain: DenoiseScore?
      if let compare {
        let restored = compare.restore(occluded[...], count: n)
        plain = InpaintMetrics.holeScore(
          TrainedModel.composite(restored, occluded: occluded[...], masks: masks[...]), clean: clean, masks: masks, count: n, size: d).score
      }
      let mean = try meanTrainingImage(folder: model.config.data, pixels: d)
      let meanFill = TrainedModel.composite(
        (0..<n).flatMap { _ in mean }, occluded: occluded[...], masks: masks[...])
      let prior = InpaintMetrics.holeScore(priorMean, clean: clean, masks: masks, count: n, size: d)
      let hidden = masks.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
      metrics.inpaint = InpaintMetrics(
        masks: maskPath, imagesWithHole: prior.images, holeFraction: Double(hidden) / Double(max(1, n * d)),
        priorMean: prior.score, encoder: InpaintMetrics.holeScore(encoder, clean: clean, masks: masks, count: n, size: d).score,
        plainVAE: plain, plainVAECheckpoint: compare?.path,
        meanImage: InpaintMetrics.holeScore(meanFill, clean: clean, masks: masks, count: n, size: d).score)
      metrics.inpaint?.priorSample = InpaintMetrics.holeScore(sampled, clean: clean, masks: masks, count: n, size: d).score
      // The filled images of the figure and of denoise.restored: observed pixels kept, the hole decoded at z = 0.
      metrics.judge = judge?.scores(clean: clean, corrupted: occluded, restored: priorMean)
    }
    metrics.seconds = Progress.monotonicSeconds() - start
    return metrics
  }

  /// The mean of the training images in `folder`, [pixels] in [0, 1].
  static func meanTrainingImage(folder: String, pixels: Int) throws -> [Float] {
    let train = try DigitSet.loadImages(folder: folder, split: .train)
    var sums = [Double](repeating: 0, count: pixels)
    for i in 0..<train.itemCount {
      for k in 0..<pixels { sums[k] += Double(train.scalars[i * pixels + k]) }
    }
    return sums.map { Float($0 / (255 * Double(max(1, train.itemCount)))) }
  }

  /// The plain VAE a --compare-run names, refused unless it is one.
  static func comparison(run: String?, threads: Int) throws -> TrainedModel? {
    guard let run else { return nil }
    let model = try TrainedModel.load(run: run, checkpoint: nil, threads: threads)
    guard model.kind == .vae else {
      throw StageError.badConfig(path: model.path, reason: "--compare-run must name a plain VAE run, this one is \(model.kind.rawValue)")
    }
    return model
  }
}
