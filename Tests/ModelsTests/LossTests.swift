import Compute
import Foundation
import Testing
@testable import Models

@Suite struct BernoulliLossTests {
  /// Loss, gradient and bias gradient against the Double reference; tolerances: loss 1e-5
  /// relative, gradients 1e-5 absolute (they are below 1 / B).
  @Test(arguments: [1, 2])
  func lossAndGradientsMatchTheReference(threads: Int) {
    let (rows, columns) = (6, 21)  // 21: two full 8-column chunks and a partial one
    var logits = Reference.randomFloats(rows * columns, scale: 6, seed: 1)
    logits[0] = 90  // extremes must stay finite: no sigmoid-then-log
    logits[1] = -90
    let bias = Reference.randomFloats(columns, scale: 0.5, seed: 2)
    var generator = Xoshiro256(seed: 3)
    let targets = (0..<(rows * columns)).map { _ in Float(UInt8(truncatingIfNeeded: generator.next())) / 255 }
    var gradient = [Float](repeating: .nan, count: rows * columns)
    var biasGradient = [Float](repeating: .nan, count: columns)
    var partials = [Double](repeating: 0, count: 3)
    let scale: Float = 1 / Float(rows)
    let loss = BernoulliLoss.lossAndGradient(
      logits: logits, bias: bias, targets: targets, gradient: &gradient, biasGradient: &biasGradient, scale: scale,
      rows: rows, columns: columns, partials: &partials, parallel: Parallel(threads: threads))

    var expectedLoss = 0.0
    var expectedBias = [Double](repeating: 0, count: columns)
    var worstGradient = 0.0
    for r in 0..<rows {
      for c in 0..<columns {
        let x = Double(logits[r * columns + c]) + Double(bias[c])
        let t = Double(targets[r * columns + c])
        expectedLoss += Reference.bce(x, t)
        // d/dx of the reference by central differences.
        let h = 1e-5
        let g = (Reference.bce(x + h, t) - Reference.bce(x - h, t)) / (2 * h) * Double(scale)
        expectedBias[c] += g
        worstGradient = max(worstGradient, abs(Double(gradient[r * columns + c]) - g))
      }
    }
    #expect(loss.isFinite)
    #expect(abs(loss / expectedLoss - 1) < 1e-5, "loss expected \(expectedLoss) seen \(loss)")
    #expect(worstGradient < 1e-5, "gradient max difference \(worstGradient)")
    let worstBias = zip(biasGradient, expectedBias).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(worstBias < 1e-5, "bias gradient max difference \(worstBias)")
  }

  @Test func resultsDoNotDependOnTheThreadCount() {
    let (rows, columns) = (9, 100)
    let logits = Reference.randomFloats(rows * columns, scale: 4, seed: 8)
    let targets = Reference.randomFloats(rows * columns, seed: 9).map { abs($0) }
    var outputs: [[Float]] = []
    var losses: [Double] = []
    for threads in [1, 2, 3] {
      var gradient = [Float](repeating: 0, count: rows * columns)
      var biasGradient = [Float](repeating: 0, count: columns)
      var partials = [Double](repeating: 0, count: 13)
      losses.append(
        BernoulliLoss.lossAndGradient(
          logits: logits, bias: nil, targets: targets, gradient: &gradient, biasGradient: &biasGradient, scale: 1,
          rows: rows, columns: columns, partials: &partials, parallel: Parallel(threads: threads)))
      outputs.append(gradient + biasGradient)
    }
    #expect(losses[0] == losses[1] && losses[1] == losses[2])
    #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
  }

  /// Logits and targets whose gradient scale (sigmoid(x) - t) is subnormal at scale
  /// 1 / 128: stored as zero of its sign (the backward products would take a microcode
  /// assist per FMA on Intel); a tiny normal gradient is kept. Columns 2 and 18: the
  /// kernel's full 16-column path and its partial one; the hole loss's Swift path too.
  static let tinyCases: [(x: Float, t: Float, sign: FloatingPointSign?)] = [
    (-85, 0, .plus),  // e^-85 / 128, about 9.5e-40
    (-87.5, 2e-38, .minus),  // (e^-87.5 - 2e-38) / 128, about -8e-41
    (-70, 0, nil),  // e^-70 / 128, about 3e-33: normal, kept
  ]

  static let farCases: [(x: Float, t: Float)] = [(-90, 3.0 / 255), (95, 1), (95, 0.2), (-200, 1)]

