#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where a stage's human-readable output goes.
///
/// Status lines go to stdout; warnings (the stage goes on) and a failing
/// stage's one error line go to stderr. A progress bar, redrawn in place with
/// `\r`, goes to stderr and only when stderr is a terminal; it is erased
/// before any line is printed.
public final class Console: @unchecked Sendable {
  /// True when bars are drawn (stderr is a terminal, unless overridden).
  public let isTerminal: Bool
  private let writeLine: @Sendable (String) -> Void
  private let writeBar: @Sendable (String) -> Void
  private let lock = NSLock()
  private var barVisible = false

  /// Writes to the real stdout and stderr; bars only if stderr is a TTY.
  public static let standard = Console(
    isTerminal: isatty(STDERR_FILENO) == 1,
    // Unbuffered writes: lines appear at once even when stdout is a file or pipe.
    line: { text in FileHandle.standardOutput.write(Data((text + "\n").utf8)) },
    bar: { text in FileHandle.standardError.write(Data(text.utf8)) })

  /// A console with custom sinks (tests capture output this way).
  public init(isTerminal: Bool, line: @escaping @Sendable (String) -> Void, bar: @escaping @Sendable (String) -> Void) {
    self.isTerminal = isTerminal
    self.writeLine = line
    self.writeBar = bar
  }

  /// Prints one plain line (erasing a bar first).
  public func line(_ text: String) {
    lock.lock()
    defer { lock.unlock() }
    eraseBar()
    writeLine(text)
  }

  /// Prints one warning line to stderr (erasing a bar first): the stage goes on.
  public func warning(_ text: String) {
    lock.lock()
    defer { lock.unlock() }
    eraseBar()
    writeBar(text + "\n")
  }

  /// Draws `text` as the current bar (only on a terminal).
  public func bar(_ text: String) {
    guard isTerminal else { return }
    lock.lock()
    defer { lock.unlock() }
    writeBar("\r\u{1B}[K" + text)
    barVisible = true
  }

  /// Erases the bar, if one is shown.
  public func clearBar() {
    lock.lock()
    defer { lock.unlock() }
    eraseBar()
  }

  private func eraseBar() {
    if barVisible {
      writeBar("\r\u{1B}[K")
      barVisible = false
    }
  }

  /// Any error's message on one line: its own description (a module's error), else the
  /// system's (a Foundation error, whose description spans several lines).
  public static func oneLine(describing error: any Error) -> String {
    let text =
      if !(type(of: error as Any) is NSError.Type), let described = error as Any as? CustomStringConvertible {
        described.description
      } else {
        (error as NSError).localizedDescription
      }
    return oneLine(text)
  }

  /// Collapses whitespace runs (newlines included) into single spaces.
  public static func oneLine(_ text: String) -> String {
    text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == " " }).joined(separator: " ")
  }
}
