import Compute

// Legend: B = rows in the batch, I = inputs, O = outputs.

/// A fully connected layer `y = f(x @ W + b)` over flat row-major buffers, with an
/// optional activation f fused into the bias pass.
///
/// The layer owns no memory: W `[I, O]` and b `[O]` live in a ``ParameterSet``
/// at ``weight`` and ``bias``; activations and gradients are buffers of the caller.
public struct Linear: Sendable, Equatable {
  /// How initial weights and biases are drawn.
  public enum Initialization: String, Sendable, Codable {
    /// He (Kaiming) normal: W ~ N(0, 2 / I), b = 0; for layers followed by ReLU-like units.
    case he
    /// Xavier (Glorot) uniform: W ~ U(-a, a) with a = sqrt(6 / (I + O)), b = 0; for tanh and linear outputs.
    case xavier
    /// PyTorch's `nn.Linear` default: W and b ~ U(-a, a) with a = 1 / sqrt(I).
    case fanInUniform
  }

  /// I
  public let inputs: Int
  /// O
  public let outputs: Int
  /// Offset of W `[I, O]` in the parameter set.
  public let weight: Int
  /// Offset of b `[O]` in the parameter set.
  public let bias: Int

  public init(inputs: Int, outputs: Int, weight: Int, bias: Int) {
    self.inputs = inputs
    self.outputs = outputs
    self.weight = weight
    self.bias = bias
  }

  /// The layer whose tensors are `<name>.weight` `[I, O]` and `<name>.bias` `[O]` in `parameters`.
  public init(_ name: String, in parameters: ParameterSet) {
    guard let w = parameters.entry(name + ".weight"), let b = parameters.entry(name + ".bias"),
      w.shape.count == 2, b.shape == [w.shape[1]]
    else { preconditionFailure("no linear layer \(name) in the parameter set") }
    self.init(inputs: w.shape[0], outputs: w.shape[1], weight: w.offset, bias: b.offset)
  }

  /// Draws W and b from `initialization` (W in row-major order, then b), with fan in I and fan out O.
  public func initialize(_ parameters: ParameterSet, _ initialization: Initialization, generator: inout Xoshiro256) {
    initialization.draw(
      weights: parameters.values.pointer + weight, count: inputs * outputs, biases: parameters.values.pointer + bias,
      count: outputs, fanIn: inputs, fanOut: outputs, generator: &generator)
  }

  /// `output = f(input @ W + b)`; with `addBias: false` only `input @ W` (the caller
  /// adds b later, as the fused Bernoulli loss does).
  ///
  /// - Parameters:
  ///   - input: x `[B, I]`
  ///   - output: y `[B, O]`, overwritten
  ///   - activation: f, or nil for none
  public func forward(
    input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
    parameters: ParameterSet, activation: Activation?, addBias: Bool = true, parallel: Parallel
  ) {
    parallel.gemm(
      m: batch, n: outputs, k: inputs, a: input, b: parameters.values.pointer + weight, c: output)
    guard addBias else { return }
    Self.addBias(
      UnsafePointer(parameters.values.pointer + bias), to: output, rows: batch, columns: outputs, activation: activation,
      parallel: parallel)
  }

  /// In place, row by row: `values[r, c] = f(values[r, c] + bias[c])` for `rows x columns` Floats.
  static func addBias(
    _ bias: UnsafePointer<Float>, to values: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
    activation: Activation?, parallel: Parallel
  ) {
    activation.withKernel { f in
      parallel.forEachRange(count: rows, alignment: 1, work: rows * columns) { range in
        for r in range {
          let row = values + r * columns
          strideVectors(columns) { c, width in store(f(load(row + c, width) + load(bias + c, width)), row + c, width) }
        }
      }
    }
  }

  /// Back-propagates through the layer.
  ///
  /// On entry `outputGrad` holds dL/dy; on return it holds dL/d(pre-activation).
  /// Writes (overwrites) dL/dW and dL/db into `parameters.grads`, and dL/dx into
  /// `inputGrad` when one is given (added to it when `accumulateInputGrad`).
  ///
  /// - Parameters:
  ///   - input: x `[B, I]` as in the forward pass
  ///   - output: y `[B, O]` from the forward pass (read only when `activation` is set)
  ///   - outputGrad: dL/dy `[B, O]`, transformed in place
  ///   - inputGrad: dL/dx `[B, I]`, or nil to skip that GEMM (a first layer)
  public func backward(
    input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGrad: UnsafeMutablePointer<Float>,
    inputGrad: UnsafeMutablePointer<Float>?, accumulateInputGrad: Bool = false, batch: Int,
    parameters: ParameterSet, activation: Activation?, parallel: Parallel
  ) {
    Self.activationBackwardAndColumnSums(
      grad: outputGrad, output: output, columnSums: parameters.grads.pointer + bias,
      rows: batch, columns: outputs, activation: activation, parallel: parallel)
    backwardGEMMs(
      input: input, outputGrad: outputGrad, inputGrad: inputGrad, accumulateInputGrad: accumulateInputGrad,
      batch: batch, parameters: parameters, parallel: parallel)
  }

