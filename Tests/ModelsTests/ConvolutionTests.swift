import Compute
import Foundation
import Testing
@testable import Models

@Suite struct ConvolutionTests {
  /// Channels-last images [B, S, S, C] as the layers' channel-major maps [C, B, S, S].
  static func planar(_ x: [Float], batch: Int, pixels: Int, channels: Int) -> [Float] {
    var out = [Float](repeating: 0, count: x.count)
    for b in 0..<batch {
      for q in 0..<pixels {
        for c in 0..<channels { out[(c * batch + b) * pixels + q] = x[(b * pixels + q) * channels + c] }
      }
    }
    return out
  }

  /// Channel-major maps [C, B, S, S] back to channels-last images [B, S, S, C].
  static func channelsLast(_ x: [Float], batch: Int, pixels: Int, channels: Int) -> [Float] {
    var out = [Float](repeating: 0, count: x.count)
    for b in 0..<batch {
      for q in 0..<pixels {
        for c in 0..<channels { out[(b * pixels + q) * channels + c] = x[(c * batch + b) * pixels + q] }
      }
    }
    return out
  }

  /// dW and db (read from `grads` at `layer`'s offsets) and dx against central differences of
  /// sum(reference(x, w, b) * r) in Double, each to 1e-3 relative; `label` names the case.
  static func expectFiniteDifferences(
    grads: [Float], layer: Linear, w: [Float], b: [Float], x: [Float], dx: [Float], r: [Float], label: String,
    reference: ([Double], [Double], [Double]) -> [Double], sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let dW = Array(grads[layer.weight..<layer.weight + w.count]).doubles
    let db = Array(grads[layer.bias..<layer.bias + b.count]).doubles
    func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
      zip(reference(x, w, b), r).reduce(0) { $0 + $1.0 * Double($1.1) }
    }
    let numericW = Reference.numericGradient(w.doubles, at: Array(w.indices)) { loss(x.doubles, $0, b.doubles) }
    let numericB = Reference.numericGradient(b.doubles, at: Array(b.indices)) { loss(x.doubles, w.doubles, $0) }
    let numericX = Reference.numericGradient(x.doubles, at: Array(x.indices)) { loss($0, w.doubles, b.doubles) }
    for (name, analytic, numeric) in [("W", dW, numericW), ("b", db, numericB), ("x", dx.doubles, numericX)] {
      let worst = Reference.worstRelative(analytic, numeric)
      #expect(
        worst.error < 1e-3,
        "\(label) d\(name): worst relative error \(worst.error) at \(worst.index): analytic \(analytic[max(0, worst.index)]) numeric \(numeric[max(0, worst.index)])",
        sourceLocation: sourceLocation)
    }
  }

  /// im2col then scatter of a column matrix of ones counts, for every pixel, the patches
  /// that cover it; checked against a count by hand for 4 x 4 images, k = 4, s = 2, p = 1.
  @Test func scatterOfOnesCountsTheCoveringPatches() {
    let geometry = ImageColumns(side: 4, channels: 1)
    #expect(geometry.outputSide == 2 && geometry.taps == 16 && geometry.outputPixels == 4)
    let cols = [Float](repeating: 1, count: geometry.columnMatrixCount(count: 1))
    var image = [Float](repeating: .nan, count: 16)
    geometry.scatter(cols, into: &image, count: 1, parallel: Parallel(threads: 1))
    // Output pixel ox covers input columns 2 ox - 1 ... 2 ox + 2: columns 0 and 3 by one patch,
    // 1 and 2 by two; a pixel's count is the product of its row's and column's.
    let perSide: [Float] = [1, 2, 2, 1]
    let expected = (0..<16).map { perSide[$0 / 4] * perSide[$0 % 4] }
    #expect(image == expected, "seen \(image)")
  }

  /// gather writes every element, zeros on the border, patch rows in (ky, kx, channel) order.
  @Test func gatherCopiesPatchesWithZeroPadding() {
    let geometry = ImageColumns(side: 4, channels: 2)
    // Pixel (y, x) channel c = (y * 4 + x) * 2 + c + 1, stored channel-major.
    let image = Self.planar((0..<32).map { Float($0 + 1) }, batch: 1, pixels: 16, channels: 2)
    var cols = [Float](repeating: .nan, count: geometry.columnMatrixCount(count: 1))
    geometry.gather(image, into: &cols, count: 1, parallel: Parallel(threads: 1))
    for row in 0..<4 {
      let (oy, ox) = (row / 2, row % 2)
      for ky in 0..<4 {
        for kx in 0..<4 {
          for c in 0..<2 {
            let (y, x) = (oy * 2 - 1 + ky, ox * 2 - 1 + kx)
            let expected: Float = (0..<4).contains(y) && (0..<4).contains(x) ? Float((y * 4 + x) * 2 + c + 1) : 0
            let seen = cols[((ky * 4 + kx) * 2 + c) * geometry.rowLength(count: 1) + row]
            #expect(seen == expected, "row \(row) tap (\(ky), \(kx)) channel \(c): expected \(expected) seen \(seen)")
          }
        }
      }
    }
  }

  static let geometries: [(side: Int, inputs: Int, outputs: Int, kernel: Int, stride: Int, padding: Int)] = [
    (8, 3, 5, 4, 2, 1), (12, 1, 4, 4, 2, 1), (7, 2, 3, 3, 1, 1), (6, 2, 2, 2, 2, 0),
    (6, 8, 3, 4, 2, 1),  // 8 channels: col2im's vector path
  ]

  /// The convolution's forward pass against the direct 7-loop definition, and its
  /// gradients (W, b, x) against central differences of L = sum(R * y) in Double.
  /// Tolerances: forward 1e-5 absolute; gradients 1e-3 relative (floor 1e-3), h = 1e-6.
  @Test(arguments: [0, 1, 2, 3, 4], [1, 2])
  func convolutionMatchesTheDefinition(geometryIndex: Int, threads: Int) throws {
    let g = Self.geometries[geometryIndex]
    let (batch, k) = (3, g.kernel)
    let parameters = ParameterSet([("c.weight", [k, k, g.inputs, g.outputs]), ("c.bias", [g.outputs])])
    let layer = Convolution("c", side: g.side, stride: g.stride, padding: g.padding, in: parameters)
    let w = Reference.randomFloats(k * k * g.inputs * g.outputs, scale: 0.5, seed: 1)
    let b = Reference.randomFloats(g.outputs, scale: 0.3, seed: 2)
    try parameters.setValue("c.weight", w)
    try parameters.setValue("c.bias", b)
    let x = Reference.randomFloats(batch * g.side * g.side * g.inputs, seed: 3)
    let so = layer.geometry.outputSide
    let r = Reference.randomFloats(batch * so * so * g.outputs, seed: 4)
    let parallel = Parallel(threads: threads)
    var cols = [Float](repeating: .nan, count: layer.geometry.columnMatrixCount(count: batch))
    var planarY = [Float](repeating: .nan, count: batch * so * so * g.outputs)
    // x, y, dy and dx are channels-last here (as the reference); the layer's maps are channel-major.
    let planarX = Self.planar(x, batch: batch, pixels: g.side * g.side, channels: g.inputs)
    layer.forward(
      input: planarX, cols: &cols, output: &planarY, batch: batch, parameters: parameters, activation: .tanh,
      parallel: parallel)
    let y = Self.channelsLast(planarY, batch: batch, pixels: so * so, channels: g.outputs)
    func reference(_ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
      ConvolutionReference.convolution(
        x, w, b, batch: batch, side: g.side, inputs: g.inputs, outputs: g.outputs, kernel: k, stride: g.stride,
        padding: g.padding, .tanh)
    }
    let expected = reference(x.doubles, w.doubles, b.doubles)
    let forwardError = zip(y, expected).map { abs(Double($0) - $1) }.max() ?? 1
    #expect(forwardError < 1e-5, "\(g): forward max difference \(forwardError)")

    var dy = Self.planar(r, batch: batch, pixels: so * so, channels: g.outputs)
    var planarDx = [Float](repeating: .nan, count: x.count)
    var scratch = [Float](repeating: .nan, count: cols.count)
    layer.backward(
      cols: cols, output: planarY, outputGrad: &dy, inputGrad: &planarDx, scratch: &scratch, batch: batch,
      parameters: parameters, activation: .tanh, parallel: parallel)
    let dx = Self.channelsLast(planarDx, batch: batch, pixels: g.side * g.side, channels: g.inputs)
    Self.expectFiniteDifferences(
      grads: parameters.grads.array, layer: layer.matrix, w: w, b: b, x: x, dx: dx, r: r, label: "\(g)", reference: reference)
  }

  /// The transposed convolution's forward pass against its definition (each input pixel
  /// times the kernel, added onto its patch), and its gradients against central
  /// differences; with a per-channel bias and with an untied one added by the caller.
  /// Tolerances as for the convolution.
  @Test(arguments: [0, 1, 2, 3, 4], [false, true])
  func transposedConvolutionMatchesTheDefinition(geometryIndex: Int, untied: Bool) throws {
    let g = Self.geometries[geometryIndex]
    let (batch, k) = (2, g.kernel)
    // The transposed layer maps the convolution's output side back to its input side.
    let inputSide = (g.side + 2 * g.padding - k) / g.stride + 1
    let outputSide = (inputSide - 1) * g.stride - 2 * g.padding + k
    let biasCount = untied ? outputSide * outputSide * g.inputs : g.inputs
    let parameters = ParameterSet([("t.weight", [g.outputs, k, k, g.inputs]), ("t.bias", [biasCount])])
    let layer = TransposedConvolution(
      "t", outputSide: outputSide, stride: g.stride, padding: g.padding, untiedBias: untied, in: parameters)
    #expect(layer.geometry.outputSide == inputSide)
    let w = Reference.randomFloats(g.outputs * k * k * g.inputs, scale: 0.5, seed: 5)
    let b = Reference.randomFloats(biasCount, scale: 0.3, seed: 6)
    try parameters.setValue("t.weight", w)
    try parameters.setValue("t.bias", b)
    let x = Reference.randomFloats(batch * inputSide * inputSide * g.outputs, seed: 7)
    let r = Reference.randomFloats(batch * outputSide * outputSide * g.inputs, seed: 8)
    let activation: Activation? = untied ? nil : .elu
    let parallel = Parallel(threads: 2)
    var scratch = [Float](repeating: .nan, count: layer.geometry.columnMatrixCount(count: batch))
    var planarY = [Float](repeating: .nan, count: r.count)
    // x, y, dy and dx are channels-last here (as the reference); the layer's maps are channel-major.
    let (inputPixels, outputPixels) = (inputSide * inputSide, outputSide * outputSide)
    let planarX = Self.planar(x, batch: batch, pixels: inputPixels, channels: g.outputs)
    layer.forward(
      input: planarX, scratch: &scratch, output: &planarY, batch: batch, parameters: parameters, activation: activation,
      addBias: !untied, parallel: parallel)
    var y = Self.channelsLast(planarY, batch: batch, pixels: outputPixels, channels: g.inputs)
    if untied {
      // The caller adds an untied bias (as BernoulliLoss does).
      for i in y.indices { y[i] += b[i % biasCount] }
    }
    func reference(_ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
      ConvolutionReference.transposed(
        x, w, b, untied: untied, batch: batch, side: inputSide, inputs: g.outputs, outputs: g.inputs, kernel: k,
        stride: g.stride, padding: g.padding, activation)
    }
    let expected = reference(x.doubles, w.doubles, b.doubles)
    let forwardError = zip(y, expected).map { abs(Double($0) - $1) }.max() ?? 1
    #expect(forwardError < 1e-5, "\(g) untied \(untied): forward max difference \(forwardError)")

    var dy = Self.planar(r, batch: batch, pixels: outputPixels, channels: g.inputs)
    var planarDx = [Float](repeating: .nan, count: x.count)
    if untied {
      // dL/db of an untied bias is the caller's: sums of dy per output value.
      for i in 0..<biasCount { parameters.grads.pointer[layer.matrix.bias + i] = (0..<batch).reduce(0) { $0 + r[$1 * biasCount + i] } }
    }
    layer.backward(
      input: planarX, output: planarY, outputGrad: &dy, inputGrad: &planarDx, scratch: &scratch, batch: batch,
      parameters: parameters, activation: activation, biasDone: untied, parallel: parallel)
    let dx = Self.channelsLast(planarDx, batch: batch, pixels: inputPixels, channels: g.outputs)
    Self.expectFiniteDifferences(
      grads: parameters.grads.array, layer: layer.matrix, w: w, b: b, x: x, dx: dx, r: r, label: "\(g) untied \(untied)",
      reference: reference)
  }

  /// A forward pass of a 28 x 28 convolution against numpy (python3 with numpy; skipped
  /// when either is missing): numpy builds the output from shifted slices of the padded
  /// image, a third way to compute it. Tolerance 1e-5 absolute.
  @Test func convolutionForwardMatchesNumpy() throws {
    let (batch, side, ci, co) = (2, 28, 1, 3)
    let parameters = ParameterSet([("c.weight", [4, 4, ci, co]), ("c.bias", [co])])
    let layer = Convolution("c", side: side, in: parameters)
    let w = Reference.randomFloats(16 * ci * co, scale: 0.5, seed: 11)
    let b = Reference.randomFloats(co, scale: 0.3, seed: 12)
    try parameters.setValue("c.weight", w)
    try parameters.setValue("c.bias", b)
    let x = Reference.randomFloats(batch * side * side * ci, seed: 13)
    var cols = [Float](repeating: 0, count: layer.geometry.columnMatrixCount(count: batch))
    var planarY = [Float](repeating: 0, count: batch * 196 * co)
    // One input channel: the channels-last x is also the channel-major map.
    layer.forward(
      input: x, cols: &cols, output: &planarY, batch: batch, parameters: parameters, activation: nil,
      parallel: Parallel(threads: 1))
    let y = Self.channelsLast(planarY, batch: batch, pixels: 196, channels: co)
    func list(_ v: [Float]) -> String { "[" + v.map { "\($0)" }.joined(separator: ",") + "]" }
    let script = """
      import numpy as np, sys
      x = np.array(\(list(x)), dtype=np.float64).reshape(\(batch), \(side), \(side), \(ci))
      w = np.array(\(list(w)), dtype=np.float64).reshape(4, 4, \(ci), \(co))
      b = np.array(\(list(b)), dtype=np.float64)
      xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
      y = np.zeros((\(batch), 14, 14, \(co))) + b
      for ky in range(4):
          for kx in range(4):
              y += xp[:, ky:ky + 28:2, kx:kx + 28:2, :] @ w[ky, kx]
      sys.stdout.write(" ".join(repr(float(v)) for v in y.ravel()))
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return }  // no python3: nothing to compare with
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return }  // no numpy
    let expected = String(decoding: output, as: UTF8.self).split(separator: " ").compactMap { Double($0) }
    #expect(expected.count == y.count, "numpy gave \(expected.count) values for \(y.count)")
    let worst = zip(y, expected).map { abs(Double($0) - $1) }.max() ?? 1
    #expect(worst < 1e-5, "max |ours - numpy| \(worst) (tolerance 1e-5)")
  }
}
