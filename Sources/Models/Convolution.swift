import Compute

// Legend: B = images, S = input side, S' = output side, Ci = input channels,
// Co = output channels, k = kernel side; R = S'^2 output pixels per image.
// Images are channels-last (NHWC): [B, S, S, Ci] is also [B * S^2, Ci].

/// A square 2-D convolution `y = f(conv(x, W) + b)` over channels-last images, computed
/// as im2col then one GEMM: `y [B R, Co] = cols [B R, k^2 Ci] @ W [k^2 Ci, Co]`.
///
/// Like ``Linear`` it owns no memory: W `[k, k, Ci, Co]` and b `[Co]` live in a
/// ``ParameterSet``; the column matrix, activations and gradients are the caller's
/// buffers. Its output [B R, Co] is itself a channels-last image [B, S', S', Co], so the
/// next convolution (or a dense layer, as [B, R Co]) reads it directly.
public struct Convolution: Sendable, Equatable {
  /// The input geometry (S, Ci, k, stride, padding).
  public let geometry: ImageColumns
  /// Co
  public let outputChannels: Int
  /// The GEMM: inputs k^2 Ci, outputs Co, and the offsets of W and b.
  public let matrix: Linear

  /// The layer whose tensors are `<name>.weight` `[k, k, Ci, Co]` and `<name>.bias` `[Co]`,
  /// reading images of side `side` (a precondition: they are there with those shapes).
  public init(_ name: String, side: Int, stride: Int = 2, padding: Int = 1, in parameters: ParameterSet) {
    guard let w = parameters.entry(name + ".weight"), let b = parameters.entry(name + ".bias"),
      w.shape.count == 4, w.shape[0] == w.shape[1], b.shape == [w.shape[3]]
    else { preconditionFailure("no convolution \(name) in the parameter set") }
    geometry = ImageColumns(side: side, channels: w.shape[2], kernel: w.shape[0], stride: stride, padding: padding)
    outputChannels = w.shape[3]
    matrix = Linear(inputs: geometry.columns, outputs: outputChannels, weight: w.offset, bias: b.offset)
  }

  /// Floats of one output image: S'^2 Co.
  public var outputSize: Int { geometry.rowsPerImage * outputChannels }

  /// Draws W (row-major) then b, with PyTorch's fans for `Conv2d`: in k^2 Ci, out k^2 Co.
  public func initialize(_ parameters: ParameterSet, _ initialization: Linear.Initialization, generator: inout Xoshiro256) {
    let k2 = geometry.kernel * geometry.kernel
    initialization.draw(
      weights: parameters.values.pointer + matrix.weight, count: matrix.inputs * outputChannels,
      biases: parameters.values.pointer + matrix.bias, count: outputChannels, fanIn: k2 * geometry.channels,
      fanOut: k2 * outputChannels, generator: &generator)
  }

  /// `output = f(conv(input, W) + b)`.
  ///
  /// - Parameters:
  ///   - input: x `[B, S, S, Ci]`
  ///   - cols: `[B R, k^2 Ci]`, overwritten with im2col(x) (keep it for ``backward``)
  ///   - output: y `[B, S', S', Co]`, overwritten
  public func forward(
    input: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
    parameters: ParameterSet, activation: Activation?, parallel: Parallel
  ) {
    geometry.gather(input, into: cols, count: batch, parallel: parallel)
    matrix.forward(
      input: cols, output: output, batch: batch * geometry.rowsPerImage, parameters: parameters, activation: activation,
      parallel: parallel)
  }

  /// Back-propagates through the layer.
  ///
  /// On entry `outputGrad` holds dL/dy; on return dL/d(pre-activation). Writes (overwrites)
  /// dL/dW and dL/db into `parameters.grads` and, when `inputGrad` is given, dL/dx into it
  /// through `scratch` (dcols = dy W^T, then col2im).
  ///
  /// - Parameters:
  ///   - cols: im2col(x) from the forward pass `[B R, k^2 Ci]`
  ///   - output: y `[B R, Co]` from the forward pass (read only with an activation)
  ///   - inputGrad: dL/dx `[B, S, S, Ci]`, or nil for a first layer
  ///   - scratch: `[B R, k^2 Ci]` (needed with `inputGrad`)
  public func backward(
    cols: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGrad: UnsafeMutablePointer<Float>,
    inputGrad: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>?, batch: Int,
    parameters: ParameterSet, activation: Activation?, parallel: Parallel
  ) {
    let rows = batch * geometry.rowsPerImage
    Linear.activationBackwardAndColumnSums(
      grad: outputGrad, output: output, columnSums: parameters.grads.pointer + matrix.bias, rows: rows,
      columns: outputChannels, activation: activation, parallel: parallel)
    guard let inputGrad, let scratch else {
      matrix.backwardGEMMs(input: cols, outputGrad: outputGrad, inputGrad: nil, batch: rows, parameters: parameters, parallel: parallel)
      return
    }
    matrix.backwardGEMMs(input: cols, outputGrad: outputGrad, inputGrad: scratch, batch: rows, parameters: parameters, parallel: parallel)
    geometry.scatter(scratch, into: inputGrad, count: batch, parallel: parallel)
  }
}
