import Foundation
@testable import Terminal
import Testing
import TestSupport

/// A clock the test moves by hand.
final class FakeClock: @unchecked Sendable {
  var now = 100.0
  func read() -> Double { now }
}

@Suite struct ProgressTests {
  @Test func plainOutputIsOneLinePerFinishedItem() {
    let captured = CapturedConsole()
    let clock = FakeClock()
    let progress = ProgressMeter("train-images.gz", total: 9_912_422, console: captured.console(isTerminal: false), clock: clock.read)
    for step in 1...10 {
      clock.now += 0.05
      progress.update(completed: Int64(step) * 991_242)
    }
    #expect(captured.lines.isEmpty && captured.bar.isEmpty, "nothing until the end when not on a terminal")
    progress.line("a note")
    progress.finish("SHA-256 ok")
    progress.finish("twice")  // ignored
    // 9,912,420 bytes in 0.5 s = 19.8 MB/s
    #expect(captured.lines == ["a note", "train-images.gz: 9.9 MB in 0.50 s (19.8 MB/s), SHA-256 ok"])
    #expect(captured.bar.isEmpty)
  }

  @Test func terminalOutputRedrawsABarInPlaceWithRateAndExtraText() {
    let captured = CapturedConsole()
    let clock = FakeClock()
    let progress = ProgressMeter("epoch 1", total: 200, unit: .items("batches"), console: captured.console(isTerminal: true), clock: clock.read)
    clock.now += 2
    progress.update(completed: 50, extra: "loss 104.2")
    #expect(captured.bar.hasPrefix("\r\u{1B}[K"))
    #expect(captured.bar.contains("epoch 1 [======>                 ]  25%  50 batches / 200 batches  25.0 batches/s  loss 104.2"), "\(captured.bar)")
    // Redraws are throttled to ten a second.
    let drawn = captured.bar
    clock.now += 0.01
    progress.update(completed: 51)
    #expect(captured.bar == drawn)
    clock.now += 0.2
    progress.update(completed: 60)
    #expect(captured.bar.count > drawn.count)
    // A line erases the bar, prints, and the bar comes back.
    progress.line("checkpoint written")
    #expect(captured.lines == ["checkpoint written"])
    #expect(captured.bar.hasSuffix("loss 104.2"))
    progress.finish()
    #expect(captured.lines.last?.hasPrefix("epoch 1: 60 batches in 2.21 s (27.1 batches/s)") == true, "\(captured.lines)")
  }

  @Test func unknownTotalShowsNoPercentage() {
    let captured = CapturedConsole()
    let clock = FakeClock()
    let progress = ProgressMeter("download", total: nil, console: captured.console(isTerminal: true), clock: clock.read)
    clock.now += 1
    progress.update(completed: 2_500_000)
    #expect(captured.bar.hasSuffix("download  2.5 MB  2.5 MB/s"), "\(captured.bar)")
  }

  @Test(arguments: [
    (Int64(0), "0 B"), (999, "999 B"), (1000, "1.0 kB"), (28_881, "28.9 kB"), (9_912_422, "9.9 MB"), (47_040_016, "47.0 MB"),
    (1_234_567_890, "1.23 GB"),
  ])
  func byteCounts(count: Int64, text: String) {
    #expect(ProgressMeter.bytes(count) == text)
  }

  @Test func secondsAndDecimals() {
    #expect(ProgressMeter.seconds(0.0312) == "0.031 s")
    #expect(ProgressMeter.seconds(2.5) == "2.50 s")
    #expect(ProgressMeter.seconds(83.4) == "83 s")
    #expect(ProgressMeter.decimal(-1.25, digits: 1) == "-1.3" || ProgressMeter.decimal(-1.25, digits: 1) == "-1.2")
    #expect(ProgressMeter.decimal(0.05, digits: 2) == "0.05")
    #expect(ProgressMeter.decimal(.nan, digits: 2) == "-")
  }
}
