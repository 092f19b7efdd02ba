import Compute

/// A multilayer perceptron that maps images to class logits: ReLU hidden layers and a
/// linear output, trained with ``SoftmaxCrossEntropy``.
///
/// Built from ``Linear`` layers over one ``ParameterSet``; activations live in buffers
/// sized for `maxBatch` rows, so the class is not thread-safe.
public final class Classifier {
  public let config: ClassifierConfig
  public let parameters: ParameterSet
  public let layers: [Linear]
  public let maxBatch: Int
  public let parallel: Parallel
  /// outputs[i] holds layer i's output `[maxBatch, layers[i].outputs]`.
  private let outputs: [FloatBuffer]
  /// grads[i] holds dL/d(output of layer i).
  private let grads: [FloatBuffer]

  /// A classifier with initial weights drawn from `config.seed` (He normal for the
  /// hidden layers, Xavier uniform for the output layer, zero biases).
  ///
  /// Throws ``ModelError`` for a bad config or when OpenBLAS cannot be loaded.
  public init(config: ClassifierConfig, maxBatch: Int, parallel: Parallel = Parallel(threads: 1)) throws(ModelError) {
    try config.validate()
    precondition(maxBatch > 0, "maxBatch must be positive")
    do { try BLAS.load() } catch { throw .blasUnavailable(error.description) }
    self.config = config
    self.maxBatch = maxBatch
    self.parallel = parallel
    let parameters = ParameterSet(config.tensorLayout)
    let count = config.hidden.count + 1
    let layers = (0..<count).map { Linear("layers.\($0)", in: parameters) }
    self.parameters = parameters
    self.layers = layers
    outputs = layers.map { FloatBuffer(count: maxBatch * $0.outputs) }
    grads = layers.map { FloatBuffer(count: maxBatch * $0.outputs) }
    var generator = Xoshiro256(seed: config.seed, stream: 0x6A75_6467_65)
    for (i, layer) in layers.enumerated() {
      layer.initialize(parameters, i == count - 1 ? .xavier : .he, generator: &generator)
    }
  }

  /// Runs `batch` rows of `input` `[batch, inputs]` through the net; returns the logits `[batch, classes]`,
  /// valid until the next call.
  @discardableResult
  public func forward(_ input: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
    precondition(batch <= maxBatch, "batch \(batch) over maxBatch \(maxBatch)")
    var x = input
    for (i, layer) in layers.enumerated() {
      let last = i == layers.count - 1
      layer.forward(
        input: x, output: outputs[i].pointer, batch: batch, parameters: parameters,
        activation: last ? nil : .relu, parallel: parallel)
      x = UnsafePointer(outputs[i].pointer)
    }
    return x
  }

  /// Forward and backward for the mean cross-entropy of the batch: fills `parameters.grads`
  /// and returns the summed loss and the correct count.
  public func lossAndGradients(_ input: UnsafePointer<Float>, labels: UnsafePointer<UInt8>, batch: Int) -> SoftmaxCrossEntropy.Result {
    let logits = forward(input, batch: batch)
    let last = layers.count - 1
    let result = SoftmaxCrossEntropy.evaluate(
      logits: logits, labels: labels, batch: batch, classes: config.classes, gradient: grads[last].pointer,
      scale: 1 / Float(batch))
    for i in stride(from: last, through: 0, by: -1) {
      let input = i == 0 ? input : UnsafePointer(outputs[i - 1].pointer)
      layers[i].backward(
        input: input, output: outputs[i].pointer, outputGrad: grads[i].pointer,
        inputGrad: i == 0 ? nil : grads[i - 1].pointer, batch: batch, parameters: parameters,
        activation: i == last ? nil : .relu, parallel: parallel)
    }
    return result
  }

  /// The most likely class of each of `count` rows of `pixels` (values in 0...1), batch by batch.
  public func predict(_ pixels: UnsafePointer<Float>, count: Int) -> [UInt8] {
    var labels: [UInt8] = []
    labels.reserveCapacity(count)
    var start = 0
    while start < count {
      let n = min(maxBatch, count - start)
      let logits = forward(pixels + start * config.inputs, batch: n)
      for r in 0..<n {
        let row = logits + r * config.classes
        var best = 0
        for j in 1..<config.classes where row[j] > row[best] { best = j }
        labels.append(UInt8(best))
      }
      start += n
    }
    return labels
  }

  /// Pixels scaled to 0...1 as the classifier reads them.
  public static func pixels(_ bytes: [UInt8]) -> [Float] { bytes.map { Float($0) / 255 } }
}
