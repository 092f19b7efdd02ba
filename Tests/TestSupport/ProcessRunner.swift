import Foundation

/// What a finished child process did.
public struct ProcessResult: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String
  public var seconds: Double

  /// stderr split into non-empty lines.
  public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Runs programs for tests: the package's built executables, or python3.
public enum ProcessRunner {
  /// The folder with the built products (the test bundle sits in it).
  public static var productsFolder: String {
    // /proc/self/exe is the xctest binary in .build/<triple>/<config>/.
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var folder = URL(fileURLWithPath: exe).deletingLastPathComponent()
    // On macOS the binary is inside Name.xctest/Contents/MacOS.
    while folder.path.contains(".xctest") { folder.deleteLastPathComponent() }
    return folder.path
  }

  /// Path of the built executable `name` (e.g. "vae-fetch").
  public static func executable(_ name: String) -> String { productsFolder + "/" + name }

  /// The variables DigitVAE's stages, pipelines and scripts read. A test sets
  /// the ones it needs; a developer's own values never reach a child.
  public static let projectVariables: Set<String> = [
    "MNIST_MIRROR", "DIGITVAE_BIN", "EPOCHS", "NAME", "SEED", "THREADS", "JUDGE_EPOCHS",
    "KIND", "LEVEL", "LEVELS", "BETA", "GRID", "DATASET", "DATA", "DATASET_MIRROR", "DATASET_CHECKSUMS", "SWEEP_GRID", "DEBIAN_FASHION_MNIST",
  ]

  /// The one environment every child of a test runs in: the test process's own
  /// minus `projectVariables`, plus `overrides`.
  ///
  /// Everything else passes through unchanged, above all `DIGITVAE_GEMM`,
  /// `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE`: they choose the GEMM kernels, and every
  /// child of a test (a reference run, an interrupted run, its resumption)
  /// runs the same ones, so bitwise comparisons between them hold under any
  /// kernel family.
  public static func environment(_ overrides: [String: String] = [:]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment.filter { !projectVariables.contains($0.key) }
    env["PATH"] = env["PATH"] ?? "/usr/bin:/bin"
    env["HOME"] = env["HOME"] ?? "/tmp"
    env.merge(overrides) { _, override in override }
    return env
  }

  /// Runs `path` with `arguments` in `folder`, in `environment(overrides)`,
  /// stdin closed, stdout/stderr captured through files.
  public static func run(
    _ path: String, _ arguments: [String], in folder: String, environment overrides: [String: String] = [:], timeout: Double = 120
  ) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    process.environment = environment(overrides)
    let id = UUID().uuidString
    let outPath = NSTemporaryDirectory() + "/out-\(id)"
    let errPath = NSTemporaryDirectory() + "/err-\(id)"
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    defer {
      try? FileManager.default.removeItem(atPath: outPath)
      try? FileManager.default.removeItem(atPath: errPath)
    }
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    let start = Date()
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
      if Date() > deadline {
        // SIGKILL: children inherit the test thread's blocked signals, SIGTERM among them.
        kill(process.processIdentifier, SIGKILL)
        break
      }
      Thread.sleep(forTimeInterval: 0.005)
    }
    process.waitUntilExit()
    try out.close()
    try err.close()
    return ProcessResult(
      status: process.terminationStatus,
      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
      seconds: Date().timeIntervalSince(start))
  }

  /// Runs `python3 -c script args...` and returns its stdout; throws on failure.
  public static func python(_ script: String, _ arguments: [String] = [], in folder: String = NSTemporaryDirectory()) throws -> String {
    let result = try run("/usr/bin/env", ["python3", "-c", script] + arguments, in: folder)
    guard result.status == 0 else { throw PythonFailure(message: result.stderr) }
    return result.stdout
  }
}

/// python3 exited non-zero.
public struct PythonFailure: Error, CustomStringConvertible {
  public var message: String
  public var description: String { "python3 failed: \(message)" }
}
