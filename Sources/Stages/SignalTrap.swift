import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT and SIGTERM into a flag that a long-running loop polls, so
/// it can finish the current step, write a checkpoint and exit cleanly.
///
/// The handlers run on a Dispatch queue, not in async-signal context, and are
/// written as `@Sendable` closures in this library file: the same code inline
/// in an executable's `main.swift` is taken as main-actor code and traps
/// (SIGILL) when the signal arrives (see ../shared/PLATFORM.md).
public final class SignalTrap {
  /// Holds the signal number received first, or 0 while none has arrived.
  private final class Flag: Sendable {
    let received = Atomic<Int32>(0)
  }

  private let flag = Flag()
  private var sources: [any DispatchSourceSignal] = []

  /// Installs the trap for SIGINT and SIGTERM; keep the object alive while it should hold.
  public init() {
    for number in [SIGINT, SIGTERM] {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { @Sendable [flag] in
        _ = flag.received.compareExchange(expected: 0, desired: number, ordering: .relaxed)
      }
      source.resume()
      sources.append(source)
    }
  }

  deinit {
    for source in sources { source.cancel() }
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
  }

  /// The first signal caught, if any.
  public var caught: Int32? {
    let value = flag.received.load(ordering: .relaxed)
    return value == 0 ? nil : value
  }

  /// The conventional exit status for a process stopped by `signal`: 128 + number.
  public static func exitStatus(for signal: Int32) -> Int32 { 128 + signal }
}
