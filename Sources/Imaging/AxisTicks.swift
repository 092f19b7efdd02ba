#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tick values and labels for one plot axis, at "nice" numbers.
///
/// Linear axes step by 1, 2 or 5 times a power of ten and widen the data's
/// range to whole steps, so the axis starts and ends on a labelled tick.
/// Logarithmic axes put ticks on powers of ten, adding the 2x and 5x values
/// when the data span fewer than three decades.
public struct AxisTicks: Sendable, Equatable {
  /// The value at the start of the axis.
  public let lower: Double
  /// The value at the end of the axis.
  public let upper: Double
  /// The tick values, ascending, from `lower` to `upper`.
  public let values: [Double]
  /// One label per tick, as printed on the axis.
  public let labels: [String]
  public let isLogarithmic: Bool

  /// Ticks for data from `low` to `high` with about `targetCount` intervals:
  /// the step is the smallest nice value of at least (high - low) / targetCount,
  /// so widening to whole steps gives at most `targetCount + 2` intervals.
  ///
  /// Equal ends are widened by 10% of the value (by 1 around 0); non-finite
  /// ends give the axis 0...1.
  public static func linear(from low: Double, to high: Double, targetCount: Int = 5) -> AxisTicks {
    var (lo, hi) = (Swift.min(low, high), Swift.max(low, high))
    if !lo.isFinite || !hi.isFinite { (lo, hi) = (0, 1) }
    if hi - lo <= 1e-12 * Swift.max(abs(lo), abs(hi)) {
      let pad = lo == 0 ? 1 : abs(lo) * 0.1
      (lo, hi) = (lo - pad, hi + pad)
    }
    let raw = (hi - lo) / Double(Swift.max(1, targetCount))
    var exponent = Int(floor(log10(raw)))
    let norm = raw / power10(exponent)
    // The smallest of 1, 2, 5, 10 that is not below the raw step.
    var multiple = [1, 2, 5, 10].first { Double($0) >= norm * (1 - 1e-9) } ?? 10
    if multiple == 10 {
      multiple = 1
      exponent += 1
    }
    let step = value(Double(multiple), exponent)
    let first = Int(floor(lo / step + 1e-9))
    let last = Int(ceil(hi / step - 1e-9))
    let counts = (first...last).map { $0 * multiple }
    let values = counts.map { value(Double($0), exponent) }
    let scientific = exponent < -6 || exponent > 5
    let labels = counts.map { scientific ? scientificLabel($0, exponent) : fixedLabel($0, exponent, decimals: Swift.max(0, -exponent)) }
    return AxisTicks(lower: values[0], upper: values[values.count - 1], values: values, labels: labels, isLogarithmic: false)
  }

  /// Ticks for positive data from `low` to `high` on a log scale.
  ///
  /// Over more than eight decades only every k-th power of ten is used, with
  /// k chosen to keep about eight ticks.
  ///
  /// Non-positive or non-finite ends give the axis 1...10; equal ends are
  /// widened by a factor of 2 each way.
  public static func logarithmic(from low: Double, to high: Double) -> AxisTicks {
    var (lo, hi) = (Swift.min(low, high), Swift.max(low, high))
    if !(lo > 0) || !hi.isFinite { (lo, hi) = (1, 10) }
    if hi / lo < 1 + 1e-9 { (lo, hi) = (lo / 2, hi * 2) }
    var eLo = Int(floor(log10(lo) + 1e-9))
    let eHi = Int(ceil(log10(hi) - 1e-9))
    // Over many decades, label every k-th power only (at most about 8 ticks).
    let every = Swift.max(1, (eHi - eLo + 7) / 8)
    eLo -= ((eLo % every) + every) % every
    // (multiple, exponent) candidates, ascending.
    let multiples = eHi - eLo >= 3 ? [1] : [1, 2, 5]
    var candidates: [(Int, Int)] = []
    for e in stride(from: eLo, through: eHi + every - 1, by: every) { for m in multiples { candidates.append((m, e)) } }
    let below = candidates.lastIndex { value(Double($0.0), $0.1) <= lo * (1 + 1e-9) } ?? 0
    let above = candidates.firstIndex { value(Double($0.0), $0.1) >= hi * (1 - 1e-9) } ?? candidates.count - 1
    let ticks = Array(candidates[below...above])
    let values = ticks.map { value(Double($0.0), $0.1) }
    let labels = ticks.map { m, e in
      e < -4 || e > 6 ? scientificLabel(m, e) : fixedLabel(m, e, decimals: Swift.max(0, -e))
    }
    return AxisTicks(lower: values[0], upper: values[values.count - 1], values: values, labels: labels, isLogarithmic: true)
  }

  /// Where `v` falls along the axis: 0 at `lower`, 1 at `upper`.
  public func fraction(_ v: Double) -> Double {
    if isLogarithmic { return (log10(v) - log10(lower)) / (log10(upper) - log10(lower)) }
    return (v - lower) / (upper - lower)
  }

  /// `count * 10^exponent`, dividing by an exact power of ten for negative
  /// exponents so that 5e-3 comes out as the double nearest 0.005.
  static func value(_ count: Double, _ exponent: Int) -> Double {
    exponent >= 0 ? count * power10(exponent) : count / power10(-exponent)
  }

  static func power10(_ exponent: Int) -> Double {
    pow(10, Double(exponent))
  }

  /// `count * 10^exponent` written with `decimals` digits after the point,
  /// in integer arithmetic (no binary rounding in labels). `decimals >= -exponent`.
  static func fixedLabel(_ count: Int, _ exponent: Int, decimals: Int) -> String {
    var digits = count.magnitude
    for _ in 0..<(exponent + decimals) { digits *= 10 }
    var text = String(digits)
    if decimals > 0 {
      if text.count <= decimals { text = String(repeating: "0", count: decimals - text.count + 1) + text }
      text.insert(".", at: text.index(text.endIndex, offsetBy: -decimals))
    }
    return (count < 0 ? "-" : "") + text
  }

  /// `count * 10^exponent` as `1.5e-7`: shortest mantissa, no `+` sign.
  static func scientificLabel(_ count: Int, _ exponent: Int) -> String {
    guard count != 0 else { return "0" }
    var (digits, e) = (count.magnitude, exponent)
    while digits % 10 == 0 {
      digits /= 10
      e += 1
    }
    let text = String(digits)
    let mantissa = text.count == 1 ? text : String(text.prefix(1)) + "." + text.dropFirst()
    return (count < 0 ? "-" : "") + mantissa + "e" + String(e + text.count - 1)
  }
}
