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
        reason: "--iw-samples needs a vae or cvae, but this is an inpaint model, whose likelihood is conditioned on the observed pixels (see inpaint.conditional_nll, --nll-samples); drop --iw-samples")
    }
    return ["fill-draws": String(stage.fillDraws), "nll-samples": String(stage.nllSamples)]
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
    var inpaint = try holeScores(context, occluded: occluded, masks: masks, maskPath: maskPath, priorMean: priorMean)
    inpaint.conditionalNLL = model.conditionalNLL(
      clean: clean[...], conditions: conditions, count: n, elboSamples: TrainedModel.conditionalELBOSamples,
      iwSamples: context.stage.nllSamples, seed: seed)
    metrics.inpaint = inpaint
    // The filled images of the figure and of denoise.restored: observed pixels kept, the hole decoded at the prior mean.
    metrics.judge = context.judge?.scores(clean: clean, corrupted: occluded, restored: priorMean)
    return metrics
  }

  /// Scores inside the holes: the model's fills (the prior mean, the mean of K prior draws, one
  /// draw, z = mu), a plain VAE's, a denoising VAE's, the mean image's; and the judge's reading of each.
  func holeScores(
    _ context: EvaluationContext, occluded: [UInt8], masks: [UInt8], maskPath: String, priorMean: [Float]
  ) throws -> InpaintMetrics {
    let (model, n, clean, stage) = (context.model, context.count, context.clean, context.stage)
    let d = context.images.clean.itemSize
    func score(_ filled: [Float]) -> (score: DenoiseScore, images: Int) {
      InpaintMetrics.holeScore(filled, clean: clean, masks: masks, count: n, size: d)
    }
    func fill(_ vae: TrainedModel) -> [Float] {
      TrainedModel.composite(vae.restore(occluded[...], count: n), occluded: occluded[...], masks: masks[...])
    }
    // Without a latent code every fill is the prior mean's: score it once.
    let deterministic = model.config.model.prior == .none
    let encoder = deterministic ? priorMean : model.inpaint(occluded: occluded[...], masks: masks[...], count: n, latent: .encoder)
    let sampled =
      deterministic ? nil : model.inpaint(occluded: occluded[...], masks: masks[...], count: n, latent: .priorSample)
    let draws =
      deterministic
      ? nil : model.inpaintDrawMean(occluded: occluded[...], masks: masks[...], count: n, draws: stage.fillDraws, seed: stage.seed)
    let plain = context.compare.map(fill)
    let denoised = context.denoiser.map(fill)
    let mean = try EvalStage.meanTrainingImage(folder: model.config.data, pixels: d)
    let meanFill = TrainedModel.composite((0..<n).flatMap { _ in mean }, occluded: occluded[...], masks: masks[...])
    let prior = score(priorMean)
    let hidden = masks.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
    var metrics = InpaintMetrics(
      masks: maskPath, imagesWithHole: prior.images, holeFraction: Double(hidden) / Double(max(1, n * d)),
      priorMean: prior.score, encoder: score(encoder).score, plainVAE: plain.map { score($0).score },
      plainVAECheckpoint: context.compare?.path, meanImage: score(meanFill).score)
    metrics.prior = model.config.model.prior
    metrics.priorSample = sampled.map { score($0).score }
    metrics.priorDraws = draws.map { score($0).score }
    metrics.priorDrawCount = draws == nil ? nil : stage.fillDraws
    metrics.denoiser = denoised.map { score($0).score }
    metrics.denoiserCheckpoint = context.denoiser?.path
    metrics.judge = context.judge.map { judge in
      InpaintMetrics.FillJudge(
        priorMean: judge.accuracy(priorMean), priorDraws: draws.map { judge.accuracy($0) },
        priorSample: sampled.map { judge.accuracy($0) },
        denoiser: denoised.map { judge.accuracy($0) }, plainVAE: plain.map { judge.accuracy($0) })
    }
    return metrics
  }
}
