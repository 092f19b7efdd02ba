import DataFiles
import Foundation
import Models

/// The contents of `metrics.json`, written by vae-eval and shown by vae-render
/// (keys documented in docs/STAGES.md, "metrics.json").
///
/// Losses are negative ELBOs in nats per image (lower is better), each with its
/// reconstruction and KL parts; denoising scores compare against the clean test
/// images (see `DenoiseScore`).
public struct RunMetrics: Codable, Equatable, Sendable {
  /// The denoising part, present when corrupted test images were given.
  public struct Denoise: Codable, Equatable, Sendable {
    /// decode(mu(corrupted)) vs clean.
    public var restored: DenoiseScore
    /// The corrupted input itself vs clean: what doing nothing scores.
    public var corrupted: DenoiseScore
    /// The 3 x 3 median filter of the corrupted input vs clean.
    public var median3x3: DenoiseScore
    /// The loss with the corrupted images as the encoder's input and the clean ones as the target.
    public var elboCorruptedInput: LossReport

    public init(restored: DenoiseScore, corrupted: DenoiseScore, median3x3: DenoiseScore, elboCorruptedInput: LossReport) {
      self.restored = restored
      self.corrupted = corrupted
      self.median3x3 = median3x3
      self.elboCorruptedInput = elboCorruptedInput
    }

    enum CodingKeys: String, CodingKey {
      case restored, corrupted, median3x3
      case elboCorruptedInput = "elbo_corrupted_input"
    }
  }

  /// What the judge classifier (vae-classify) makes of the test images and of the model's
  /// outputs: shares of images it labels as their true (or requested) digit, in [0, 1].
  public struct JudgeScores: Codable, Equatable, Sendable {
    /// Label-conditioned generation of a cvae: samples drawn for each label k from the prior
    /// and decoded under k, and the share the judge calls k.
    public struct Generation: Codable, Equatable, Sendable {
      /// Samples drawn per label.
      public var samplesPerLabel: Int
      /// Share called k, for k = 0...9.
      public var perLabel: [Double]
      /// The mean of `perLabel`.
      public var overall: Double

      public init(samplesPerLabel: Int, perLabel: [Double], overall: Double) {
        self.samplesPerLabel = samplesPerLabel
        self.perLabel = perLabel
        self.overall = overall
      }

      enum CodingKeys: String, CodingKey {
        case overall
        case samplesPerLabel = "samples_per_label"
        case perLabel = "per_label"
      }
    }

    /// The judge checkpoint used.
    public var checkpoint: String
    /// Accuracy on the clean test images.
    public var clean: Double
    /// Accuracy on the corrupted (or occluded) test images, when there are any.
    public var corrupted: Double?
    /// Accuracy on the model's restorations (denoised, or inpainted) of them.
    public var restored: Double?
    /// Label-conditioned generation (cvae only).
    public var generation: Generation?

    public init(checkpoint: String, clean: Double, corrupted: Double? = nil, restored: Double? = nil, generation: Generation? = nil) {
      self.checkpoint = checkpoint
      self.clean = clean
      self.corrupted = corrupted
      self.restored = restored
      self.generation = generation
    }
  }

