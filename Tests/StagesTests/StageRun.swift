import Foundation
import Testing
import TestSupport

/// Runs a built stage executable and checks the failure contract.
enum StageRun {
  /// Runs `vae-<name>` in `folder`, in `ProcessRunner.environment(environment)`.
  static func run(_ name: String, _ arguments: [String], in folder: String, environment: [String: String] = [:]) throws -> ProcessResult {
    let path = ProcessRunner.executable(name)
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw ServerFailure(message: "\(path) is not built (StagesTests depends on the executables)")
    }
    return try ProcessRunner.run(path, arguments, in: folder, environment: environment)
  }

  /// A failing stage exits non-zero and prints exactly one line on stderr, naming `file` and every `fragment`.
  static func expectOneLineFailure(
    _ result: ProcessResult, naming file: String, _ fragments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(result.status != 0, "expected failure, stdout: \(result.stdout)", sourceLocation: sourceLocation)
    #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    let line = result.stderrLines.first ?? ""
    #expect(line.hasPrefix("Error: "), "\(line)", sourceLocation: sourceLocation)
    #expect(line.contains(file), "\(line) should name \(file)", sourceLocation: sourceLocation)
    for fragment in fragments {
      #expect(line.contains(fragment), "\(line) should contain \(fragment)", sourceLocation: sourceLocation)
    }
  }

  /// Starts `vae-<name>` with `arguments` in `folder` (in the tests' one environment), waits
  /// until `moment` holds or it ends, and sends it `signal`. Returns whether the signal landed
  /// while it ran, and its exit status.
  static func interrupt(
    _ name: String, _ arguments: [String], in folder: String, with signal: Int32, when moment: () -> Bool
  ) throws -> (landed: Bool, status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ProcessRunner.executable(name))
    process.arguments = arguments
    process.environment = ProcessRunner.environment()  // the same kernels as a reference run and the resumption
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(60)
    while process.isRunning, !moment(), Date() < deadline { usleep(200) }
    let landed = process.isRunning
    kill(process.processIdentifier, signal)
    process.waitUntilExit()
    return (landed, process.terminationStatus)
  }
}
