import Compute
import DataFiles
import Foundation
import Imaging
import Models
import Runs

/// vae-eval's use of a judge classifier (vae-classify): the share of a set of images
/// that the judge labels as the class (digit, garment, ...) each should show.
///
/// Images are judged as bytes. Model outputs (pixel probabilities) are first rounded
/// to bytes with `PixelQuantisation.bytes`, exactly as the figures show them, so the
/// judge sees what a reader of the figures sees.
public struct JudgeScoring {
  public let judge: Judge
  /// The judge checkpoint, as given.
  public let path: String
  /// The true label of each test image (`<data>/test-labels.idx`).
  public let labels: [UInt8]

  /// The random stream of the z drawn for a cvae's generation score; no other draw uses it
  /// (the VAE's own streams are 2^40...2^42, `TrainedModel.priorCodes` uses 7).
  public static let generationStream: UInt64 = 1 << 43

  /// Loads the judge at `path` and the test labels beside `testImages`, checked against
  /// the model: the judge must have been trained on the model's data set (same name,
  /// image size and classes), read images of the model's size and tell its classes apart.
  public static func load(path: String, model: TrainedModel, testImages: String, count: Int, threads: Int) throws -> JudgeScoring {
    guard FileStamp.current(path) != nil else {
      throw RunError.missingInput(path: path, hint: "--judge names a vae-classify checkpoint; train one with vae-classify --out \(path)")
    }
    let judge = try Judge.load(path, threads: threads)
    guard judge.config.inputs == model.config.model.inputSize else {
      throw RunError.dataMismatch(
        path: path,
        reason: "the judge reads images of \(judge.config.inputs) pixels, but the model in \(model.path) makes images of "
          + "\(model.config.model.inputSize); train the judge on the model's data")
    }
    let (judged, trained) = (judge.datasetDescriptor, model.dataset)
    guard judged.name == trained.name, judged.height == trained.height, judged.width == trained.width, judged.classes == trained.classes else {
      throw RunError.dataMismatch(
        path: path,
        reason: "the judge was trained on \(judged.summary), but the run in \(model.path) on \(trained.summary); "
          + "train a judge on the run's data (vae-classify --dataset \(trained.name) writes artifacts/judge/\(trained.name).safetensors)")
    }
    guard judge.config.classes == trained.classCount else {
      throw RunError.dataMismatch(path: path, reason: "the judge tells \(judge.config.classes) classes apart, expected the \(trained.classCount) of \(trained.title)")
    }
    let labelsPath = Self.labelsPath(testImages: testImages)
    guard FileStamp.current(labelsPath) != nil else {
      throw RunError.missingInput(path: labelsPath, hint: "the judge's accuracy needs the test labels; vae-decompress writes them beside the images")
    }
    let labels = try DigitSet.loadLabels(path: labelsPath, classes: trained.classCount)
    guard labels.count == count else {
      throw RunError.dataMismatch(path: labelsPath, reason: "holds \(labels.count) labels but \(testImages) holds \(count) images")
    }
    return JudgeScoring(judge: judge, path: path, labels: labels)
  }

  /// The test labels file the judge's accuracy is measured against, beside `testImages`.
  public static func labelsPath(testImages: String) -> String {
    let folder = FilePaths.parent(of: testImages)
    return DigitSet.path(folder: folder.isEmpty ? "." : folder, split: .test, member: .labels)
  }

  /// The judge's label for each of the `bytes.count / D` images in `bytes`.
  public func predict(_ bytes: [UInt8]) -> [UInt8] {
    let d = judge.config.inputs
    precondition(bytes.count % d == 0, "bytes must hold whole images of the judge's size")
    let pixels = Classifier.pixels(bytes)
    return pixels.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return [] }
      return judge.classifier.predict(base, count: bytes.count / d)
    }
  }

  /// The share of images in `bytes` labelled `expected` (one label per image).
  public func accuracy(_ bytes: [UInt8], expected: [UInt8]) -> Double {
    let predicted = predict(bytes)
    precondition(predicted.count == expected.count, "one expected label per image")
    guard !expected.isEmpty else { return 0 }
    return Double(zip(predicted, expected).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }) / Double(expected.count)
  }

  /// The share of test images labelled right: bytes as they are.
  public func accuracy(_ bytes: [UInt8]) -> Double { accuracy(bytes, expected: labels) }

  /// The share of test images labelled right: intensities in [0, 1], rounded to bytes first.
  public func accuracy(_ values: [Float]) -> Double { accuracy(PixelQuantisation.bytes(values), expected: labels) }

  /// The scores of metrics.json's `judge` object for the clean test images and, when given,
  /// a corrupted copy and the model's restoration of it.
  public func scores(clean: [UInt8], corrupted: [UInt8]?, restored: [Float]?) -> RunMetrics.JudgeScores {
    RunMetrics.JudgeScores(
      checkpoint: path, clean: accuracy(clean), corrupted: corrupted.map { accuracy($0) }, restored: restored.map { accuracy($0) })
  }

  /// A cvae's label-conditioned generation: for each digit k, `samplesPerLabel` codes
  /// z ~ N(0, I) decoded under label k, rounded to bytes, and the share the judge calls k.
  ///
  /// The codes come from `Xoshiro256(seed: seed, stream: generationStream)`, drawn in
  /// one block: label 0's codes first, then label 1's, and so on.
  public func generation(of model: TrainedModel, samplesPerLabel: Int, seed: UInt64) -> RunMetrics.JudgeScores.Generation {
    precondition(model.kind.run.needsLabels && samplesPerLabel > 0, "generation is scored for cvae models, with samples")
    let classes = model.classCount
    let labels = (0..<classes).flatMap { [UInt8](repeating: UInt8($0), count: samplesPerLabel) }
    let codes = Self.generationCodes(count: labels.count, latent: model.config.model.latent, seed: seed)
    let predicted = predict(PixelQuantisation.bytes(model.generate(codes: codes, labels: labels)))
    var right = [Int](repeating: 0, count: classes)
    for (p, k) in zip(predicted, labels) where p == k { right[Int(k)] += 1 }
    let perLabel = right.map { Double($0) / Double(samplesPerLabel) }
    return .init(samplesPerLabel: samplesPerLabel, perLabel: perLabel, overall: perLabel.reduce(0, +) / Double(classes))
  }

  /// `count` codes z ~ N(0, I) [count, latent] from the generation stream of `seed`.
  public static func generationCodes(count: Int, latent: Int, seed: UInt64) -> [Float] {
    var generator = Xoshiro256(seed: seed, stream: generationStream)
    var z = [Float](repeating: 0, count: count * latent)
    z.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
    return z
  }
}
