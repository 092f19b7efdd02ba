import ArgumentParser
import DataFiles
import Fetching
import Foundation
import Runs
import Testing
import TestSupport
@testable import Stages

@Suite struct StageSupportTests {

  @Test func mirrorOrderIsFlagsThenEnvironmentThenBuiltIn() {
    let env = ["MNIST_MIRROR": "/env"]
    #expect(FetchStage.mirrors(flags: ["/a", "/b"], environment: env, dataset: .mnist) == [.folder(path: "/a"), .folder(path: "/b")])
    #expect(FetchStage.mirrors(flags: [], environment: env, dataset: .mnist) == [.folder(path: "/env")])
    #expect(FetchStage.mirrors(flags: [], environment: [:], dataset: .kmnist) == Dataset.kmnist.mirrors.map(Mirror.init))
  }

  /// Every child of a test runs in the test process's environment (so the
  /// machine's choice of BLAS kernels reaches all alike), without the
  /// project's own variables, plus the test's overrides.
  @Test func childrenRunInTheParentsEnvironmentWithTheTestsOverrides() throws {
    let result = try ProcessRunner.run("/usr/bin/env", [], in: NSTemporaryDirectory(), environment: ["EPOCHS": "7", "X_TEST": "1"])
    #expect(result.status == 0, "\(result.stderr)")
    var seen: [String: String] = [:]
    for line in result.stdout.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      seen[String(line[..<equals])] = String(line[line.index(after: equals)...])
    }
    var expected = ProcessInfo.processInfo.environment.filter { !ProcessRunner.projectVariables.contains($0.key) }
    expected["EPOCHS"] = "7"
    expected["X_TEST"] = "1"
    for (name, value) in expected where !value.contains("\n") {
      #expect(seen[name] == value, "\(name) should reach the child as \(value), seen \(seen[name] ?? "nothing")")
    }
    for name in ProcessRunner.projectVariables where name != "EPOCHS" {
      #expect(seen[name] == nil, "\(name) from the developer's environment reached a child")
    }
  }

  @Test func errorsBecomeOneLine() {
    let multi = StageError.flattening(NSError(domain: "d", code: 1, userInfo: [NSLocalizedDescriptionKey: "first\nsecond\tthird"]))
    #expect(multi == .other("first second third"))
    let data = StageError.flattening(DataFileError.truncatedCompressed(path: "a.gz"))
    #expect(data.description == "a.gz: compressed data ends early (truncated download?)")
    let own = StageError.runExists(path: "p")
    #expect(StageError.flattening(own) == own)
    let run = RunError.missingInput(path: "p", hint: "h")
    #expect(StageError.flattening(run) == .other("p: missing input file; h"))
  }

  @Test func reportingPassesParserErrorsThroughAndClearsTheBar() throws {
    let captured = CapturedConsole()
    let console = captured.console(isTerminal: true)
    console.bar("half drawn")
    #expect(throws: StageError.other("x.idx: bad")) {
      try StageError.reporting(console: console) { throw StageError.other("x.idx: bad") }
    }
    #expect(captured.bar.hasSuffix("\r\u{1B}[K"), "the bar is erased before the error is printed")
    #expect(throws: ValidationError.self) {
      try StageError.reporting(console: console) { throw ValidationError("bad flag") }
    }
    #expect(try StageError.reporting(console: console) { 42 } == 42)
  }

  @Test func defaultArtifactPaths() {
    #expect(ArtifactPaths.raw(.fashionMNIST) == "artifacts/raw/fashion-mnist")
    #expect(ArtifactPaths.data(.mnist) == "artifacts/data/mnist")
    #expect(ArtifactPaths.run("denoise") == "artifacts/runs/denoise")
  }
}
