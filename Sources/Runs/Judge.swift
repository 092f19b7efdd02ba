import Checkpoints
import Compute
import DataFiles
import Foundation
import Models

/// A trained judge classifier: reads a `vae-classify` checkpoint and labels images.
///
/// The file is safetensors with the tensors "layers.<i>.weight" [in, out] and
/// "layers.<i>.bias" [out] (F32) and metadata "format" = ``format``, "kind" = "judge",
/// "config" (``ClassifierConfig`` JSON), "dataset" (the ``DatasetDescriptor`` JSON of
/// the data it was trained on; missing in judges from before it was recorded, which
/// were all MNIST) and "crc32" (see docs/FORMATS.md).
public final class Judge {
  /// The metadata "format" of a judge checkpoint.
  public static let format = "digitvae.judge/1"

  public let config: ClassifierConfig
  public let classifier: Classifier
  /// The data set the judge was trained on, as its metadata records it (nil: not recorded).
  public let dataset: DatasetDescriptor?

  init(classifier: Classifier, dataset: DatasetDescriptor?) {
    self.classifier = classifier
    self.dataset = dataset
    config = classifier.config
  }

  /// The data set the judge was trained on: as recorded, MNIST for judges from before it was.
  public var datasetDescriptor: DatasetDescriptor { dataset ?? .mnist }

  /// Loads and checks the judge checkpoint at `path` (CRC required); `threads` for inference.
  ///
  /// Throws ``RunError/badCheckpoint(path:reason:)`` for a file that is not a judge
  /// (a VAE checkpoint is named as such), a bad config, or tensors that do not fit it.
  public static func load(_ path: String, threads: Int = 1) throws -> Judge {
    let file = try SafeTensorsFile.read(from: path, requireChecksum: true)
    let config = try config(of: file, source: path)
    let classifier: Classifier
    do { classifier = try Classifier(config: config, maxBatch: 1000, parallel: Parallel(threads: max(1, threads))) } catch {
      throw RunError.badCheckpoint(path: path, reason: "metadata config: \(error)")
    }
    let layout = classifier.parameters
    let flat = try TrainingCheckpoint.flatten(file, layout: layout.entries, count: layout.count, source: path)
    layout.values.assign(flat)
    var dataset: DatasetDescriptor?
    if let text = file.metadata["dataset"] {
      do { dataset = try DatasetDescriptor.parse(text, source: path) } catch {
        throw RunError.badCheckpoint(path: path, reason: "metadata \"dataset\": \(error)")
      }
    }
    return Judge(classifier: classifier, dataset: dataset)
  }

  /// The classifier config in a judge checkpoint's metadata; `source` names the file in errors.
  public static func config(of file: SafeTensorsFile, source: String) throws -> ClassifierConfig {
    let found = file.metadata["format"]
    guard found == format else {
      if found == TrainingCheckpoint.format {
        throw RunError.badCheckpoint(
          path: source,
          reason: "is a VAE checkpoint (format \"\(TrainingCheckpoint.format)\"), not a judge classifier; train one with vae-classify")
      }
      throw RunError.badCheckpoint(
        path: source, reason: "metadata format is \(found.map { "\"\($0)\"" } ?? "missing"), expected \"\(format)\"")
    }
    guard let text = file.metadata["config"], (try? StrictJSON.check(Array(text.utf8))) != nil,
      let config = try? JSONDecoder().decode(ClassifierConfig.self, from: Data(text.utf8))
    else {
      throw RunError.badCheckpoint(path: source, reason: "metadata \"config\" is missing or not a classifier config")
    }
    do { try config.validate() } catch { throw RunError.badCheckpoint(path: source, reason: "metadata config: \(error)") }
    return config
  }

  /// The checkpoint file of `classifier`'s weights, trained on `dataset`, with `testAccuracy`
  /// recorded in the metadata when known.
  public static func file(of classifier: Classifier, dataset: DatasetDescriptor, testAccuracy: Double? = nil) -> SafeTensorsFile {
    let values = classifier.parameters.values.array
    let tensors = classifier.parameters.entries.map { entry in
      Tensor(name: entry.name, floats: Array(values[entry.offset..<entry.offset + entry.count]), shape: entry.shape)
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = (try? encoder.encode(classifier.config)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    var metadata = ["format": format, "kind": "judge", "content": "weights", "config": json, "dataset": dataset.json()]
    if let testAccuracy { metadata["test_accuracy"] = String(format: "%.4f", testAccuracy) }
    return SafeTensorsFile(tensors: tensors, metadata: metadata)
  }

  /// The predicted label of every image of `images` (N x H x W UInt8).
  ///
  /// Throws ``RunError/dataMismatch(path:reason:)`` when the image size is not the judge's input size.
  public func predict(_ images: IDXArray<UInt8>, source: String = "images") throws -> [UInt8] {
    guard images.itemSize == config.inputs else {
      throw RunError.dataMismatch(
        path: source, reason: "images have \(images.itemSize) pixels, the judge expects \(config.inputs)")
    }
    let pixels = Classifier.pixels(images.scalars)
    return pixels.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return [] }
      return classifier.predict(base, count: images.itemCount)
    }
  }

  /// The share of `labels` predicted right from `images`.
  public func accuracy(_ images: IDXArray<UInt8>, labels: [UInt8], source: String = "images") throws -> Double {
    let predicted = try predict(images, source: source)
    guard predicted.count == labels.count else {
      throw RunError.dataMismatch(path: source, reason: "\(predicted.count) images but \(labels.count) labels")
    }
    guard !labels.isEmpty else { return 0 }
    return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
  }
}
