import Compute

// Legend: B = images, S = input side, S'' = output side (2S for k = 4, stride 2, padding 1),
// Ci = input channels, Co = output channels, k = kernel side; P = S^2 input pixels per image.
// Images are channels-last (NHWC): [B, S, S, Ci] is also [B * P, Ci].

/// A square 2-D transposed convolution (the adjoint of a ``Convolution`` with the same
/// geometry), `y = f(tconv(x, W) + b)`, computed as one GEMM then col2im:
/// `cols [B P, k^2 Co] = x [B P, Ci] @ W [Ci, k^2 Co]`, then every row of cols is added
/// onto the k x k output patch that input pixel covers.
///
/// W is stored `[Ci, k, k, Co]` (PyTorch's `ConvTranspose2d` weight `[Ci, Co, k, k]`
/// with the channels moved last), b `[Co]`, or, with an untied bias, `[S'', S'', Co]`:
/// one bias per output value, which the layer does not add itself (the caller does, as
/// the fused Bernoulli loss does for the decoder's output).
///
/// Backward: `dcols = im2col(dy)`, `dW = x^T dcols`, `dx = dcols W^T`. It owns no memory.
public struct TransposedConvolution: Sendable, Equatable {
  /// The geometry of the adjoint convolution: its input is this layer's output (S'', Co).
  public let geometry: ImageColumns
  /// Ci
  public let inputChannels: Int
  /// The GEMM: inputs Ci, outputs k^2 Co, and the offsets of W and b.
  public let matrix: Linear
  /// Biases in the tensor: Co, or S''^2 Co when untied.
  public let biasCount: Int

  /// The layer whose tensors are `<name>.weight` `[Ci, k, k, Co]` and `<name>.bias` (`[Co]`,
  /// or `[S'' S'' Co]` when `untiedBias`), writing images of side `outputSide` (a
  /// precondition: they are there with those shapes).
  public init(_ name: String, outputSide: Int, stride: Int = 2, padding: Int = 1, untiedBias: Bool = false, in parameters: ParameterSet) {
    guard let w = parameters.entry(name + ".weight"), let b = parameters.entry(name + ".bias"),
      w.shape.count == 4, w.shape[1] == w.shape[2],
      b.count == (untiedBias ? outputSide * outputSide * w.shape[3] : w.shape[3])
    else { preconditionFailure("no transposed convolution \(name) in the parameter set") }
    geometry = ImageColumns(side: outputSide, channels: w.shape[3], kernel: w.shape[1], stride: stride, padding: padding)
    inputChannels = w.shape[0]
    matrix = Linear(inputs: inputChannels, outputs: geometry.columns, weight: w.offset, bias: b.offset)
    biasCount = b.count
  }

  /// Co
  public var outputChannels: Int { geometry.channels }
  /// Floats of one input image: P Ci.
  public var inputSize: Int { geometry.rowsPerImage * inputChannels }

  /// Draws W (row-major) then b, with PyTorch's fans for `ConvTranspose2d`: in k^2 Co, out k^2 Ci.
  public func initialize(_ parameters: ParameterSet, _ initialization: Linear.Initialization, generator: inout Xoshiro256) {
    let k2 = geometry.kernel * geometry.kernel
    initialization.draw(
      weights: parameters.values.pointer + matrix.weight, count: inputChannels * matrix.outputs,
      biases: parameters.values.pointer + matrix.bias, count: biasCount, fanIn: k2 * outputChannels,
      fanOut: k2 * inputChannels, generator: &generator)
  }

  /// `output = f(tconv(input, W) + b)`; with `addBias: false` (an untied bias) only `tconv(input, W)`.
  ///
  /// - Parameters:
  ///   - input: x `[B, S, S, Ci]`
  ///   - scratch: `[B P, k^2 Co]`, overwritten
  ///   - output: y `[B, S'', S'', Co]`, overwritten
  public func forward(
    input: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
    parameters: ParameterSet, activation: Activation?, addBias: Bool = true, parallel: Parallel
  ) {
    let rows = batch * geometry.rowsPerImage
    matrix.forward(
      input: input, output: scratch, batch: rows, parameters: parameters, activation: nil, addBias: false, parallel: parallel)
    geometry.scatter(scratch, into: output, count: batch, parallel: parallel)
    guard addBias else { return }
    Linear.addBias(
      UnsafePointer(parameters.values.pointer + matrix.bias), to: output, rows: batch * geometry.side * geometry.side,
      columns: outputChannels, activation: activation, parallel: parallel)
  }

  /// Back-propagates through the layer.
  ///
  /// With `biasDone: false`, on entry `outputGrad` holds dL/dy and on return
  /// dL/d(pre-activation), and dL/db is written; with `biasDone: true` it must already hold
  /// dL/d(pre-activation) and the caller has written dL/db (an untied bias in the loss).
  /// Writes (overwrites) dL/dW and, when `inputGrad` is given, dL/dx.
  ///
  /// - Parameters:
  ///   - input: x `[B P, Ci]` as in the forward pass
  ///   - output: y `[B, S'', S'', Co]` from the forward pass (read only with an activation)
  ///   - scratch: `[B P, k^2 Co]`, overwritten with im2col(dy)
  ///   - inputGrad: dL/dx `[B P, Ci]`, or nil to skip that GEMM
  public func backward(
    input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGrad: UnsafeMutablePointer<Float>,
    inputGrad: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>, batch: Int, parameters: ParameterSet,
    activation: Activation?, biasDone: Bool = false, parallel: Parallel
  ) {
    if !biasDone {
      Linear.activationBackwardAndColumnSums(
        grad: outputGrad, output: output, columnSums: parameters.grads.pointer + matrix.bias,
        rows: batch * geometry.side * geometry.side, columns: outputChannels, activation: activation, parallel: parallel)
    }
    geometry.gather(outputGrad, into: scratch, count: batch, parallel: parallel)
    matrix.backwardGEMMs(
      input: input, outputGrad: scratch, inputGrad: inputGrad, batch: batch * geometry.rowsPerImage, parameters: parameters,
      parallel: parallel)
  }
}