  static func checkTinyGradients(
    _ gradient: [Float], _ biasGradient: [Float], rows: Int, columns: Int, hole: Bool
  ) {
    for (i, item) in tinyCases.enumerated() {
      for c in [2, 18] {
        let g = gradient[i * columns + c]
        if let sign = item.sign {
          #expect(g == 0 && g.sign == sign, "x \(item.x), t \(item.t), column \(c): gradient \(g), hole \(hole)")
        } else {
          #expect(g.isNormal && g > 0, "x \(item.x), column \(c): gradient \(g) should be kept, hole \(hole)")
        }
      }
    }
    // Far logits with ordinary targets: the plain formula's values (sigmoid(-90) and
    // e^-95 vanish beside the targets and beside 1).
    let scale: Float = 1.0 / 128
    for (i, item) in farCases.enumerated() {
      let row = tinyCases.count + i
      for c in [2, 18] {
        let g = gradient[row * columns + c]
        let expected = ((item.x > 0 ? 1 : 0) - item.t) * scale
        #expect(g == expected, "x \(item.x), t \(item.t), column \(c): gradient \(g), expected \(expected), hole \(hole)")
      }
    }
    #expect(!gradient.contains { $0.isSubnormal }, "a subnormal gradient was stored, hole \(hole)")
    // The bias gradient sums the stored values, rows in order, in Float.
    for c in 0..<columns {
      var sum: Float = 0
      for r in 0..<rows { sum += gradient[r * columns + c] }
      #expect(biasGradient[c] == sum, "column \(c): bias gradient \(biasGradient[c]) against \(sum), hole \(hole)")
    }
  }

  @Test(arguments: [false, true])
  func subnormalGradientsAreStoredAsZero(hole: Bool) {
    let (rows, columns) = (Self.tinyCases.count + Self.farCases.count + 1, 21)
    var logits = Reference.randomFloats(rows * columns, scale: 3, seed: 21)
    var targets = Reference.randomFloats(rows * columns, seed: 22).map { abs($0) }
    let cases = Self.tinyCases.map { ($0.x, $0.t) } + Self.farCases.map { ($0.x, $0.t) }
    for (i, (x, t)) in cases.enumerated() {
      for c in [2, 18] {
        logits[i * columns + c] = x
        targets[i * columns + c] = t
      }
    }
    let bias = [Float](repeating: 0, count: columns)
    var gradient = [Float](repeating: .nan, count: rows * columns)
    var biasGradient = [Float](repeating: .nan, count: columns)
    var partials = [Double](repeating: 0, count: 3)
    let observed = [Float](repeating: 0, count: rows * columns)  // every pixel hidden
    let loss =
      hole
      ? BernoulliLoss.holeLossAndGradient(
        logits: logits, bias: bias, targets: targets, observed: observed, observedStride: columns,
        gradient: &gradient, biasGradient: &biasGradient, scale: 1.0 / 128, rows: rows, columns: columns,
        partials: &partials, parallel: Parallel(threads: 1))
      : BernoulliLoss.lossAndGradient(
        logits: logits, bias: bias, targets: targets, gradient: &gradient, biasGradient: &biasGradient,
        scale: 1.0 / 128, rows: rows, columns: columns, partials: &partials, parallel: Parallel(threads: 1))
    #expect(loss.isFinite)
    Self.checkTinyGradients(gradient, biasGradient, rows: rows, columns: columns, hole: hole)
  }

  @Test func probabilitiesAreSigmoids() {
    var out = [Float](repeating: 0, count: 3)
    BernoulliLoss.probabilities(logits: [0, 2, -40], bias: [0, 0, 0], output: &out, rows: 1, columns: 3)
    #expect(out[0] == 0.5)
    #expect(abs(out[1] - 0.880797) < 1e-6, "sigmoid(2) expected 0.880797 seen \(out[1])")
    #expect(out[2] > 0 && out[2] < 1e-17)
  }
}

