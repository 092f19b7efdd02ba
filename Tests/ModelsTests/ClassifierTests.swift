import Compute
import Foundation
import Testing
@testable import Models

@Suite struct ClassifierTests {
  /// Mean softmax cross-entropy in Double: the reference the Float kernels are checked against.
  static func referenceLoss(_ logits: [Double], _ labels: [UInt8], classes: Int) -> Double {
    let batch = labels.count
    var total = 0.0
    for r in 0..<batch {
      let row = Array(logits[r * classes..<(r + 1) * classes])
      let m = row.max() ?? 0
      total += m + log(row.map { exp($0 - m) }.reduce(0, +)) - row[Int(labels[r])]
    }
    return total / Double(batch)
  }

  /// dL/dz of the mean loss against central differences of the Double reference.
  /// Tolerance: 1e-5 absolute (Float softmax vs Double differences with h = 1e-5).
  @Test func softmaxCrossEntropyGradientMatchesFiniteDifferences() {
    let (batch, classes) = (4, 7)
    let logits = Reference.randomFloats(batch * classes, scale: 3, seed: 11)
    let labels: [UInt8] = [0, 6, 3, 3]
    var gradient = [Float](repeating: .nan, count: batch * classes)
    let result = SoftmaxCrossEntropy.evaluate(
      logits: logits, labels: labels, batch: batch, classes: classes, gradient: &gradient, scale: 1 / Float(batch))
    let z = logits.map(Double.init)
    let expectedLoss = Self.referenceLoss(z, labels, classes: classes)
    #expect(abs(result.loss / Double(batch) - expectedLoss) < 1e-6, "loss expected \(expectedLoss), seen \(result.loss / Double(batch))")
    let h = 1e-5
    var worst = 0.0
    for i in 0..<z.count {
      var plus = z, minus = z
      plus[i] += h
      minus[i] -= h
      let numeric = (Self.referenceLoss(plus, labels, classes: classes) - Self.referenceLoss(minus, labels, classes: classes)) / (2 * h)
      worst = max(worst, abs(numeric - Double(gradient[i])))
    }
    #expect(worst < 1e-5, "max |analytic - numeric| = \(worst)")
  }

