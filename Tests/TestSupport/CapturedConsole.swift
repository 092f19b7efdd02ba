import Foundation
import Terminal

/// Collects what a `Console` prints.
public final class CapturedConsole: @unchecked Sendable {
  private let lock = NSLock()
  private var _lines: [String] = []
  private var _bar = ""

  public init() {}
  public var lines: [String] { lock.withLock { _lines } }
  public var bar: String { lock.withLock { _bar } }

  public func console(isTerminal: Bool) -> Console {
    Console(
      isTerminal: isTerminal, line: { text in self.lock.withLock { self._lines.append(text) } },
      bar: { text in self.lock.withLock { self._bar += text } })
  }
}