@Suite struct GaussianKLTests {
  /// z, KL and the backward pass against Double; L = sum(R * z) + w * KL with fixed eps.
  /// Tolerances: KL 1e-5 relative; gradients 1e-3 relative to central differences.
  @Test func forwardAndBackwardMatchTheReference() {
    let count = 13
    let mu = Reference.randomFloats(count, scale: 2, seed: 1)
    let logVar = Reference.randomFloats(count, scale: 3, seed: 2)
    let eps = Reference.randomFloats(count, seed: 3)
    let r = Reference.randomFloats(count, seed: 4)
    let weight: Float = 0.7
    var sigma = [Float](repeating: 0, count: count)
    var z = [Float](repeating: 0, count: count)
    let kl = GaussianKL.forward(mu: mu, logVar: logVar, eps: eps, sigma: &sigma, z: &z, count: count)
    let expectedKL = zip(mu, logVar).reduce(0.0) { $0 + Reference.kl(Double($1.0), Double($1.1)) }
    #expect(abs(kl / expectedKL - 1) < 1e-5, "KL expected \(expectedKL) seen \(kl)")
    for i in 0..<count {
      let expectedZ = Double(mu[i]) + Foundation.exp(0.5 * Double(logVar[i])) * Double(eps[i])
      #expect(abs(Double(z[i]) - expectedZ) < 1e-5 * max(1, abs(expectedZ)), "z[\(i)] expected \(expectedZ) seen \(z[i])")
    }
    var dmu = [Float](repeating: 0, count: count)
    var dlogVar = [Float](repeating: 0, count: count)
    GaussianKL.backward(mu: mu, eps: eps, sigma: sigma, dz: r, klWeight: weight, dmu: &dmu, dlogVar: &dlogVar, count: count)
    func loss(_ mu: [Double], _ logVar: [Double]) -> Double {
      var total = 0.0
      for i in 0..<count {
        let z = mu[i] + Foundation.exp(0.5 * logVar[i]) * Double(eps[i])
        total += Double(r[i]) * z + Double(weight) * Reference.kl(mu[i], logVar[i])
      }
      return total
    }
    let numericMu = Reference.numericGradient(mu.doubles, at: Array(0..<count)) { loss($0, logVar.doubles) }
    let numericLogVar = Reference.numericGradient(logVar.doubles, at: Array(0..<count)) { loss(mu.doubles, $0) }
    let worstMu = Reference.worstRelative(dmu.doubles, numericMu)
    let worstLogVar = Reference.worstRelative(dlogVar.doubles, numericLogVar)
    #expect(worstMu.error < 1e-3, "dmu worst relative error \(worstMu)")
    #expect(worstLogVar.error < 1e-3, "dlogVar worst relative error \(worstLogVar)")
  }
}

@Suite struct DropoutTests {
  @Test func maskDropsAboutTheRateAndScalesTheRest() {
    var mask = [Float](repeating: -1, count: 100_001)
    var generator = Xoshiro256(seed: 5)
    Dropout.makeMask(&mask, count: mask.count, rate: 0.3, generator: &generator)
    let dropped = mask.filter { $0 == 0 }.count
    #expect(mask.allSatisfy { $0 == 0 || $0 == 1 / Float(0.7) })
    // Binomial sd: sqrt(n p (1-p)) = 145; allow 5 sd.
    #expect(abs(dropped - 30_000) < 725, "dropped \(dropped) of 100001")
    // The same generator state gives the same mask.
    var again = [Float](repeating: 0, count: mask.count)
    var replay = Xoshiro256(seed: 5)
    Dropout.makeMask(&again, count: again.count, rate: 0.3, generator: &replay)
    #expect(again == mask)
  }

  @Test func forwardAndBackwardUseTheFixedMask() {
    // L = sum(R * dropout(x)) with a fixed mask: dL/dx = R * mask, checked by central differences.
    let x = Reference.randomFloats(11, seed: 1)
    let r = Reference.randomFloats(11, seed: 2)
    let mask: [Float] = [0, 2, 2, 0, 2, 2, 2, 0, 0, 2, 2]  // rate 0.5
    var y = [Float](repeating: 0, count: 11)
    Dropout.apply(x, mask: mask, output: &y, count: 11)
    #expect(y == zip(x, mask).map { $0 * $1 })
    var grad = r
    Dropout.backward(grad: &grad, mask: mask, count: 11)
    let numeric = Reference.numericGradient(x.doubles, at: Array(0..<11)) { x in
      (0..<11).reduce(0.0) { $0 + Double(r[$1]) * x[$1] * Double(mask[$1]) }
    }
    let worst = Reference.worstRelative(grad.doubles, numeric)
    #expect(worst.error < 1e-6, "worst relative error \(worst)")
  }
}

