import DataFiles
import Foundation
import Models
import Runs
import Terminal

/// The work of `vae-classify`: train the judge (a digit classifier the other
/// stages score images with) and write it, or measure a judge on given images.
public struct ClassifyStage {
  /// How a training ended.
  public enum Outcome: Equatable, Sendable {
    /// The judge at `out` was already up to date.
    case skipped
    /// A judge was trained and written; its accuracy on the test images.
    case wrote(testAccuracy: Double)
  }

  public var data: String
  public var out: String
  public var epochs: Int
  public var seed: UInt64
  public var threads: Int
  public var console: Console = .standard

  public init(data: String, out: String, epochs: Int, seed: UInt64, threads: Int) {
    self.data = data
    self.out = out
    self.epochs = epochs
    self.seed = seed
    self.threads = threads
  }

  static let stageName = "vae-classify"

  /// The judge at `out`'s accuracy on an images file and its labels, and how many images it read.
  public func evaluate(images imagesPath: String, labels labelsPath: String) throws -> (accuracy: Double, count: Int) {
    guard FileStamp.current(out) != nil else {
      throw RunError.missingInput(path: out, hint: "train a judge first with vae-classify --out \(out)")
    }
    let judge = try Judge.load(out, threads: threads)
    let (images, labels) = try Self.loadPair(images: imagesPath, labels: labelsPath, classes: judge.config.classes)
    return (try judge.accuracy(images, labels: labels, source: imagesPath), labels.count)
  }

  /// Images and labels from any two paths, checked to be the same count.
  static func loadPair(images imagesPath: String, labels labelsPath: String, classes: Int) throws -> (IDXArray<UInt8>, [UInt8]) {
    for path in [imagesPath, labelsPath] where FileStamp.current(path) == nil {
      throw RunError.missingInput(path: path, hint: "run vae-decompress, or check the path")
    }
    let images = try DigitSet.loadImages(path: imagesPath)
    let labels = try DigitSet.loadLabels(path: labelsPath, classes: classes)
    guard images.itemCount == labels.count else {
      throw DataFileError.countMismatch(imagesPath: imagesPath, images: images.itemCount, labelsPath: labelsPath, labels: labels.count)
    }
    return (images, labels)
  }

  /// Trains the judge and writes it to `out`, unless it is up to date with the data and options.
  public func run() throws -> Outcome {
    let inputs = [Split.train, .test].flatMap { split in
      [DigitSet.Member.images, .labels].map { DigitSet.path(folder: data, split: split, member: $0) }
    }
    for path in inputs where FileStamp.current(path) == nil {
      throw RunError.missingInput(path: path, hint: "run vae-fetch and vae-decompress first (or pass --data)")
    }
    let dataset = try DatasetDescriptor.read(folder: data)
    let folder = FilePaths.parent(of: out)
    try Folders.create(folder.isEmpty ? "." : folder)
    let options = ["epochs": "\(epochs)", "seed": "\(seed)", "format": Judge.format, "out": out, "dataset": dataset.json()]
    let record = StageRecord(stage: Self.stageName, folder: folder.isEmpty ? "." : folder, options: options, inputs: inputs, outputs: [out])
    if record.isUpToDate { return .skipped }
    let train = try DigitSet.load(folder: data, split: .train, dataset: dataset)
    let test = try DigitSet.load(folder: data, split: .test, dataset: dataset)
    var config = ClassifierConfig()
    (config.inputs, config.classes) = (dataset.pixels, dataset.classCount)
    config.seed = seed
    let trainer = try ClassifierTrainer(
      config: config, images: Classifier.pixels(train.images.scalars), labels: train.labels, threads: threads)
    let testPixels = Classifier.pixels(test.images.scalars)
    let started = Date()
    var testAccuracy = 0.0
    for epoch in 1...epochs {
      let report = trainer.trainEpoch()
      guard report.meanLoss.isFinite else {
        throw StageError.nonFiniteLoss(step: 0, epoch: epoch, loss: report.meanLoss, lastGood: nil)
      }
      testAccuracy = trainer.accuracy(images: testPixels, labels: test.labels)
      console.line(
        String(
          format: "vae-classify: epoch %d/%d  train loss %.4f  train acc %.2f%%  test acc %.2f%%  (%.1f s)", epoch, epochs,
          report.meanLoss, report.accuracy * 100, testAccuracy * 100, Date().timeIntervalSince(started)))
    }
    try record.writing { try Judge.file(of: trainer.classifier, dataset: dataset, testAccuracy: testAccuracy).write(to: out) }
    return .wrote(testAccuracy: testAccuracy)
  }
}
