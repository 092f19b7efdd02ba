import Compute

// Legend: B = images, S = input side, S'' = output side (2S for k = 4, stride 2, padding 1),
// Ci = input channels, Co = output channels, k = kernel side; P = S^2 input pixels per image.
// Maps are channel-major (planar, ImageColumns.swift): [Ci, B P], one row per channel.

/// A square 2-D transposed convolution (the adjoint of a ``Convolution`` with the same
/// geometry), `y = f(tconv(x, W) + b)`, computed as one GEMM then col2im:
/// `cols [k^2 Co, B P] = W^T [k^2 Co, Ci] @ x [Ci, B P]`, then every element of cols is
/// added onto the output pixel its tap covers.
///
/// W is stored `[Ci, k, k, Co]` (PyTorch's `ConvTranspose2d` weight `[Ci, Co, k, k]`
/// with the channels moved last), b `[Co]`, or, with an untied bias, `[S'', S'', Co]`:
/// one bias per output value, which the layer does not add itself (the caller does, as
/// the fused Bernoulli loss does for the decoder's output).
///
/// Backward: `dcols = im2col(dy)`, `dW = x dcols^T`, `dx = W dcols`. It owns no memory.
/// As for ``Convolution``, every element of every product is the same chain of fused
/// multiply-adds as in the channels-last form this replaced.
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
    matrix = Linear(inputs: inputChannels, outputs: geometry.taps, weight: w.offset, bias: b.offset)
    biasCount = b.count
  }

  /// Co
  public var outputChannels: Int { geometry.channels }
  /// Floats of one input image: P Ci.
  public var inputSize: Int { geometry.outputPixels * inputChannels }

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
  ///   - input: x `[Ci, B P]`
  ///   - scratch: `[k^2 Co, B P]` with rows `geometry.rowLength(count: batch)` apart, overwritten
  ///   - output: y `[Co, B S''^2]`, overwritten
  public func forward(
    input: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
    parameters: ParameterSet, activation: Activation?, addBias: Bool = true, parallel: Parallel
  ) {
    let (pixels, ld) = (batch * geometry.outputPixels, geometry.rowLength(count: batch))
    // cols = W^T x: W [Ci, k^2 Co] read as its transpose.
    parallel.gemm(
      m: geometry.taps, n: pixels, k: inputChannels, a: parameters.values.pointer + matrix.weight, transposeA: true,
      b: input, c: scratch, ldc: ld)
    geometry.scatter(scratch, into: output, count: batch, parallel: parallel)
    guard addBias else { return }
    PlanarMaps.addBias(
      UnsafePointer(parameters.values.pointer + matrix.bias), to: output, channels: outputChannels,
      length: batch * geometry.side * geometry.side, activation: activation, parallel: parallel)
  }

  /// Back-propagates through the layer.
  ///
  /// With `biasDone: false`, on entry `outputGrad` holds dL/dy and on return
  /// dL/d(pre-activation), and dL/db is written; with `biasDone: true` it must already hold
  /// dL/d(pre-activation) and the caller has written dL/db (an untied bias in the loss).
  /// Writes (overwrites) dL/dW and, when `inputGrad` is given, dL/dx.
  ///
  /// - Parameters:
  ///   - input: x `[Ci, B P]` as in the forward pass
  ///   - output: y `[Co, B S''^2]` from the forward pass (read only with an activation)
  ///   - scratch: `[k^2 Co, B P]` as in ``forward``, overwritten with im2col(dy)
  ///   - inputGrad: dL/dx `[Ci, B P]`, or nil to skip that GEMM
  public func backward(
    input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGrad: UnsafeMutablePointer<Float>,
    inputGrad: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>, batch: Int, parameters: ParameterSet,
    activation: Activation?, biasDone: Bool = false, parallel: Parallel
  ) {
    if !biasDone {
      PlanarMaps.activationBackwardAndRowSums(
        grad: outputGrad, output: output, sums: parameters.grads.pointer + matrix.bias, channels: outputChannels,
        length: batch * geometry.side * geometry.side, activation: activation, parallel: parallel)
    }
    geometry.gather(outputGrad, into: scratch, count: batch, parallel: parallel)
    let (pixels, taps, ci) = (batch * geometry.outputPixels, geometry.taps, inputChannels)
    let ld = geometry.rowLength(count: batch)
    let (w, dw, dcols) = (UnsafePointer(parameters.values.pointer + matrix.weight), parameters.grads.pointer + matrix.weight, UnsafePointer(scratch))
    // dW [Ci, k^2 Co] = x [Ci, B P] @ dcols^T: each element summed over the pixels in order.
    parallel.gemm(m: ci, n: taps, k: pixels, a: input, b: dcols, ldb: ld, transposeB: true, c: dw)
    guard let inputGrad else { return }
    // dx [Ci, B P] = W [Ci, k^2 Co] @ dcols [k^2 Co, B P].
    parallel.gemm(m: ci, n: pixels, k: taps, a: w, b: dcols, ldb: ld, c: inputGrad)
  }
}
