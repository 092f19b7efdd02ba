import Compute
import Testing
@testable import Models

@Suite struct LinearTests {
  static let activations: [Activation?] = [nil, .relu, .leakyRelu, .elu, .tanh]

  /// Forward and backward of one layer against the Double reference, for L = sum(R * y).
  /// Tolerances: forward 1e-5 absolute; gradients 1e-3 relative (Float kernels vs Double
  /// central differences with h = 1e-6).
  @Test(arguments: activations, [1, 2])
  func gradientsMatchFiniteDifferences(activation: Activation?, threads: Int) throws {
    let (b, i, o) = (5, 13, 11)
    let parameters = ParameterSet([("l.weight", [i, o]), ("l.bias", [o])])
    let layer = Linear("l", in: parameters)
    var generator = Xoshiro256(seed: 3)
    layer.initialize(parameters, .xavier, generator: &generator)
    let biasValues = Reference.randomFloats(o, scale: 0.3, seed: 4)
    try parameters.setValue("l.bias", biasValues)
    let x = Reference.randomFloats(b * i, seed: 5)
    let r = Reference.randomFloats(b * o, seed: 6)
    let parallel = Parallel(threads: threads)
    var y = [Float](repeating: .nan, count: b * o)
    layer.forward(input: x, output: &y, batch: b, parameters: parameters, activation: activation, parallel: parallel)

    let w = try #require(parameters.value("l.weight")).doubles
    let bias = biasValues.doubles
    let expected = Reference.linear(x.doubles, w, bias, batch: b, inputs: i, outputs: o, activation)
    let forwardError = zip(y, expected).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(forwardError < 1e-5, "forward max difference \(forwardError)")

    var dy = r
    var dx = [Float](repeating: .nan, count: b * i)
    layer.backward(
      input: x, output: y, outputGrad: &dy, inputGrad: &dx, batch: b, parameters: parameters,
      activation: activation, parallel: parallel)
    let grads = parameters.grads.array
    let dW = Array(grads[layer.weight..<layer.weight + i * o]).doubles
    let db = Array(grads[layer.bias..<layer.bias + o]).doubles

    func loss(_ x: [Double], _ w: [Double], _ bias: [Double]) -> Double {
      zip(Reference.linear(x, w, bias, batch: b, inputs: i, outputs: o, activation), r).reduce(0) { $0 + $1.0 * Double($1.1) }
    }
    let numericW = Reference.numericGradient(w, at: Array(w.indices)) { loss(x.doubles, $0, bias) }
    let numericB = Reference.numericGradient(bias, at: Array(bias.indices)) { loss(x.doubles, w, $0) }
    let numericX = Reference.numericGradient(x.doubles, at: Array(x.indices)) { loss($0, w, bias) }
    for (name, analytic, numeric) in [("W", dW, numericW), ("b", db, numericB), ("x", dx.doubles, numericX)] {
      let worst = Reference.worstRelative(analytic, numeric)
      #expect(
        worst.error < 1e-3,
        "d\(name) \(String(describing: activation)): worst relative error \(worst.error) at \(worst.index): analytic \(analytic[max(0, worst.index)]) numeric \(numeric[max(0, worst.index)])")
    }
  }

  @Test func inputGradientCanAccumulateOrBeSkipped() throws {
    let parameters = ParameterSet([("l.weight", [3, 2]), ("l.bias", [2])])
    try parameters.setValue("l.weight", [1, 2, 3, 4, 5, 6])
    let layer = Linear("l", in: parameters)
    var dy: [Float] = [1, 1]
    var dx: [Float] = [10, 20, 30]
    layer.backward(
      input: [1, 1, 1], output: [0, 0], outputGrad: &dy, inputGrad: &dx, accumulateInputGrad: true, batch: 1,
      parameters: parameters, activation: nil, parallel: Parallel(threads: 1))
    // dx = dy W^T = [1 + 2, 3 + 4, 5 + 6], added to [10, 20, 30].
    #expect(dx == [13, 27, 41])
  }

  @Test func initialisationsHaveTheirScales() {
    let (i, o) = (400, 300)
    let parameters = ParameterSet([("l.weight", [i, o]), ("l.bias", [o])])
    let layer = Linear("l", in: parameters)
    for (scheme, expectedSD) in [
      (Linear.Initialization.he, (2.0 / Double(i)).squareRoot()),
      (.xavier, (2.0 / Double(i + o)).squareRoot()),  // uniform with a = sqrt(6/(I+O)): sd a/sqrt(3)
      (.fanInUniform, (1.0 / Double(i)).squareRoot() / 3.0.squareRoot()),
    ] {
      var generator = Xoshiro256(seed: 1)
      layer.initialize(parameters, scheme, generator: &generator)
      let w = parameters.value("l.weight") ?? []
      let sd = (w.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(w.count)).squareRoot()
      // 120000 draws: the sample sd is within 1% of the true one.
      #expect(abs(sd / expectedSD - 1) < 0.01, "\(scheme): sd expected \(expectedSD) seen \(sd)")
      let b = parameters.value("l.bias") ?? []
      #expect(scheme == .fanInUniform ? b.contains { $0 != 0 } : b.allSatisfy { $0 == 0 })
    }
  }
}
