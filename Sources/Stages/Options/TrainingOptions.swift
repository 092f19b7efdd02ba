import ArgumentParser
import Corruptions
import DataFiles
import Models
import Runs

extension Activation: ExpressibleByArgument {}
extension Architecture: ExpressibleByArgument {}
extension ModelKind: ExpressibleByArgument {}
extension Prior: ExpressibleByArgument {}
extension LossScope: ExpressibleByArgument {}

/// The model and training options of `vae-train`. Each is declared once
/// here and tied to its run-config field in `flags`, which both builds the
/// config and lists what a resume may not change.
public struct TrainingOptions: ParsableArguments {
  @Option(name: .customLong("model"), help: "Model: vae, cvae (conditioned on the label) or inpaint (conditioned on the observed pixels) (default vae).")
  public var kind: ModelKind?

  @Option(help: "Corrupted copy of the training images to feed the encoder (denoising); targets stay clean.")
  public var input: String?

  @Option(help: "Corrupted copy of the test images for the test loss (denoising).")
  public var testInput: String?

  @Option(help: "Hidden layer sizes of the encoder, comma-separated, or none (conv only); the decoder mirrors them (default 400 for mlp, none for conv).")
  public var hidden: String?

  @Option(help: "Layer family: mlp (dense layers) or conv (convolutions, then dense layers) (default mlp).")
  public var arch: Architecture?

  @Option(help: "With --arch conv: output channels of the encoder's stride-2 convolutions, comma-separated; the decoder mirrors them (default \(VAEConfig.defaultConvChannels.map(String.init).joined(separator: ","))).")
  public var channels: String?

  @Option(help: "Size of the latent code z (default 20).")
  public var latent: Int?

