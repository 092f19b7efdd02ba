/// The shape and optimiser settings of a ``Classifier`` (the judge MLP).
public struct ClassifierConfig: Codable, Equatable, Sendable {
  /// Pixels per image (784 for 28 x 28).
  public var inputs: Int = 784
  /// Widths of the ReLU hidden layers, in order.
  public var hidden: [Int] = [256, 128]
  /// Number of classes (10 digits).
  public var classes: Int = 10
  /// Images per Adam step.
  public var batchSize: Int = 128
  /// Adam's learning rate.
  public var learningRate: Float = 1e-3
  /// Epoch e (from 0) trains at learningRate * learningRateDecay^e; decay keeps late epochs
  /// from overfitting (MNIST test accuracy stalls near 97.9% at a constant rate).
  public var learningRateDecay: Float = 0.8
  /// Seeds the initial weights and every epoch's data order.
  public var seed: UInt64 = 1

  public init() {}

  /// Throws ``ModelError/invalidConfiguration(field:value:expected:)`` for a field out of its domain.
  public func validate() throws(ModelError) {
    guard (1...VAEConfig.maxInputSize).contains(inputs) else {
      throw .invalidConfiguration(field: "inputs", value: "\(inputs)", expected: "1...\(VAEConfig.maxInputSize)")
    }
    guard hidden.allSatisfy({ $0 > 0 }) else {
      throw .invalidConfiguration(field: "hidden", value: VAEConfig.shortList(hidden), expected: "positive widths")
    }
    guard hidden.count <= VAEConfig.maxHiddenLayers, hidden.allSatisfy({ $0 <= VAEConfig.maxWidth }) else {
      throw .invalidConfiguration(
        field: "hidden", value: VAEConfig.shortList(hidden),
        expected: "at most \(VAEConfig.maxHiddenLayers) widths of at most \(VAEConfig.maxWidth)")
    }
    guard (2...256).contains(classes) else {
      throw .invalidConfiguration(field: "classes", value: "\(classes)", expected: "2...256")
    }
    guard (1...TrainingConfig.maxBatchSize).contains(batchSize) else {
      throw .invalidConfiguration(field: "batchSize", value: "\(batchSize)", expected: "1...\(TrainingConfig.maxBatchSize)")
    }
    // Widths are bounded above, so these products fit; 65 layers of 65,536^2 would not fit the ceiling.
    let widths = [inputs] + hidden + [classes]
    let parameters = zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
    guard parameters <= VAEConfig.maxParameters else {
      throw .invalidConfiguration(field: "model", value: "\(parameters) parameters", expected: "at most \(VAEConfig.maxParameters)")
    }
    guard learningRateDecay > 0, learningRateDecay <= 1 else {
      throw .invalidConfiguration(field: "learningRateDecay", value: "\(learningRateDecay)", expected: "in (0, 1]")
    }
    guard learningRate > 0, learningRate.isFinite else {
      throw .invalidConfiguration(field: "learningRate", value: "\(learningRate)", expected: "a finite value > 0")
    }
  }

  /// The tensors of the model, in order: "layers.<i>.weight" [in, out] and "layers.<i>.bias" [out].
  public var tensorLayout: [(name: String, shape: [Int])] {
    let widths = [inputs] + hidden + [classes]
    var layout: [(name: String, shape: [Int])] = []
    for i in 0..<widths.count - 1 {
      layout.append((name: "layers.\(i).weight", shape: [widths[i], widths[i + 1]]))
      layout.append((name: "layers.\(i).bias", shape: [widths[i + 1]]))
    }
    return layout
  }
}