  /// Identifies the file kind and its version.
  public var format = RunMetrics.currentFormat
  /// The checkpoint evaluated.
  public var checkpoint: String
  /// Epochs completed when the checkpoint was written (nil for a weights-only export).
  public var epoch: Int?
  /// Training steps taken when the checkpoint was written (nil for a weights-only export).
  public var step: Int?
  /// The data set the model was trained and evaluated on (nil in files from before it was recorded).
  public var dataset: DatasetDescriptor?
  /// The clean test images file.
  public var testImages: String
  /// The corrupted test images file, if any.
  public var testInput: String?
  /// The corruption's description from the `spec.json` beside `testInput`, if there is one.
  public var corruption: String?
  /// Number of test images evaluated.
  public var testImageCount: Int
  /// The loss on the clean test images (input and target clean).
  public var elbo: LossReport
  public var denoise: Denoise?
  /// Hole-only scores of an inpainting model (with test masks), nil otherwise.
  public var inpaint: InpaintMetrics?
  /// Minus the importance-weighted bound of log p(x) (Burda et al. 2015), nats per
  /// clean test image; nil unless vae-eval ran with --iw-samples.
  public var iwNLL: Double?
  /// k: latent samples per image of `iwNLL`.
  public var iwSamples: Int?
  /// Wall-clock seconds `iwNLL` took (included in `seconds`).
  public var iwSeconds: Double?
  /// The judge's scores; nil unless vae-eval ran with a judge.
  public var judge: JudgeScores?
  /// Seed of the z samples drawn for the ELBO (and the importance-weighted bound).
  public var seed: UInt64
  /// Wall-clock seconds the evaluation took (loading excluded).
  public var seconds: Double

  public static let currentFormat = "digitvae.metrics/1"

  public init(
    checkpoint: String, epoch: Int?, step: Int?, testImages: String, testInput: String?, corruption: String?,
    testImageCount: Int, elbo: LossReport, denoise: Denoise?, seed: UInt64, seconds: Double
  ) {
    self.checkpoint = checkpoint
    self.epoch = epoch
    self.step = step
    self.testImages = testImages
    self.testInput = testInput
    self.corruption = corruption
    self.testImageCount = testImageCount
    self.elbo = elbo
    self.denoise = denoise
    self.seed = seed
    self.seconds = seconds
  }

  enum CodingKeys: String, CodingKey {
    case format, checkpoint, epoch, step, corruption, elbo, denoise, inpaint, judge, seed, seconds, dataset
    case testImages = "test_images_file"
    case testInput = "test_input"
    case testImageCount = "test_images"
    case iwNLL = "iw_nll"
    case iwSamples = "iw_samples"
    case iwSeconds = "iw_seconds"
  }

  /// Pretty, key-sorted JSON. A non-finite number (a diverged model) is
  /// written as the string "nan", "inf" or "-inf", since JSON has no such numbers.
  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = try encoder.encode(self)
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  /// Parses a metrics file; `source` names the file in the error.
  public static func parse(_ text: String, source: String) throws -> RunMetrics {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let metrics: RunMetrics
    do {
      metrics = try decoder.decode(RunMetrics.self, from: Data(text.utf8))
    } catch {
      throw RunError.badMetrics(path: source, reason: "not a DigitVAE metrics file (\(RunConfig.describe(error)))")
    }
    guard metrics.format == currentFormat else {
      throw RunError.badMetrics(path: source, reason: "format is \"\(metrics.format)\", expected \"\(currentFormat)\"")
    }
    return metrics
  }

  /// Reads and parses `path`.
  public static func read(from path: String) throws -> RunMetrics {
    guard FileManager.default.fileExists(atPath: path) else {
      throw RunError.missingInput(path: path, hint: "run vae-eval to write it")
    }
    return try parse(String(decoding: try FileReader.contents(of: path), as: UTF8.self), source: path)
  }

  /// Writes the JSON atomically.
  public func write(to path: String) throws {
    try AtomicFile.write(text: json(), to: path)
  }

