import ArgumentParser
import Foundation

/// `--threads` and `--seed`, shared by every stage that computes: one
/// spelling, one range check and one default (all cores; seed 1).
public struct ComputeOptions: ParsableArguments {
  @Option(help: "Threads for BLAS and the kernels, 1...256; results are bitwise reproducible per count (default: all cores).")
  public var threads: Int?

  @Option(help: "Seed of every random draw the stage makes (default 1).")
  public var seed: UInt64?

  public init() {}

  /// The default thread count: every core this process may use.
  public static var allCores: Int { ProcessInfo.processInfo.activeProcessorCount }

  /// `--threads`, or all cores.
  public var threadCount: Int { threads ?? Self.allCores }

  /// `--seed`, or 1.
  public var seedValue: UInt64 { seed ?? 1 }

  public func validate() throws {
    if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads)") }
  }
}