@Suite struct AdamTests {
  /// Two steps on three parameters; expected values from PyTorch's update rule evaluated
  /// in Python double precision (lr 0.01, betas 0.9/0.999, eps 1e-8). Tolerance 1e-6.
  @Test func twoStepsMatchHandComputedValues() {
    let parameters = ParameterSet([("p", [3])])
    parameters.values.pointer.update(from: [0.5, -1.0, 2.0], count: 3)
    let adam = Adam(count: parameters.count, learningRate: 0.01)
    let expected: [[Double]] = [
      [0.4900000009999999, -0.9900000005, 1.9900000003333334],
      [0.4806782057911871, -0.9936610356546037, 1.990526316105263],
    ]
    let expectedM: [Double] = [0.014, 0.022, -0.003]
    let expectedV: [Double] = [1.249e-05, 0.00019996, 0.00017991]
    for (step, gradient) in [[0.1, -0.2, 0.3], [0.05, 0.4, -0.3]].enumerated() {
      parameters.grads.pointer.update(from: gradient.map(Float.init), count: 3)
      adam.update(parameters, parallel: Parallel(threads: 1))
      for i in 0..<3 {
        let seen = Double(parameters.values.pointer[i])
        #expect(abs(seen - expected[step][i]) < 1e-6, "step \(step + 1) p[\(i)] expected \(expected[step][i]) seen \(seen)")
      }
    }
    #expect(adam.step == 2)
    for i in 0..<3 {
      #expect(abs(Double(adam.m.pointer[i]) - expectedM[i]) < 1e-7, "m[\(i)] expected \(expectedM[i]) seen \(adam.m.pointer[i])")
      // 0.999 is not a Float: 1 - beta2 is off by ~5e-5 relative, so v gets 1e-4 relative.
      #expect(abs(Double(adam.v.pointer[i]) / expectedV[i] - 1) < 1e-4, "v[\(i)] expected \(expectedV[i]) seen \(adam.v.pointer[i])")
    }
    // Padding after the three parameters has zero gradients and stays zero.
    #expect((3..<parameters.count).allSatisfy { parameters.values.pointer[$0] == 0 })
  }

  /// Moments that fall below the smallest normal Float are stored as zero (subnormal
  /// operands cost Intel cores a microcode assist each); normal ones, NaN and the
  /// weights are untouched.
  @Test func subnormalMomentsBecomeZero() {
    let parameters = ParameterSet([("p", [6])])
    let tiny = Float.leastNormalMagnitude
    let mStart: [Float] = [tiny, -tiny, 1e-30, Float.leastNonzeroMagnitude, 0, .nan]
    let vStart: [Float] = [1e-4, 1e-4, 1e-4, 1e-4, tiny, 1e-4]
    parameters.values.pointer.update(from: [1, 2, 3, 4, 5, 6], count: 6)
    let adam = Adam(count: parameters.count)
    adam.m.pointer.update(from: mStart, count: 6)
    adam.v.pointer.update(from: vStart, count: 6)
    adam.step = 100
    adam.update(parameters, parallel: Parallel(threads: 1))  // all gradients zero
    let m = adam.m.array, v = adam.v.array
    #expect(m[0] == 0 && m[0].sign == .plus && m[1] == 0 && m[1].sign == .plus, "0.9 x FLT_MIN is subnormal: \(m[0]), \(m[1])")
    #expect(m[2] == Float(0.9) * 1e-30, "a normal moment decays as before: \(m[2])")
    #expect(m[3] == 0 && m[4] == 0)
    #expect(m[5].isNaN, "NaN must not be hidden")
    #expect(v[4] == 0, "0.999 x FLT_MIN is subnormal: \(v[4])")
    #expect(v[0] == Float(0.999) * 1e-4)
    #expect(parameters.values.array.prefix(5) == [1, 2, 3, 4, 5], "steps from tiny moments change no weight")
  }

  @Test func threadCountDoesNotChangeTheUpdate() {
    var results: [[Float]] = []
    for threads in [1, 2] {
      let parameters = ParameterSet([("a", [1000]), ("b", [77])])
      parameters.values.assign(Reference.randomFloats(parameters.count, seed: 1))
      parameters.grads.assign(Reference.randomFloats(parameters.count, seed: 2))
      let adam = Adam(count: parameters.count)
      for _ in 0..<3 { adam.update(parameters, parallel: Parallel(threads: threads)) }
      results.append(parameters.values.array + adam.m.array + adam.v.array)
    }
    #expect(results[0] == results[1])
  }
}