  /// A few readable lines for the terminal.
  public func summary() -> [String] {
    func loss(_ r: LossReport) -> String {
      "total \(Self.fixed(r.total, 2))  recon \(Self.fixed(r.recon, 2))  KL \(Self.fixed(r.kl, 2))"
    }
    func score(_ s: DenoiseScore) -> String {
      "MSE \(Self.fixed(s.mse, 5))  PSNR \(Self.fixed(s.psnr, 2)) dB" + (s.ssim.map { "  SSIM \(Self.fixed($0, 4))" } ?? "")
    }
    var lines = ["  ELBO, clean test images:      \(loss(elbo)) (nats per image)"]
    if let iwNLL, let iwSamples {
      lines.append("  IW bound, clean test images:  -log p(x) <= \(Self.fixed(iwNLL, 2)) (k = \(iwSamples), nats per image)")
    }
    if let denoise {
      lines += [
        "  ELBO, corrupted input:        \(loss(denoise.elboCorruptedInput)) (clean target)",
        "  restored vs clean:            \(score(denoise.restored))",
        "  corrupted input vs clean:     \(score(denoise.corrupted))",
        "  median 3x3 of input vs clean: \(score(denoise.median3x3))",
      ]
    }
    if let inpaint {
      lines.append("  inside the hole (\(inpaint.imagesWithHole) images, \(Self.fixed(100 * inpaint.holeFraction, 1))% of pixels hidden):")
      if inpaint.isDeterministic {
        lines.append("    deterministic baseline (no z):   \(score(inpaint.priorMean))")
      } else {
        lines += [
          "    inpainting CVAE, z = prior mean: \(score(inpaint.priorMean))",
          "    inpainting CVAE, z = mu:         \(score(inpaint.encoder))",
        ]
        if let sampled = inpaint.priorSample { lines.append("    inpainting CVAE, one prior draw: \(score(sampled))") }
        if let draws = inpaint.priorDraws, let k = inpaint.priorDrawCount {
          lines.append("    inpainting CVAE, mean of \(k) draws: \(score(draws))")
        }
      }
      if let denoiser = inpaint.denoiser { lines.append("    denoising VAE, occluded input:   \(score(denoiser))") }
      if let plain = inpaint.plainVAE { lines.append("    plain VAE, occluded input:       \(score(plain))") }
      lines.append("    mean training image:             \(score(inpaint.meanImage))")
      if let nll = inpaint.conditionalNLL {
        lines.append(
          "  -log p(hidden | observed):      ELBO \(Self.fixed(nll.elbo, 2)) (\(nll.elboSamples) samples; recon \(Self.fixed(nll.elboRecon, 2)), KL \(Self.fixed(nll.elboKL, 2))), IW \(Self.fixed(nll.iw, 2)) (k = \(nll.iwSamples)), nats per image")
      }
      if let judge = inpaint.judge {
        func percent(_ share: Double?) -> String { share.map { Self.fixed(100 * $0, 2) + "%" } ?? "-" }
        let model =
          inpaint.isDeterministic
          ? "baseline \(percent(judge.priorMean))"
          : "prior mean \(percent(judge.priorMean))  mean of draws \(percent(judge.priorDraws))  one draw \(percent(judge.priorSample))"
        lines.append(
          "  judge on the fills:             \(model)  denoising VAE \(percent(judge.denoiser))  plain VAE \(percent(judge.plainVAE))")
      }
    }
    if let judge {
      func percent(_ share: Double) -> String { Self.fixed(100 * share, 2) + "%" }
      var parts = ["clean \(percent(judge.clean))"]
      if let corrupted = judge.corrupted { parts.append("corrupted \(percent(corrupted))") }
      if let restored = judge.restored { parts.append("restored \(percent(restored))") }
      lines.append("  judge accuracy:               " + parts.joined(separator: "  ") + " (\(judge.checkpoint))")
      if let generation = judge.generation {
        let described = dataset ?? .mnist
        let names = generation.perLabel.indices.map { described.classes.indices.contains($0) ? described.classes[$0] : "\($0)" }
        lines.append(
          "  judge on cvae samples:        \(percent(generation.overall)) read as their label (\(generation.samplesPerLabel) per \(described.noun), z ~ N(0, I))")
        lines.append(
          "    per \(described.noun): " + zip(names, generation.perLabel).map { "\($0) \(Self.fixed(100 * $1, 1))" }.joined(separator: "  "))
      }
    }
    return lines
  }

  /// `value` with `digits` decimals, independent of the locale.
  public static func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    return String(format: "%.\(digits)f", value)
  }
}
