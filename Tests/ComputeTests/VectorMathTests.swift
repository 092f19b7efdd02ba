import Foundation
import Testing
@testable import Compute

@Suite struct VectorMathTests {
  /// The distance in ulps between `seen` and the Double `exact`, measured in Float ulps at `exact`.
  static func ulps(_ seen: Float, _ exact: Double) -> Double {
    if seen.isNaN || exact.isNaN { return seen.isNaN && exact.isNaN ? 0 : .infinity }
    if Double(seen) == exact { return 0 }
    let e = Float(exact)
    let ulp = Double(max(e.ulp, Float.leastNonzeroMagnitude))
    return abs(Double(seen) - exact) / ulp
  }

  static func sample(_ range: ClosedRange<Float>, count: Int) -> [Float] {
    var generator = Xoshiro256(seed: 11)
    return (0..<count).map { i in
      i == 0 ? range.lowerBound : i == 1 ? range.upperBound
        : range.lowerBound + (range.upperBound - range.lowerBound) * generator.nextFloat()
    }
  }

  @Test func expIsWithinTwoUlps() {
    // Tolerance: 2 ulp over the range with normal results (plus a few hand-picked points).
    let inputs = Self.sample(-87.3...88.7, count: 100_000) + [0, 1, -1, 1e-8, -1e-8, 0.5, 88.72, -87.33]
    var outputs = [Float](repeating: 0, count: inputs.count)
    VectorMath.exp(inputs, into: &outputs, count: inputs.count)
    var worst = (0.0, Float(0))
    for (x, y) in zip(inputs, outputs) {
      let error = Self.ulps(y, Foundation.exp(Double(x)))
      if error > worst.0 { worst = (error, x) }
    }
    // Tolerance: 2 ulp (the measured worst is about 1).
    #expect(worst.0 <= 2, "worst \(worst.0) ulp at x = \(worst.1)")
  }

  @Test func flushSubnormalsZeroesOnlySubnormalsAndKeepsTheirSign() {
    let tiny = Float.leastNormalMagnitude
    let values: [Float] = [
      tiny.nextDown, -tiny.nextDown, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
      tiny, -tiny, 0, -0.0, 1, -3e-30, .infinity, .nan,
    ]
    let v = VectorMath.Vector(values[0..<8]), w = VectorMath.Vector(values[4..<12])
    let out = [VectorMath.flushSubnormals(v), VectorMath.flushSubnormals(w)]
    let seen = (0..<8).map { out[0][$0] } + (4..<8).map { out[1][$0] }
    // The four subnormals become zero of their sign; everything else keeps its bits.
    #expect(seen[0..<4].map(\.bitPattern) == [0, 0x8000_0000, 0, 0x8000_0000])
    for i in 4..<12 {
      #expect(seen[i].bitPattern == values[i].bitPattern, "lane \(i): \(values[i]) became \(seen[i])")
    }
  }

  @Test func expSpecialValues() {
    let inputs: [Float] = [100, .infinity, -200, -.infinity, .nan, -100]
    var outputs = [Float](repeating: 7, count: inputs.count)
    VectorMath.exp(inputs, into: &outputs, count: inputs.count)
    #expect(outputs[0] == .infinity && outputs[1] == .infinity)
    #expect(outputs[2] == 0 && outputs[3] == 0)
    #expect(outputs[4].isNaN)
    // e^-100 = 3.72e-44 is subnormal: allow one subnormal step (1.4e-45).
    let error = abs(Double(outputs[5]) - Foundation.exp(-100.0))
    #expect(error <= Double(Float.leastNonzeroMagnitude), "e^-100 expected \(Foundation.exp(-100.0)) seen \(outputs[5])")
  }

  @Test func log1pIsWithinThreeUlps() {
    let inputs = Self.sample(-0.999...1, count: 50_000) + Self.sample(1...1e30, count: 20_000)
      + Self.sample(-1e-6...1e-6, count: 20_000) + [0, 1e-30, -1e-30, Float.leastNonzeroMagnitude, 0.4142135, 0.4142136, 3.4e38]
    var outputs = [Float](repeating: 0, count: inputs.count)
    VectorMath.log1p(inputs, into: &outputs, count: inputs.count)
    var worst = (0.0, Float(0))
    for (x, y) in zip(inputs, outputs) {
      let error = Self.ulps(y, Foundation.log1p(Double(x)))
      if error > worst.0 { worst = (error, x) }
    }
    // Tolerance: 3 ulp (the measured worst is about 2.1).
    #expect(worst.0 <= 3, "worst \(worst.0) ulp at x = \(worst.1)")
  }

