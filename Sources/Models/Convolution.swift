import Compute

// Legend: B = images, S = input side, S' = output side, Ci = input channels,
// Co = output channels, k = kernel side; R = S'^2 output pixels per image.
// Maps are channel-major (planar, ImageColumns.swift): [B images of S x S, Ci channels]
// is stored [Ci, B S^2], each channel's plane for the whole batch in one row.

/// A square 2-D convolution `y = f(conv(x, W) + b)` over channel-major maps, computed as
/// im2col then one GEMM: `y [Co, B R] = W^T [Co, k^2 Ci] @ cols [k^2 Ci, B R]`.
///
/// Like ``Linear`` it owns no memory: W `[k, k, Ci, Co]` and b `[Co]` live in a
/// ``ParameterSet``; the column matrix, activations and gradients are the caller's
/// buffers. Its output [Co, B R] is itself a planar map [Co, B, S', S'], so the next
/// convolution reads it directly (a dense layer reads it after a transpose to [B, R Co]).
///
/// Every element of every product is the same chain of fused multiply-adds, in the same
/// order of k, as in the channels-last form this replaced (`y [B R, Co] = cols [B R, k^2 Ci]
/// @ W`): only the layout differs, so the bits are the same.
public struct Convolution: Sendable, Equatable {
  /// The input geometry (S, Ci, k, stride, padding).
  public let geometry: ImageColumns
  /// Co
  public let outputChannels: Int
  /// The weight as a matrix: inputs k^2 Ci, outputs Co, and the offsets of W and b.
  public let matrix: Linear

  /// The layer whose tensors are `<name>.weight` `[k, k, Ci, Co]` and `<name>.bias` `[Co]`,
  /// reading images of side `side` (a precondition: they are there with those shapes).
  public init(_ name: String, side: Int, stride: Int = 2, padding: Int = 1, in parameters: ParameterSet) {
    guard let w = parameters.entry(name + ".weight"), let b = parameters.entry(name + ".bias"),
      w.shape.count == 4, w.shape[0] == w.shape[1], b.shape == [w.shape[3]]
    else { preconditionFailure("no convolution \(name) in the parameter set") }
    geometry = ImageColumns(side: side, channels: w.shape[2], kernel: w.shape[0], stride: stride, padding: padding)
    outputChannels = w.shape[3]
    matrix = Linear(inputs: geometry.taps, outputs: outputChannels, weight: w.offset, bias: b.offset)
  }

  /// Floats of one output image: S'^2 Co.
  public var outputSize: Int { geometry.outputPixels * outputChannels }

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
  ///   - input: x `[Ci, B S^2]`
  ///   - cols: `[k^2 Ci, B R]` with rows `geometry.rowLength(count: batch)` apart, overwritten
  ///     with im2col(x) (keep it for ``backward``)
  ///   - output: y `[Co, B R]`, overwritten
  public func forward(
    input: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
    parameters: ParameterSet, activation: Activation?, parallel: Parallel
  ) {
    geometry.gather(input, into: cols, count: batch, parallel: parallel)
    let (pixels, ld) = (batch * geometry.outputPixels, geometry.rowLength(count: batch))
    // y = W^T cols: W [k^2 Ci, Co] read as its transpose.
    parallel.gemm(
      m: outputChannels, n: pixels, k: geometry.taps, a: parameters.values.pointer + matrix.weight, transposeA: true,
      b: cols, ldb: ld, c: output)
    PlanarMaps.addBias(
      UnsafePointer(parameters.values.pointer + matrix.bias), to: output, channels: outputChannels, length: pixels,
      activation: activation, parallel: parallel)
  }

  /// Back-propagates through the layer.
  ///
  /// On entry `outputGrad` holds dL/dy; on return dL/d(pre-activation). Writes (overwrites)
  /// dL/dW and dL/db into `parameters.grads` and, when `inputGrad` is given, dL/dx into it
  /// through `scratch` (dcols = W dy, then col2im).
  ///
  /// - Parameters:
  ///   - cols: im2col(x) from the forward pass `[k^2 Ci, B R]` (rows `geometry.rowLength(count: batch)` apart)
  ///   - output: y `[Co, B R]` from the forward pass (read only with an activation)
  ///   - inputGrad: dL/dx `[Ci, B S^2]`, or nil for a first layer
  ///   - scratch: `[k^2 Ci, B R]` as cols (needed with `inputGrad`)
  public func backward(
    cols: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGrad: UnsafeMutablePointer<Float>,
    inputGrad: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>?, batch: Int,
    parameters: ParameterSet, activation: Activation?, parallel: Parallel
  ) {
    let (pixels, ld) = (batch * geometry.outputPixels, geometry.rowLength(count: batch))
    PlanarMaps.activationBackwardAndRowSums(
      grad: outputGrad, output: output, sums: parameters.grads.pointer + matrix.bias, channels: outputChannels,
      length: pixels, activation: activation, parallel: parallel)
    let (taps, co) = (geometry.taps, outputChannels)
    let (w, dw, dy) = (UnsafePointer(parameters.values.pointer + matrix.weight), parameters.grads.pointer + matrix.weight, UnsafePointer(outputGrad))
    // dW [k^2 Ci, Co] = cols [k^2 Ci, B R] @ dy^T: each element summed over the pixels in order.
    parallel.gemm(m: taps, n: co, k: pixels, a: cols, lda: ld, b: dy, transposeB: true, c: dw)
    guard let inputGrad, let scratch else { return }
    // dcols [k^2 Ci, B R] = W [k^2 Ci, Co] @ dy [Co, B R], then each term back onto its pixel.
    parallel.gemm(m: taps, n: pixels, k: co, a: w, b: dy, c: scratch, ldc: ld)
    geometry.scatter(scratch, into: inputGrad, count: batch, parallel: parallel)
  }
}