  /// Logits of +-1000 would overflow a naive exp: the log-sum-exp form stays finite and exact.
  /// Tolerance: 1e-6 absolute.
  @Test func softmaxCrossEntropyIsStableForHugeLogits() {
    let logits: [Float] = [1000, 0, -1000, 1000, 1000, 1000]
    let labels: [UInt8] = [1, 0]
    var gradient = [Float](repeating: .nan, count: 6)
    let result = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels, batch: 2, classes: 3, gradient: &gradient)
    // Row 0: L = 1000; row 1: L = log 3.
    let expected = 1000 + log(3.0)
    #expect(abs(result.loss - expected) < 1e-3, "loss expected \(expected), seen \(result.loss)")
    let finite = gradient.allSatisfy { $0.isFinite }
    #expect(finite, "gradient \(gradient)")
    #expect(abs(Double(gradient[1]) + 1) < 1e-6 && abs(Double(gradient[0]) - 1) < 1e-6, "gradient \(gradient)")
    #expect(result.correct == 1, "row 1 has a tie broken to class 0 = label; row 0 is wrong; seen \(result.correct)")
  }

  /// Loss of the whole MLP in Double from the classifier's current parameters.
  static func referenceMLPLoss(_ flat: [Double], _ classifier: Classifier, x: [Double], labels: [UInt8]) -> Double {
    var activations = x
    let batch = labels.count
    for (i, layer) in classifier.layers.enumerated() {
      let w = Array(flat[layer.weight..<layer.weight + layer.inputs * layer.outputs])
      let b = Array(flat[layer.bias..<layer.bias + layer.outputs])
      let last = i == classifier.layers.count - 1
      activations = Reference.linear(
        activations, w, b, batch: batch, inputs: layer.inputs, outputs: layer.outputs, last ? nil : .relu)
    }
    return referenceLoss(activations, labels, classes: classifier.config.classes)
  }

  /// Every parameter gradient of the classifier against central differences of a Double
  /// reference MLP. Tolerance: 1e-3 relative to max(|numeric|, 1e-2) (Float kernels, h = 1e-6).
  @Test(arguments: [1, 2])
  func classifierGradientsMatchFiniteDifferences(threads: Int) throws {
    var config = ClassifierConfig()
    (config.inputs, config.hidden, config.classes, config.seed) = (9, [8, 6], 4, 5)
    let batch = 5
    let classifier = try Classifier(config: config, maxBatch: batch, parallel: Parallel(threads: threads))
    // Non-zero biases so that no ReLU sits at its kink.
    for layer in classifier.layers {
      let values = Reference.randomFloats(layer.outputs, scale: 0.2, seed: UInt64(layer.bias) + 1)
      for (j, v) in values.enumerated() { classifier.parameters.values.pointer[layer.bias + j] = v }
    }
    let x = Reference.randomFloats(batch * config.inputs, seed: 21)
    let labels: [UInt8] = [0, 1, 2, 3, 1]
    let result = classifier.lossAndGradients(x, labels: labels, batch: batch)
    let flat = classifier.parameters.values.array.map(Double.init)
    let xd = x.map(Double.init)
    let seenLoss = result.loss / Double(batch)
    let expectedLoss = Self.referenceMLPLoss(flat, classifier, x: xd, labels: labels)
    #expect(abs(seenLoss - expectedLoss) < 1e-5, "loss expected \(expectedLoss), seen \(seenLoss)")
    let grads = classifier.parameters.grads.array
    let h = 1e-6
    var worst = 0.0
    for entry in classifier.parameters.entries {
      for i in entry.offset..<entry.offset + entry.count {
        var plus = flat, minus = flat
        plus[i] += h
        minus[i] -= h
        let numeric =
          (Self.referenceMLPLoss(plus, classifier, x: xd, labels: labels)
            - Self.referenceMLPLoss(minus, classifier, x: xd, labels: labels)) / (2 * h)
        worst = max(worst, abs(numeric - Double(grads[i])) / max(abs(numeric), 1e-2))
      }
    }
    #expect(worst < 1e-3, "max relative gradient error \(worst)")
  }

  /// Three Gaussian clusters in 20 dimensions, one per class.
  static func clusters(count: Int, seed: UInt64) -> (images: [Float], labels: [UInt8]) {
    var generator = Xoshiro256(seed: seed)
    var images: [Float] = []
    var labels: [UInt8] = []
    for i in 0..<count {
      let label = UInt8(i % 3)
      for d in 0..<20 {
        let centre: Float = d % 3 == Int(label) ? 0.8 : 0.2
        images.append(centre + 0.15 * Float(generator.nextNormalPair().0))
      }
      labels.append(label)
    }
    return (images, labels)
  }

  static var smallConfig: ClassifierConfig {
    var config = ClassifierConfig()
    (config.inputs, config.hidden, config.classes, config.batchSize, config.seed) = (20, [16], 3, 16, 7)
    return config
  }

  @Test func trainingReachesHighAccuracyOnSeparableData() throws {
    let train = Self.clusters(count: 300, seed: 1)
    let test = Self.clusters(count: 150, seed: 2)
    let trainer = try ClassifierTrainer(config: Self.smallConfig, images: train.images, labels: train.labels)
    var reports: [ClassifierTrainer.EpochReport] = []
    for _ in 0..<10 { reports.append(trainer.trainEpoch()) }
    let accuracy = trainer.accuracy(images: test.images, labels: test.labels)
    #expect(accuracy >= 0.97, "test accuracy \(accuracy) after 10 epochs, expected >= 0.97")
    #expect(reports[9].meanLoss < reports[0].meanLoss / 2, "loss \(reports[0].meanLoss) -> \(reports[9].meanLoss)")
  }

  @Test func trainingIsReproducibleFromTheSeed() throws {
    let train = Self.clusters(count: 100, seed: 3)
    func run(seed: UInt64) throws -> [Float] {
      var config = Self.smallConfig
      config.seed = seed
      let trainer = try ClassifierTrainer(config: config, images: train.images, labels: train.labels)
      _ = trainer.trainEpoch()
      _ = trainer.trainEpoch()
      return trainer.classifier.parameters.values.array
    }
    #expect(try run(seed: 4) == (try run(seed: 4)), "same seed, different weights")
    #expect(try run(seed: 4) != (try run(seed: 5)), "different seeds, same weights")
  }

  @Test func trainerRejectsMismatchedSizesAndLabels() {
    let config = Self.smallConfig
    #expect(throws: ModelError.sizeMismatch(what: "training images for 2 labels", expected: 40, found: 39)) {
      _ = try ClassifierTrainer(config: config, images: [Float](repeating: 0, count: 39), labels: [0, 1])
    }
    #expect(throws: ModelError.invalidConfiguration(field: "label", value: "3", expected: "below 3")) {
      _ = try ClassifierTrainer(config: config, images: [Float](repeating: 0, count: 40), labels: [0, 3])
    }
    var bad = config
    bad.hidden = [0]
    #expect(throws: ModelError.invalidConfiguration(field: "hidden", value: "[0]", expected: "positive widths")) {
      _ = try Classifier(config: bad, maxBatch: 1)
    }
  }
}
