#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reports the progress of one piece of work: a bar redrawn in place when
/// stderr is a terminal, otherwise nothing until the work finishes, then
/// one plain line. `line(_:)` prints a plain line in both cases.
///
/// ```
/// let progress = ProgressMeter("epoch 3", total: 469, unit: .items("batches"))
/// progress.update(completed: 100, extra: "loss 104.2")
/// progress.finish("loss 103.9")
/// ```
public final class ProgressMeter {
  /// What is being counted.
  public enum Unit: Sendable, Equatable {
    /// Bytes, shown as kB/MB/GB with a MB/s rate.
    case bytes
    /// Things with a name, e.g. `.items("images")`.
    case items(String)
  }

  public let label: String
  /// The amount of work, if known; may be set once it becomes known.
  public var total: Int64?
  public let unit: Unit
  public private(set) var completed: Int64 = 0
  private let console: Console
  private let clock: () -> Double
  private let start: Double
  private var lastDraw = -Double.infinity
  private var extra: String?
  private var finished = false

  /// - Parameters:
  ///   - total: the amount of work, if known (shows a bar and a percentage).
  ///   - clock: seconds from any fixed origin (tests pass a fake one).
  public init(
    _ label: String, total: Int64?, unit: Unit = .bytes, console: Console = .standard,
    clock: @escaping () -> Double = ProgressMeter.monotonicSeconds
  ) {
    self.label = label
    self.total = total
    self.unit = unit
    self.console = console
    self.clock = clock
    start = clock()
  }

  /// Sets the amount done; `extra` (e.g. "loss 104.2") is shown after the rate.
  /// Redraws the bar at most ten times a second.
  public func update(completed: Int64, extra: String? = nil) {
    self.completed = completed
    if let extra { self.extra = extra }
    let now = clock()
    if now - lastDraw >= 0.1 || completed == total {
      lastDraw = now
      console.bar(barText(now: now))
    }
  }

  /// Adds `amount` to the amount done.
  public func advance(by amount: Int64 = 1, extra: String? = nil) {
    update(completed: completed + amount, extra: extra)
  }

  /// Prints a plain line now (the bar, if any, is redrawn below it).
  public func line(_ text: String) {
    console.line(text)
    if !finished, console.isTerminal { console.bar(barText(now: clock())) }
  }

  /// Ends the work and prints its summary line: amount, time, rate, then `note`.
  public func finish(_ note: String? = nil) {
    guard !finished else { return }
    finished = true
    console.line(summary(note: note))
  }

  /// Seconds elapsed since the start.
  public var elapsed: Double { clock() - start }

  /// "label: 9.9 MB in 0.31 s (32.0 MB/s), note"
  public func summary(note: String? = nil) -> String {
    let seconds = max(clock() - start, 0)
    var text = "\(label): \(amount(completed)) in \(Self.seconds(seconds))"
    if seconds > 0, completed > 0 { text += " (\(rate(Double(completed) / seconds)))" }
    if let note, !note.isEmpty { text += ", " + note }
    return text
  }

  /// "label [=====>    ]  45%  4.5 MB / 9.9 MB  30.2 MB/s  extra"
  func barText(now: Double) -> String {
    let seconds = max(now - start, 1e-9)
    var text = label
    if let total, total > 0 {
      let fraction = min(max(Double(completed) / Double(total), 0), 1)
      let width = 24
      let filled = Int(fraction * Double(width))
      let arrow = filled < width ? ">" : ""
      text += " [" + String(repeating: "=", count: filled) + arrow
        + String(repeating: " ", count: max(width - filled - arrow.count, 0)) + "]"
      text += " " + String(Int(fraction * 100)).leftPadded(to: 3) + "%"
      text += "  \(amount(completed)) / \(amount(total))"
    } else {
      text += "  \(amount(completed))"
    }
    text += "  " + rate(Double(completed) / seconds)
    if let extra { text += "  " + extra }
    return text
  }

  private func amount(_ value: Int64) -> String {
    switch unit {
    case .bytes: return Self.bytes(value)
    case let .items(name): return "\(value) \(name)"
    }
  }

  private func rate(_ perSecond: Double) -> String {
    switch unit {
    case .bytes: return Self.bytes(Int64(perSecond)) + "/s"
    case let .items(name): return Self.decimal(perSecond, digits: perSecond >= 100 ? 0 : 1) + " \(name)/s"
    }
  }

  /// Bytes in decimal units: "512 B", "28.9 kB", "9.9 MB", "1.2 GB".
  public static func bytes(_ count: Int64) -> String {
    let value = Double(count)
    if count < 1000 { return "\(count) B" }
    if value < 1e6 { return decimal(value / 1e3, digits: 1) + " kB" }
    if value < 1e9 { return decimal(value / 1e6, digits: 1) + " MB" }
    return decimal(value / 1e9, digits: 2) + " GB"
  }

  /// Seconds with two significant decimals below 10 s: "0.031 s", "2.5 s", "83 s".
  public static func seconds(_ value: Double) -> String {
    if value < 0.1 { return decimal(value, digits: 3) + " s" }
    if value < 10 { return decimal(value, digits: 2) + " s" }
    return decimal(value, digits: 0) + " s"
  }

  /// A fixed-point decimal without Foundation's locale-dependent formatting.
  static func decimal(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int64((abs(value) * scale).rounded())
    let whole = scaled / Int64(scale)
    let fraction = scaled % Int64(scale)
    let sign = value < 0 && scaled != 0 ? "-" : ""
    guard digits > 0 else { return sign + String(whole) }
    return sign + String(whole) + "." + String(fraction).leftPadded(to: digits, with: "0")
  }

  /// CLOCK_MONOTONIC in seconds.
  public static func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
  }
}

extension String {
  fileprivate func leftPadded(to width: Int, with pad: Character = " ") -> String {
    count >= width ? self : String(repeating: pad, count: width - count) + self
  }
}
