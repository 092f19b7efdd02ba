import ArgumentParser
import DataFiles
import Foundation
import Models

/// `vae-classify`: train the judge classifier that scores generated digits, or evaluate one.
public struct ClassifyCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-classify",
    abstract: "Train the judge MLP classifier on a digit set, or measure a trained judge's accuracy.",
    discussion: """
      Trains a 784-256-128-10 ReLU MLP with softmax cross-entropy and Adam on \
      <data>/train-images.idx and train-labels.idx, printing each epoch's mean train loss \
      and the accuracy on test-images.idx / test-labels.idx, then writes the weights \
      atomically to --out (safetensors, metadata format "digitvae.judge/1"). Skipped when \
      the inputs, options and output are unchanged since the last run (.vae-classify.manifest.json \
      beside --out). With --evaluate IMAGES --labels LABELS it loads --out instead and prints \
      the accuracy on those files.

      Example: vae-classify --data artifacts/data/mnist --out artifacts/judge/mnist.safetensors
      """)

  @Option(help: "Folder with the IDX files of vae-decompress.") public var data = "artifacts/data/mnist"
  @Option(help: "The judge checkpoint to write (or read with --evaluate).") public var out = "artifacts/judge/mnist.safetensors"
  @Option(help: "Passes over the training set.") public var epochs = 15
  @Option(help: "Seeds the initial weights and the data order.") public var seed: UInt64 = 1
  @Option(help: "Threads for the matrix products.") public var threads = 2
  @Option(help: "Evaluate the judge at --out on this IDX images file instead of training.") public var evaluate: String?
  @Option(help: "The labels of the --evaluate images.") public var labels: String?

  public init() {}

  public mutating func validate() throws {
    guard epochs > 0 else { throw ValidationError("--epochs must be at least 1") }
    guard threads > 0 else { throw ValidationError("--threads must be at least 1") }
    if evaluate != nil && labels == nil { throw ValidationError("--evaluate needs --labels, the labels of those images") }
    if labels != nil && evaluate == nil { throw ValidationError("--labels is only used with --evaluate") }
  }

  public func run() throws {
    try StageError.reporting {
      if let evaluate, let labels {
        try runEvaluation(images: evaluate, labels: labels)
      } else {
        try runTraining()
      }
    }
  }

  static let stageName = "vae-classify"

  func runEvaluation(images imagesPath: String, labels labelsPath: String) throws {
    guard FileStamp.current(out) != nil else {
      throw StageError.missingInput(path: out, hint: "train a judge first with vae-classify --out \(out)")
    }
    let judge = try Judge.load(out, threads: threads)
    let (images, labels) = try Self.loadPair(images: imagesPath, labels: labelsPath)
    let accuracy = try judge.accuracy(images, labels: labels, source: imagesPath)
    Console.standard.line(
      "vae-classify: \(out) labels \(String(format: "%.2f", accuracy * 100))% of \(labels.count) images in \(imagesPath) correctly")
  }

  /// Images and labels from any two paths, checked to be the same count.
  static func loadPair(images imagesPath: String, labels labelsPath: String) throws -> (IDXArray<UInt8>, [UInt8]) {
    for path in [imagesPath, labelsPath] where FileStamp.current(path) == nil {
      throw StageError.missingInput(path: path, hint: "run vae-decompress, or check the path")
    }
    let images = try DigitSet.loadImages(path: imagesPath)
    let labels = try DigitSet.loadLabels(path: labelsPath)
    guard images.itemCount == labels.count else {
      throw DataFileError.countMismatch(imagesPath: imagesPath, images: images.itemCount, labelsPath: labelsPath, labels: labels.count)
    }
    return (images, labels)
  }

  func runTraining() throws {
    let inputs = [Split.train, .test].flatMap { split in
      [DigitSet.Member.images, .labels].map { DigitSet.path(folder: data, split: split, member: $0) }
    }
    for path in inputs where FileStamp.current(path) == nil {
      throw StageError.missingInput(path: path, hint: "run vae-fetch and vae-decompress first (or pass --data)")
    }
    let folder = FilePaths.parent(of: out)
    try Folders.create(folder.isEmpty ? "." : folder)
    let manifestPath = StageManifest.path(folder: folder.isEmpty ? "." : folder, stage: Self.stageName)
    let options = ["epochs": "\(epochs)", "seed": "\(seed)", "format": Judge.format, "out": out]
    if StageManifest.isUpToDate(at: manifestPath, stage: Self.stageName, options: options, inputs: inputs, outputs: [out]) {
      Console.standard.line("vae-classify: \(out) is up to date with \(data) (skipped)")
      return
    }
    let train = try DigitSet.load(folder: data, split: .train)
    let test = try DigitSet.load(folder: data, split: .test)
    var config = ClassifierConfig()
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
      Console.standard.line(
        String(
          format: "vae-classify: epoch %d/%d  train loss %.4f  train acc %.2f%%  test acc %.2f%%  (%.1f s)", epoch, epochs,
          report.meanLoss, report.accuracy * 100, testAccuracy * 100, Date().timeIntervalSince(started)))
    }
    try Judge.file(of: trainer.classifier, testAccuracy: testAccuracy).write(to: out)
    try StageManifest.stamping(stage: Self.stageName, options: options, inputs: inputs, outputs: [out])
      .write(to: manifestPath)
    Console.standard.line(
      "vae-classify: wrote \(out) (test accuracy \(String(format: "%.2f", testAccuracy * 100))% after \(epochs) epochs)")
  }
}