  @Option(help: "Hidden activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")) (default relu).")
  public var activation: Activation?

  @Option(help: "Dropout rate on hidden layers, 0 to below 1 (default 0).")
  public var dropout: Float?

  @Option(help: "Images per training step (default 128).")
  public var batch: Int?

  @Option(help: "Epochs to train in all, counting those already done when resuming (default 10).")
  public var epochs: Int?

  @Option(help: "Adam's learning rate (default 0.001).")
  public var learningRate: Float?

  @Option(help: "Weight of the KL term; 1 gives the ELBO (default 1).")
  public var beta: Float?

  @Option(help: "Epochs over which the KL weight ramps up from 0 (default 0: no warm-up).")
  public var klWarmup: Float?

  @Option(help: "p(z | c) of a conditional model: standard (N(0, I)), learned (a prior network from the condition, Sohn et al. 2015) or none (no code: a deterministic regressor from the condition) (default standard).")
  public var prior: Prior?

  @Option(help: "With --prior learned: alpha, the weight of the GSNN term (decoding z from the prior network) mixed into the ELBO, 0-1 (default 0).")
  public var gsnn: Float?

  @Option(help: "With --prior learned: what the decoder reads: code-and-condition (p(x | z, c), the default) or code (p(x | z), as Pyro's CVAE example: the condition reaches it only through the prior network's code).")
  public var decoderReads: DecoderReads?

  /// The values of `--decoder-reads`.
  public enum DecoderReads: String, CaseIterable, ExpressibleByArgument, Sendable {
    case codeAndCondition = "code-and-condition", code
  }

  @Option(help: "Pixels the reconstruction term covers: image (all) or hole (an inpaint model's hidden pixels only) (default image).")
  public var loss: LossScope?

  @Option(help: "With --model inpaint: the occlusions drawn afresh each epoch: \(InpaintCondition.named.map(\.name).joined(separator: ", ")) (default mixture).")
  public var masks: String?

  @Option(help: "Train on the first N training images only (quick runs).")
  public var limit: Int?

  @Option(help: "Write a checkpoint every N steps as well as at each epoch end (0: epoch ends only) (default \(RunConfig.defaultCheckpointEvery); on resume, as the run recorded).")
  public var checkpointEvery: Int?

  @Option(help: "How many checkpoints to keep; older ones are deleted (default \(RunConfig.defaultKeep); on resume, as the run recorded).")
  public var keep: Int?

  public init() {}

  /// The most epochs a run may ask for: far beyond any real run, and every step count stays far from overflow.
  public static let maxEpochs = 1_000_000

  public func validate() throws {
    if let latent, !(1...1024).contains(latent) { throw ValidationError("--latent must be 1...1024, got \(latent)") }
    if let dropout, !(0..<1).contains(dropout) { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
    if let batch, !(1...65536).contains(batch) { throw ValidationError("--batch must be 1...65536, got \(batch)") }
    if let epochs, !(1...TrainingOptions.maxEpochs).contains(epochs) {
      throw ValidationError(epochs < 1 ? "--epochs must be at least 1, got \(epochs)" : "--epochs must be at most \(TrainingOptions.maxEpochs) (the limit), got \(epochs)")
    }
    if let learningRate, !(learningRate > 0 && learningRate < 10) { throw ValidationError("--learning-rate must be in (0, 10), got \(learningRate)") }
    if let beta, !(beta >= 0 && beta.isFinite) { throw ValidationError("--beta must be 0 or more, got \(beta)") }
    if let klWarmup, !(klWarmup >= 0 && klWarmup.isFinite) { throw ValidationError("--kl-warmup must be 0 or more, got \(klWarmup)") }
    if let gsnn, !(gsnn >= 0 && gsnn <= 1) { throw ValidationError("--gsnn must be in [0, 1], got \(gsnn)") }
    _ = try maskKind()
    if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    if let checkpointEvery, checkpointEvery < 0 { throw ValidationError("--checkpoint-every must be 0 or more, got \(checkpointEvery)") }
    if let keep, keep < 1 { throw ValidationError("--keep must be at least 1, got \(keep)") }
    _ = try hiddenSizes()
    _ = try channelCounts()
    if kind?.run.needsMasks == true, input != nil || testInput != nil {
      throw ValidationError("--model inpaint makes its own occlusions; --input and --test-input do not apply")
    }
  }

  /// How many times `side` halves exactly.
  static func halvings(_ side: Int) -> Int {
    var (n, s) = (0, side)
    while s > 0 && s % 2 == 0 { (n, s) = (n + 1, s / 2) }
    return n
  }

  /// `--masks` as a corruption, nil when not given.
  func maskKind() throws -> CorruptionKind? {
    guard let masks else { return nil }
    guard let kind = InpaintCondition.named.first(where: { $0.name == masks })?.kind else {
      throw ValidationError("--masks must be one of \(InpaintCondition.named.map(\.name).joined(separator: ", ")), got \"\(masks)\"")
    }
    return kind
  }

  /// `--hidden` as sizes: [] for "none", nil when not given.
  func hiddenSizes() throws -> [Int]? {
    guard let hidden else { return nil }
    if hidden == "none" { return [] }
    let sizes = hidden.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil && (1...8192).contains($0!) }) else {
      throw ValidationError("--hidden must be comma-separated sizes 1...8192, e.g. 512,256, or none; got \"\(hidden)\"")
    }
    return sizes.compactMap { $0 }
  }

  /// `--channels` as counts, nil when not given.
  func channelCounts() throws -> [Int]? {
    guard let channels else { return nil }
    let counts = channels.split(separator: ",", omittingEmptySubsequences: false).map {
      Int($0.trimmingCharacters(in: .whitespaces))
    }
    guard !counts.isEmpty, counts.allSatisfy({ $0 != nil && (1...VAEConfig.maxChannels).contains($0!) }) else {
      throw ValidationError("--channels must be comma-separated channel counts 1...\(VAEConfig.maxChannels), e.g. 16,32; got \"\(channels)\"")
    }
    return counts.compactMap { $0 }
  }

  /// Every training flag with its config field, in the order conflicts are listed.
  /// `compute` and `data` are the command's shared options that also go into the config.
  func flags(compute: ComputeOptions, data: String?) throws -> [ConfigFlag] {
    let hiddenSizes = try hiddenSizes(), channelCounts = try channelCounts()
    func list(_ values: [Int]) -> String { values.map(String.init).joined(separator: ",") }
    return [
      ConfigFlag("--model", \.kind, given: kind, show: \.rawValue),
      ConfigFlag("--hidden", \.model.hidden, given: hiddenSizes, show: RunConfig.widths),
      ConfigFlag(
        "--arch",
        apply: { config in
          guard let arch, arch != config.model.arch else { return }
          // Each family has its own default dense layers.
          config.model.arch = arch
          if hiddenSizes == nil { config.model.hidden = arch == .conv ? VAEConfig.defaultConvHidden : VAEConfig.bench.hidden }
        },
        shown: { $0.model.arch.rawValue }),
      ConfigFlag("--channels", \.model.channels, given: channelCounts, show: list, appliesTo: { $0.model.arch == .conv }),
      ConfigFlag("--prior", \.model.prior, given: prior, show: \.rawValue),
      ConfigFlag("--gsnn", \.training.gsnn, given: gsnn),
      ConfigFlag(
        "--decoder-reads", \.model.decoderReadsCondition, given: decoderReads.map { $0 == .codeAndCondition },
        show: { $0 ? DecoderReads.codeAndCondition.rawValue : DecoderReads.code.rawValue }),
      ConfigFlag("--loss", \.training.loss, given: loss, show: \.rawValue),
      ConfigFlag(
        "--masks", \.masks, given: try maskKind().map(Optional.some), show: { InpaintCondition.name(of: $0) },
        appliesTo: { $0.kind.run.needsMasks }),
      ConfigFlag("--latent", \.model.latent, given: latent),
      ConfigFlag("--activation", \.model.activation, given: activation, show: \.rawValue),
      ConfigFlag("--dropout", \.model.dropout, given: dropout),
      ConfigFlag("--batch", \.training.batchSize, given: batch),
      ConfigFlag("--epochs", \.training.epochs, given: epochs, mayChangeOnResume: true),
      ConfigFlag("--learning-rate", \.training.learningRate, given: learningRate),
      ConfigFlag("--beta", \.training.beta, given: beta),
      ConfigFlag("--kl-warmup", \.training.klWarmupEpochs, given: klWarmup),
      ConfigFlag("--seed", \.training.seed, given: compute.seed),
      ConfigFlag("--threads", \.training.threads, given: compute.threads),
      ConfigFlag("--data", \.data, given: data),
      ConfigFlag("--input", \.input, given: input.map(Optional.some), show: { $0 ?? "(none)" }),
      ConfigFlag("--test-input", \.testInput, given: testInput.map(Optional.some), show: { $0 ?? "(none)" }),
      ConfigFlag("--limit", \.limit, given: limit.map(Optional.some), show: { $0.map(String.init) ?? "(all)" }),
      ConfigFlag("--checkpoint-every", \.checkpointEvery, given: checkpointEvery.map(Optional.some), mayChangeOnResume: true),
      ConfigFlag("--keep", \.keep, given: keep.map(Optional.some), mayChangeOnResume: true),
    ]
  }

  /// `base` (the defaults, or the checkpoint's config on resume) with every given flag applied.
  static func apply(_ flags: [ConfigFlag], to base: RunConfig) -> RunConfig {
    var config = base
    for flag in flags { flag.apply(&config) }
    config.model.condition = config.kind.conditionWidth(dataset: config.datasetDescriptor)
    return config
  }

  /// Flags that only make sense for conditional models (or inpainting) are usage errors.
  func checkConditioning(_ config: RunConfig) throws {
    let kind = config.kind.rawValue
    if config.model.prior != .standard && config.model.condition == 0 {
      throw ValidationError("--prior \(config.model.prior.rawValue) needs a conditional model (--model cvae or inpaint); this run is --model \(kind)")
    }
    if config.training.gsnn > 0 && config.model.prior != .learned {
      throw ValidationError("--gsnn needs --prior learned; this run's prior is \(config.model.prior.rawValue)")
    }
    if !config.model.decoderReadsCondition && config.model.prior != .learned {
      throw ValidationError("--decoder-reads code needs --prior learned (the code must carry the condition); this run's prior is \(config.model.prior.rawValue)")
    }
    if config.training.loss == .hole && !config.kind.run.needsMasks {
      throw ValidationError("--loss hole needs --model inpaint (a condition that marks the hole); this run is --model \(kind)")
    }
    if masks != nil && !config.kind.run.needsMasks {
      throw ValidationError("--masks applies to --model inpaint; this run is --model \(kind)")
    }
  }

  /// Flags that only make sense for the other layer family are usage errors, and a conv
  /// model must fit its images: square, the side halving exactly at each convolution.
  func checkArchitecture(_ config: RunConfig) throws {
    try checkConditioning(config)
    let dataset = config.datasetDescriptor
    if config.model.arch == .conv {
      guard let side = dataset.side else {
        throw ValidationError(
          "--arch conv takes square images whose side halves exactly at each convolution; \(dataset.title) images are \(dataset.sizeText): use --arch mlp")
      }
      let convolutions = config.model.channels.count
      guard side % (1 << min(convolutions, 20)) == 0 else {
        throw ValidationError(
          "--channels \(RunConfig.widths(config.model.channels)): \(convolutions) stride-2 convolutions need an image side divisible by \(1 << min(convolutions, 20)), but the images are \(side) x \(side) (at most \(Self.halvings(side)) convolutions)")
      }
      return
    }
    if channels != nil { throw ValidationError("--channels applies to --arch conv; this run is --arch mlp") }
    if config.model.hidden.isEmpty { throw ValidationError("--hidden none applies to --arch conv; an mlp needs one or more hidden layers") }
  }
}
