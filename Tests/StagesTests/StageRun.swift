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
}
