import Corruptions
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
  /// What the data folder holds (its name, classes, image size); nil in runs from
  /// before it was recorded, which were all MNIST.
  public var dataset: DatasetDescriptor?
  /// A corrupted copy of the training images used as the encoder's input (denoising), if any.
  public var input: String?
  /// A corrupted copy of the test images for the test loss, if any.
  public var testInput: String?
  /// Train on the first `limit` training images only (quick runs), if set.
  public var limit: Int?
  /// Steps between periodic checkpoints (0: epoch ends only). Recorded so that
  /// a resumed run keeps its cadence; nil in runs from before it was recorded.
  public var checkpointEvery: Int?
  /// How many checkpoints the run keeps; nil in runs from before it was recorded.
  public var keep: Int?
  /// The occlusions an inpaint run trains on (`vae-train --masks`); nil for
  /// ``InpaintCondition/mixture``, the only choice before the flag existed.
  public var masks: CorruptionKind?

  public static let defaultCheckpointEvery = 500
  public static let defaultKeep = 3

  public static let currentFormat = "digitvae.run/1"

  /// The run's data set: as recorded; for runs from before it was, MNIST (every such run
  /// of 784 pixels was), else a data set known by its image size alone.
  public var datasetDescriptor: DatasetDescriptor {
    if let dataset { return dataset }
    if model.inputSize == DatasetDescriptor.mnist.pixels { return .mnist }
    let side = model.imageSide
    return DatasetDescriptor(
      name: "unrecorded", title: "unrecorded data set", classes: DatasetDescriptor.mnist.classes, height: side ?? 1,
      width: side ?? model.inputSize, noun: "class")
  }

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
      throw RunError.badConfig(path: source, reason: "not a DigitVAE run config (not valid JSON: \(error.detail))")
    }
    do {
      let config = try JSONDecoder().decode(RunConfig.self, from: Data(text.utf8))
      guard config.format == currentFormat else {
        throw RunError.badConfig(path: source, reason: "format is \"\(config.format)\", expected \"\(currentFormat)\"")
      }
      if let problem = config.dataset?.problem { throw RunError.badConfig(path: source, reason: "dataset: \(problem)") }
      let dataset = config.datasetDescriptor
      guard config.dataset == nil || config.model.inputSize == dataset.pixels else {
        throw RunError.badConfig(
          path: source, reason: "model.inputSize is \(config.model.inputSize) but \(dataset.title) images have \(dataset.pixels) pixels (\(dataset.sizeText))")
      }
      let width = config.kind.conditionWidth(dataset: dataset)
      guard config.model.condition == width else {
        throw RunError.badConfig(
          path: source, reason: "model.condition is \(config.model.condition) but a \(config.kind.rawValue) model needs \(width)")
      }
      return config
    } catch let error as RunError {
      throw error
    } catch {
      throw RunError.badConfig(path: source, reason: "not a DigitVAE run config (\(Self.describe(error)))")
    }
  }

  /// Hidden widths as --hidden takes them: "512,256", or "none".
  public static func widths(_ hidden: [Int]) -> String { hidden.isEmpty ? "none" : hidden.map(String.init).joined(separator: ",") }

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