  @Test func log1pOnTheUnitIntervalIsWithinThreeUlps() {
    let inputs = Self.sample(0...1, count: 50_000) + Self.sample(0...1e-6, count: 5_000) + [0, 1, 0.4142135, 0.4142136]
    var worst = (0.0, Float(0))
    var i = 0
    while i < inputs.count {
      var v = VectorMath.Vector()
      for j in 0..<8 { v[j] = inputs[min(i + j, inputs.count - 1)] }
      let r = 1 / (v + 1)
      let y = VectorMath.log1pUnitInterval(v, reciprocal: r)
      for j in 0..<8 where i + j < inputs.count {
        let error = Self.ulps(y[j], Foundation.log1p(Double(v[j])))
        if error > worst.0 { worst = (error, v[j]) }
      }
      i += 8
    }
    // Tolerance: 3 ulp, as log1p.
    #expect(worst.0 <= 3, "worst \(worst.0) ulp at x = \(worst.1)")
  }

  @Test func log1pSpecialValues() {
    let inputs: [Float] = [-1, -2, .infinity, .nan, -0.0]
    var outputs = [Float](repeating: 7, count: inputs.count)
    VectorMath.log1p(inputs, into: &outputs, count: inputs.count)
    #expect(outputs[0] == -.infinity)
    #expect(outputs[1].isNaN)
    #expect(outputs[2] == .infinity)
    #expect(outputs[3].isNaN)
    #expect(outputs[4] == 0)
  }

  @Test func sigmoidAndTanhAreWithinTwoTenMillionths() {
    // Tolerance: 2e-7 absolute (both are bounded by 1).
    let inputs = Self.sample(-30...30, count: 50_000) + [0, 1e-6, -1e-6, 100, -100]
    var s = [Float](repeating: 0, count: inputs.count)
    var t = [Float](repeating: 0, count: inputs.count)
    VectorMath.sigmoid(inputs, into: &s, count: inputs.count)
    VectorMath.tanh(inputs, into: &t, count: inputs.count)
    var worstS = 0.0
    var worstT = 0.0
    for (i, x) in inputs.enumerated() {
      worstS = max(worstS, abs(Double(s[i]) - 1 / (1 + Foundation.exp(-Double(x)))))
      worstT = max(worstT, abs(Double(t[i]) - Foundation.tanh(Double(x))))
    }
    #expect(worstS < 2e-7, "sigmoid worst \(worstS)")
    #expect(worstT < 2e-7, "tanh worst \(worstT)")
  }

  @Test func reciprocalIsWithinThreeUlps() {
    var generator = Xoshiro256(seed: 4)
    var worst = (0.0, Float(0))
    for _ in 0..<20_000 {
      var v = VectorMath.Vector()
      // Log-uniform over [1e-30, 1e30].
      for j in 0..<8 { v[j] = Float(Foundation.exp((generator.nextDouble() * 2 - 1) * 69)) }
      let r = VectorMath.reciprocal(v)
      for j in 0..<8 {
        let error = Self.ulps(r[j], 1 / Double(v[j]))
        if error > worst.0 { worst = (error, v[j]) }
      }
    }
    // Tolerance: 3 ulp (a 12-bit estimate and one Newton step).
    #expect(worst.0 <= 3, "worst \(worst.0) ulp at x = \(worst.1)")
  }

  @Test func bytesBecomeExactQuotients() {
    let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }
    var out = [Float](repeating: -1, count: 301)
    VectorMath.normalizeBytes(bytes, into: &out, count: 300)
    // Exact: each must equal the correctly rounded quotient (7 is odd, so the 300 bytes
    // take all 256 values).
    #expect(zip(bytes, out).allSatisfy { Float($0) / 255 == $1 })
    #expect(out[300] == -1)
  }

  @Test func tailsShorterThanEightAreHandled() {
    for count in 0..<20 {
      let inputs = (0..<count).map { Float($0) * 0.25 }
      var outputs = [Float](repeating: -1, count: count + 1)
      VectorMath.exp(inputs, into: &outputs, count: count)
      for i in 0..<count { #expect(abs(Double(outputs[i]) - Foundation.exp(Double(inputs[i]))) < 1e-5 * Foundation.exp(Double(inputs[i]))) }
      #expect(outputs[count] == -1, "wrote past the end for count \(count)")
    }
  }
}
