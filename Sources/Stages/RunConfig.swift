import DataFiles
import Foundation
import Models

/// Everything needed to rebuild a run's model and continue its training:
/// written to `config.json` in the run folder and into every checkpoint's
/// `__metadata__["config"]`.
public struct RunConfig: Codable, Equatable, Sendable {
  /// Identifies the file kind and its version.
  public var format = RunConfig.currentFormat
  /// The model family: what the VAE is conditioned on (model.condition must match it).
  public var kind = ModelKind.vae
  public var model: VAEConfig
  public var training: TrainingConfig
  /// The data folder with train-/test-images.idx and labels.
  public var data: String
  /// A corrupted copy of the training images used as the encoder's input (denoising), if any.
  public var input: String?
  /// A corrupted copy of the test images for the test loss, if any.
  public var testInput: String?
  /// Train on the first `limit` training images only (quick runs), if set.
  public var limit: Int?

  public static let currentFormat = "digitvae.run/1"

  public init(model: VAEConfig, training: TrainingConfig, data: String, input: String? = nil, testInput: String? = nil, limit: Int? = nil) {
    self.model = model
    self.training = training
    self.data = data
    self.input = input
    self.testInput = testInput
    self.limit = limit
  }

  /// Pretty, key-sorted JSON: the same config always gives the same bytes.
  public func json() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    // Encoding plain structs of numbers and strings cannot fail.
    guard let data = try? encoder.encode(self), let text = String(data: data, encoding: .utf8) else { return "{}" }
    return text + "\n"
  }

  /// Parses a config; `source` names the file in the error.
  public static func parse(_ text: String, source: String) throws -> RunConfig {
    // JSONDecoder accepts trailing commas and duplicate keys: refuse them first.
    do { try StrictJSON.check(Array(text.utf8)) } catch {
      throw StageError.badConfig(path: source, reason: "not a DigitVAE run config (not valid JSON: \(error.detail))")
    }
    do {
      let config = try JSONDecoder().decode(RunConfig.self, from: Data(text.utf8))
      guard config.format == currentFormat else {
        throw StageError.badConfig(path: source, reason: "format is \"\(config.format)\", expected \"\(currentFormat)\"")
      }
      let width = config.kind.conditionWidth(pixels: config.model.inputSize)
      guard config.model.condition == width else {
        throw StageError.badConfig(
          path: source, reason: "model.condition is \(config.model.condition) but a \(config.kind.rawValue) model needs \(width)")
      }
      return config
    } catch let error as StageError {
      throw error
    } catch {
      throw StageError.badConfig(path: source, reason: "not a DigitVAE run config (\(Self.describe(error)))")
    }
  }

  /// The differences that matter when continuing a run with `other`'s options,
  /// as "name: ours vs theirs" strings; empty when the two are compatible.
  /// The number of epochs may change (training can be extended).
  public func conflicts(with other: RunConfig) -> [String] {
    var found: [String] = []
    func compare<T: Equatable>(_ name: String, _ a: T, _ b: T) {
      if a != b { found.append("\(name) \(a) in the checkpoint vs \(b) asked for") }
    }
    compare("--model", kind.rawValue, other.kind.rawValue)
    compare("--hidden", Self.widths(model.hidden), Self.widths(other.model.hidden))
    compare("--arch", model.arch.rawValue, other.model.arch.rawValue)
    if model.arch == .conv || other.model.arch == .conv {
      compare("--channels", model.channels.map(String.init).joined(separator: ","), other.model.channels.map(String.init).joined(separator: ","))
    }
    compare("--latent", model.latent, other.model.latent)
    compare("--activation", model.activation.rawValue, other.model.activation.rawValue)
    compare("--dropout", model.dropout, other.model.dropout)
    compare("--batch", training.batchSize, other.training.batchSize)
    compare("--learning-rate", training.learningRate, other.training.learningRate)
    compare("--beta", training.beta, other.training.beta)
    compare("--kl-warmup", training.klWarmupEpochs, other.training.klWarmupEpochs)
    compare("--seed", training.seed, other.training.seed)
    compare("--threads", training.threads, other.training.threads)
    compare("--data", data, other.data)
    compare("--input", input ?? "(none)", other.input ?? "(none)")
    compare("--test-input", testInput ?? "(none)", other.testInput ?? "(none)")
    compare("--limit", limit.map(String.init) ?? "(all)", other.limit.map(String.init) ?? "(all)")
    return found
  }

  /// Hidden widths as --hidden takes them: "512,256", or "none".
  static func widths(_ hidden: [Int]) -> String { hidden.isEmpty ? "none" : hidden.map(String.init).joined(separator: ",") }

  static func describe(_ error: Error) -> String {
    switch error {
    case let DecodingError.keyNotFound(key, _): return "missing key \"\(key.stringValue)\""
    case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
      return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
    case let DecodingError.dataCorrupted(context):
      return context.codingPath.isEmpty ? "not valid JSON" : "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
    default: return "\(error)"
    }
  }
}
