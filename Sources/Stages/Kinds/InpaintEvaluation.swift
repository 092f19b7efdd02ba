import Compute
import DataFiles
import Foundation
import Metrics
import Runs

/// vae-eval of an inpainting model, on occluded test images and their masks: the test ELBO
/// under the observed pixels, and the hole-only scores of its fills against a plain VAE's
/// and the mean training image's.
struct InpaintEvaluation: KindEvaluation {
  func options(of stage: EvalStage, model: TrainedModel) throws -> [String: String] {
    if stage.iwSamples != nil {
      throw RunError.badConfig(
        path: model.path,
        reason: "--iw-samples needs a vae or cvae, but this is an inpaint model, whose likelihood is conditioned on the observed pixels and so not comparable; drop --iw-samples")
    }
    return [:]
  }

  func inputFiles(of stage: EvalStage, inputs: EvaluationInputs) -> [String] {
    [EvalStage.maskPath(testMask: stage.testMask, testInput: inputs.testInputPath)].compactMap { $0 }
  }

  /// The occluded test images, their masks and the mask file's path; refused when there are none.
  func occlusions(_ context: EvaluationContext) throws -> (occluded: [UInt8], masks: [UInt8], maskPath: String) {
    guard let occluded = context.images.corrupted, let occludedPath = context.inputs.testInputPath,
      let maskPath = EvalStage.maskPath(testMask: context.stage.testMask, testInput: occludedPath)
    else {
      throw RunError.missingInput(
        path: context.inputs.testImagesPath + " (occluded copy)",
        hint: "an inpainting model is evaluated on occluded test images: give --test-input <vae-corrupt folder>/images.idx")
    }
    let masks = try EvalStage.loadMasks(path: maskPath, like: occluded, occludedPath: occludedPath).scalars
    return (occluded.scalars, masks, maskPath)
  }

  func measure(_ context: EvaluationContext) throws -> RunMetrics {
    let (occluded, masks, maskPath) = try occlusions(context)
    let (model, n, seed, clean) = (context.model, context.count, context.stage.seed, context.clean)
    let conditions = InpaintCondition.conditions(occluded: occluded[...], masks: masks[...], count: n)
    var metrics = context.emptyMetrics()
    metrics.elbo = model.elbo(inputs: clean, conditions: conditions, count: n, seed: seed)
    let priorMean = model.inpaint(occluded: occluded[...], masks: masks[...], count: n, latent: .priorMean)
    metrics.denoise = RunMetrics.Denoise(
      DenoiseComparison.measure(
        restored: priorMean, corrupted: occluded, clean: clean, count: n, height: model.dataset.height, width: model.dataset.width,
        parallel: Parallel(threads: context.stage.threads)),
      elboCorruptedInput: model.elbo(inputs: occluded, targets: clean, conditions: conditions, count: n, seed: seed))
    metrics.inpaint = try holeScores(context, occluded: occluded, masks: masks, maskPath: maskPath, priorMean: priorMean)
    // The filled images of the figure and of denoise.restored: observed pixels kept, the hole decoded at z = 0.
    metrics.judge = context.judge?.scores(clean: clean, corrupted: occluded, restored: priorMean)
    return metrics
  }

  /// Scores inside the holes: the model's fills (z = prior mean, z = mu, one prior draw), a plain VAE's, the mean image's.
  func holeScores(
    _ context: EvaluationContext, occluded: [UInt8], masks: [UInt8], maskPath: String, priorMean: [Float]
  ) throws -> InpaintMetrics {
    let (model, n, clean) = (context.model, context.count, context.clean)
    let d = context.images.clean.itemSize
    func score(_ filled: [Float]) -> (score: DenoiseScore, images: Int) {
      InpaintMetrics.holeScore(filled, clean: clean, masks: masks, count: n, size: d)
    }
    let encoder = model.inpaint(occluded: occluded[...], masks: masks[...], count: n, latent: .encoder)
    let sampled = model.inpaint(occluded: occluded[...], masks: masks[...], count: n, latent: .priorSample)
    let plain = context.compare.map { compare in
      score(TrainedModel.composite(compare.restore(occluded[...], count: n), occluded: occluded[...], masks: masks[...])).score
    }
    let mean = try EvalStage.meanTrainingImage(folder: model.config.data, pixels: d)
    let meanFill = TrainedModel.composite((0..<n).flatMap { _ in mean }, occluded: occluded[...], masks: masks[...])
    let prior = score(priorMean)
    let hidden = masks.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
    var metrics = InpaintMetrics(
      masks: maskPath, imagesWithHole: prior.images, holeFraction: Double(hidden) / Double(max(1, n * d)),
      priorMean: prior.score, encoder: score(encoder).score, plainVAE: plain, plainVAECheckpoint: context.compare?.path,
      meanImage: score(meanFill).score)
    metrics.priorSample = score(sampled).score
    return metrics
  }
}
