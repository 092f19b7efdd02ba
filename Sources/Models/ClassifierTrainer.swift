import Compute
import Foundation

/// Trains a ``Classifier`` with Adam on images held in memory; no I/O.
///
/// Epoch e visits the images in an order drawn from (config.seed, e) alone, so a run is
/// reproducible for a given seed and thread count.
public final class ClassifierTrainer {
  /// The mean loss and accuracy over one pass.
  public struct EpochReport: Equatable, Sendable {
    public var meanLoss: Double
    public var accuracy: Double
  }

  public let classifier: Classifier
  public let optimizer: Adam
  /// Epochs finished so far.
  public private(set) var epoch = 0
  private let images: [Float]
  private let labels: [UInt8]

  /// - Parameters:
  ///   - images: `[count, inputs]` pixels in 0...1
  ///   - labels: `[count]`, each below `config.classes`
  /// - Throws: ``ModelError`` for a bad config, sizes that do not agree, a label out of range, or no BLAS.
  public init(config: ClassifierConfig, images: [Float], labels: [UInt8], threads: Int = 1) throws(ModelError) {
    guard images.count == labels.count * config.inputs, !labels.isEmpty else {
      throw .sizeMismatch(what: "training images for \(labels.count) labels", expected: labels.count * config.inputs, found: images.count)
    }
    if let bad = labels.first(where: { Int($0) >= config.classes }) {
      throw .invalidConfiguration(field: "label", value: "\(bad)", expected: "below \(config.classes)")
    }
    classifier = try Classifier(
      config: config, maxBatch: min(config.batchSize, labels.count), parallel: Parallel(threads: max(1, threads)))
    optimizer = Adam(count: classifier.parameters.count, learningRate: config.learningRate)
    self.images = images
    self.labels = labels
  }

  /// One pass over the training images in the epoch's shuffled order; the last batch may be short.
  public func trainEpoch() -> EpochReport {
    let config = classifier.config
    let count = labels.count
    var order = Array(0..<count)
    var generator = Xoshiro256(seed: config.seed, stream: UInt64(epoch) + 1)
    generator.shuffle(&order)
    optimizer.learningRate = config.learningRate * Float(pow(Double(config.learningRateDecay), Double(epoch)))
    let batchSize = classifier.maxBatch
    var x = [Float](repeating: 0, count: batchSize * config.inputs)
    var y = [UInt8](repeating: 0, count: batchSize)
    var loss = 0.0
    var correct = 0
    var start = 0
    while start < count {
      let n = min(batchSize, count - start)
      for r in 0..<n {
        let from = order[start + r] * config.inputs
        x.replaceSubrange(r * config.inputs..<(r + 1) * config.inputs, with: images[from..<from + config.inputs])
        y[r] = labels[order[start + r]]
      }
      let result = classifier.lossAndGradients(x, labels: y, batch: n)
      optimizer.update(classifier.parameters, parallel: classifier.parallel)
      loss += result.loss
      correct += result.correct
      start += n
    }
    epoch += 1
    return EpochReport(meanLoss: loss / Double(count), accuracy: Double(correct) / Double(count))
  }

  /// The share of `labels` the classifier predicts right from `images` (pixels in 0...1).
  public func accuracy(images: [Float], labels: [UInt8]) -> Double {
    precondition(images.count == labels.count * classifier.config.inputs, "images and labels differ in count")
    guard !labels.isEmpty else { return 0 }
    let predicted = images.withUnsafeBufferPointer { buffer in
      buffer.baseAddress.map { classifier.predict($0, count: labels.count) } ?? []
    }
    return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
  }
}