  /// The two GEMMs of the backward pass, for callers that already turned dL/dy into
  /// dL/d(pre-activation) and wrote dL/db (as ``BernoulliLoss`` does for the output layer):
  /// dW = x^T dy (overwritten) and, when `inputGrad` is given, dx = dy W^T.
  public func backwardGEMMs(
    input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
    inputGrad: UnsafeMutablePointer<Float>?, accumulateInputGrad: Bool = false, batch: Int,
    parameters: ParameterSet, parallel: Parallel
  ) {
    let (i, o) = (inputs, outputs)
    let (w, dw) = (UnsafePointer(parameters.values.pointer + weight), parameters.grads.pointer + weight)
    // dW [I, O] = x^T [I, B] @ dy [B, O]
    func weightGrad(_ parallel: Parallel) {
      parallel.gemm(m: i, n: o, k: batch, a: input, transposeA: true, b: outputGrad, c: dw)
    }
    guard let inputGrad else {
      weightGrad(parallel)
      return
    }
    // dx [B, I] = dy [B, O] @ W^T [O, I]
    func inputGradient(_ parallel: Parallel) {
      parallel.gemm(
        m: batch, n: i, k: o, a: outputGrad, b: w, transposeB: true, c: inputGrad, beta: accumulateInputGrad ? 1 : 0)
    }
    // Two small products would each run on one thread: run them side by side.
    if Parallel.isSmallGEMM(m: i, n: o, k: batch) && Parallel.isSmallGEMM(m: batch, n: i, k: o) {
      parallel.concurrently(weightGrad, inputGradient)
    } else {
      weightGrad(parallel)
      inputGradient(parallel)
    }
  }

  /// `grad *= f'(output)` (skipped without an activation) and `columnSums[c] = sum over rows of grad[r, c]`.
  ///
  /// Work is cut into 8-column chunks, each summed over rows in row order by one
  /// thread, so the sums do not depend on the thread count.
  static func activationBackwardAndColumnSums(
    grad: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, columnSums: UnsafeMutablePointer<Float>,
    rows: Int, columns: Int, activation: Activation?, parallel: Parallel
  ) {
    let chunks = Parallel.chunks(count: columns, size: 8)
    @inline(__always)
    func chunkKernel(_ c: Int, _ width: Int) {
      var sum = Vector()
      for r in 0..<rows {
        let at = r * columns + c
        var g = load(grad + at, width)
        if let activation {
          g = g * activation.derivative(fromOutput: load(output + at, width))
          store(g, grad + at, width)
        }
        sum += g
      }
      store(sum, columnSums + c, width)
    }
    parallel.forEachChunk(chunks, work: rows * columns) { chunk in
      let c = chunk * 8
      if c + 8 <= columns { chunkKernel(c, 8) } else { chunkKernel(c, columns - c) }
    }
  }
}

extension Linear.Initialization {
  /// Fills `count` weights, then `biasCount` biases, drawn in order from `generator`.
  ///
  /// - he: W ~ N(0, 2 / fanIn), b = 0
  /// - xavier: W ~ U(-a, a) with a = sqrt(6 / (fanIn + fanOut)), b = 0
  /// - fanInUniform: W and b ~ U(-a, a) with a = 1 / sqrt(fanIn)
  public func draw(
    weights w: UnsafeMutablePointer<Float>, count: Int, biases b: UnsafeMutablePointer<Float>, count biasCount: Int,
    fanIn: Int, fanOut: Int, generator: inout Xoshiro256
  ) {
    switch self {
    case .he:
      let scale = Float((2.0 / Double(fanIn)).squareRoot())
      generator.fillNormal(UnsafeMutableBufferPointer(start: w, count: count))
      for i in 0..<count { w[i] *= scale }
    case .xavier:
      let limit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
      for i in 0..<count { w[i] = (2 * generator.nextFloat() - 1) * limit }
    case .fanInUniform:
      let limit = Float((1.0 / Double(fanIn)).squareRoot())
      for i in 0..<count { w[i] = (2 * generator.nextFloat() - 1) * limit }
      for i in 0..<biasCount { b[i] = (2 * generator.nextFloat() - 1) * limit }
      return
    }
    b.update(repeating: 0, count: biasCount)
  }
}
