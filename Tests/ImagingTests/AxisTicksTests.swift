import Foundation
import Testing
@testable import Imaging

@Suite struct AxisTicksTests {
  /// Tick values agree with hand-worked ones to 1e-12 relative (the values
  /// are computed in binary, the expectations are decimal literals).
  func expectValues(_ ticks: AxisTicks, _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
    let close = ticks.values.count == expected.count
      && zip(ticks.values, expected).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }
    #expect(close, "expected \(expected), seen \(ticks.values)", sourceLocation: sourceLocation)
  }

  @Test func unitRange() {
    // Raw step 1/5 = 0.2 is already nice: 0, 0.2, ..., 1.
    let ticks = AxisTicks.linear(from: 0, to: 1)
    expectValues(ticks, [0, 0.2, 0.4, 0.6, 0.8, 1])
    #expect(ticks.labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    #expect(ticks.lower == 0 && ticks.upper == 1)
  }

  @Test func lossLikeRange() {
    // 97...143: raw step 46/5 = 9.2, next nice is 10; widened to 90...150.
    let ticks = AxisTicks.linear(from: 97, to: 143)
    expectValues(ticks, [90, 100, 110, 120, 130, 140, 150])
    #expect(ticks.labels == ["90", "100", "110", "120", "130", "140", "150"])
  }

  @Test func smallValues() {
    // 0.003...0.02: raw step 0.0034, next nice is 0.005; widened to 0...0.02.
    let ticks = AxisTicks.linear(from: 0.003, to: 0.02)
    expectValues(ticks, [0, 0.005, 0.01, 0.015, 0.02])
    #expect(ticks.labels == ["0.000", "0.005", "0.010", "0.015", "0.020"])
  }

  @Test func negativeToPositive() {
    // -3.7...12.2: raw 3.18 -> 5; widened to -5...15.
    let ticks = AxisTicks.linear(from: -3.7, to: 12.2)
    expectValues(ticks, [-5, 0, 5, 10, 15])
    #expect(ticks.labels == ["-5", "0", "5", "10", "15"])
  }

  @Test func negativeDecimals() {
    // -0.35...-0.05 with 3 intervals: raw 0.1 is nice.
    let ticks = AxisTicks.linear(from: -0.35, to: -0.05, targetCount: 3)
    expectValues(ticks, [-0.4, -0.3, -0.2, -0.1, 0])
    #expect(ticks.labels == ["-0.4", "-0.3", "-0.2", "-0.1", "0.0"])
  }

  @Test func epochs() {
    // 1...10 with 6 intervals: raw 1.5 -> 2; widened to 0...10.
    let ticks = AxisTicks.linear(from: 1, to: 10, targetCount: 6)
    expectValues(ticks, [0, 2, 4, 6, 8, 10])
  }

  @Test func tinyAndHugeValuesUseScientificLabels() {
    // 1e-8...5e-8: raw 8e-9 -> 1e-8.
    let tiny = AxisTicks.linear(from: 1e-8, to: 5e-8, targetCount: 5)
    expectValues(tiny, [1e-8, 2e-8, 3e-8, 4e-8, 5e-8])
    #expect(tiny.labels == ["1e-8", "2e-8", "3e-8", "4e-8", "5e-8"])
    // 0...2.5e9: raw 5e8 is nice.
    let huge = AxisTicks.linear(from: 0, to: 2.5e9, targetCount: 5)
    expectValues(huge, [0, 5e8, 1e9, 1.5e9, 2e9, 2.5e9])
    #expect(huge.labels == ["0", "5e8", "1e9", "1.5e9", "2e9", "2.5e9"])
  }

  @Test func degenerateRangesAreWidened() {
    // 5...5 becomes 4.5...5.5: raw 0.2, widened to 4.4...5.6.
    expectValues(AxisTicks.linear(from: 5, to: 5), [4.4, 4.6, 4.8, 5.0, 5.2, 5.4, 5.6])
    // 0...0 becomes -1...1: raw 0.4 -> 0.5.
    expectValues(AxisTicks.linear(from: 0, to: 0), [-1, -0.5, 0, 0.5, 1])
    // NaN gives the unit axis; reversed ends are sorted.
    expectValues(AxisTicks.linear(from: .nan, to: 3), [0, 0.2, 0.4, 0.6, 0.8, 1])
    #expect(AxisTicks.linear(from: 143, to: 97) == AxisTicks.linear(from: 97, to: 143))
  }

  @Test func randomRangesGetNiceCoveringTicks() {
    var rng = SplitMix(seed: 2024)
    for _ in 0..<2000 {
      let scale = pow(10, rng.uniform(-5, 6))
      let a = rng.uniform(-1, 1) * scale
      let b = a + rng.uniform(0.001, 3) * scale
      let target = Int(rng.uniform(2, 10))
      let t = AxisTicks.linear(from: a, to: b, targetCount: target)
      let step = t.values[1] - t.values[0]
      let mantissa = step / pow(10, floor(log10(step)))
      let nice = [1.0, 2, 5, 10].contains { abs(mantissa - $0) < 1e-6 }
      let intervals = t.values.count - 1
      let ok = nice && t.lower <= a && t.upper >= b && t.lower > a - step && t.upper < b + step
        && intervals >= 1 && intervals <= target + 2 && t.labels.count == t.values.count
      #expect(ok, "range \(a)...\(b), target \(target): ticks \(t.values)")
      if !ok { break }
    }
  }

  @Test func logarithmicWithinTwoDecadesAdds2And5() {
    // 97...143 sits between 50 and 200 on the 1-2-5 ladder.
    let narrow = AxisTicks.logarithmic(from: 97, to: 143)
    expectValues(narrow, [50, 100, 200])
    #expect(narrow.labels == ["50", "100", "200"])
    let loss = AxisTicks.logarithmic(from: 100, to: 550)
    expectValues(loss, [100, 200, 500, 1000])
    #expect(loss.isLogarithmic)
  }

  @Test func logarithmicOverManyDecadesUsesPowersOfTen() {
    let wide = AxisTicks.logarithmic(from: 0.001, to: 10)
    expectValues(wide, [0.001, 0.01, 0.1, 1, 10])
    #expect(wide.labels == ["0.001", "0.01", "0.1", "1", "10"])
    let tiny = AxisTicks.logarithmic(from: 3e-7, to: 2e-3)
    expectValues(tiny, [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2])
    #expect(tiny.labels == ["1e-7", "1e-6", "1e-5", "0.0001", "0.001", "0.01"])
  }

  @Test func logarithmicOverVeryManyDecadesThinsTheTicks() {
    // 1e-12...1e9 is 21 decades: every third power, aligned to multiples of 3.
    let ticks = AxisTicks.logarithmic(from: 1e-12, to: 1e9)
    expectValues(ticks, [1e-12, 1e-9, 1e-6, 1e-3, 1, 1e3, 1e6, 1e9])
    #expect(ticks.labels == ["1e-12", "1e-9", "1e-6", "0.001", "1", "1000", "1000000", "1e9"])
    // 3e-5...2e4 with every second power: 1e-6 ... 1e4 (upper end rounded up to the stride).
    expectValues(AxisTicks.logarithmic(from: 3e-5, to: 2e4), [1e-6, 1e-4, 1e-2, 1, 1e2, 1e4, 1e6])
  }

  @Test func logarithmicFallsBackOnBadInput() {
    expectValues(AxisTicks.logarithmic(from: -5, to: 10), [1, 2, 5, 10])
    expectValues(AxisTicks.logarithmic(from: 100, to: 100), [50, 100, 200])
  }

  @Test func fractionsAlongTheAxis() {
    let lin = AxisTicks.linear(from: 0, to: 1)
    #expect(lin.fraction(0.25) == 0.25)
    let log = AxisTicks.logarithmic(from: 0.001, to: 10)
    #expect(abs(log.fraction(0.1) - 0.5) < 1e-12, "expected 0.5, seen \(log.fraction(0.1))")
  }

  @Test func labelArithmetic() {
    #expect(AxisTicks.fixedLabel(5, -3, decimals: 3) == "0.005")
    #expect(AxisTicks.fixedLabel(-15, -1, decimals: 2) == "-1.50")
    #expect(AxisTicks.fixedLabel(12, 2, decimals: 0) == "1200")
    #expect(AxisTicks.fixedLabel(0, -2, decimals: 2) == "0.00")
    #expect(AxisTicks.scientificLabel(150, 7) == "1.5e9")
    #expect(AxisTicks.scientificLabel(-25, -9) == "-2.5e-8")
  }
}
