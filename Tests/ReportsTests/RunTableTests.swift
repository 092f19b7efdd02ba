import Foundation
import Models
@testable import Reports
import Runs
import Testing
import TestSupport

/// The table across runs read straight from folders, without the executables.
@Suite struct RunTableTests {
  @Test func aFolderWithoutRunsIsRefusedWithTheSameLineAsBefore() throws {
    let folder = try TemporaryFolder("table")
    defer { folder.remove() }
    #expect(throws: ReportError.noRunsFolder(path: folder.file("runs"))) {
      try RunTable.read(artifacts: folder.path) { _ in nil }
    }
    #expect(
      ReportError.noRunsFolder(path: "artifacts/runs").description
        == "artifacts/runs: no runs folder; --report expects the artifacts folder that holds runs/ (vae-train --run artifacts/runs/NAME makes one)")
  }

  @Test func aRunWithoutItsFilesIsAnUnreadableRowThatSaysWhich() throws {
    let folder = try TemporaryFolder("table")
    defer { folder.remove() }
    try FileManager.default.createDirectory(atPath: folder.file("runs/empty"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: folder.file("runs/.hidden"), withIntermediateDirectories: true)
    var asked = 0
    let table = try RunTable.read(artifacts: folder.path) { _ in
      asked += 1
      return nil
    }
    #expect(table.rows.map(\.name) == ["empty"], "hidden folders are skipped")
    let row = try #require(table.rows.first)
    #expect(row.isDamaged && row.config == nil && row.log == nil && row.metrics == nil && row.checkpoint == nil)
    #expect(
      row.problems.map(\.description) == [
        "config.json: missing (vae-train writes it when a run starts)", "log.csv: missing (vae-train writes it with config.json)",
      ])
    #expect(asked == 0, "the corruption is asked for only when there is a config")
  }

  @Test func theCorruptionComesFromTheMetricsElseFromTheGivenReader() throws {
    let folder = try TemporaryFolder("table")
    defer { folder.remove() }
    let run = folder.file("runs/denoise")
    try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
    let config = RunConfig(model: .init(inputSize: 784, hidden: [8], latent: 2), training: .init(batchSize: 10, epochs: 1), data: "d")
    try config.json().write(toFile: run + "/config.json", atomically: true, encoding: .utf8)
    let table = try RunTable.read(artifacts: folder.path) { seen in
      #expect(seen == config)
      return "gaussian noise, sigma 0.5"
    }
    #expect(table.rows.first?.corruption == "gaussian noise, sigma 0.5")
    #expect(table.rows.first?.problems.map(\.file) == ["log.csv"])
  }
}

@Suite struct ReportErrorTests {
  @Test func errorsOfTheLowerModulesReadAsTheirOwnOneLineMessages() {
    let bad = RunError.badMetrics(path: "runs/a/metrics.json", reason: "not a DigitVAE metrics file\n(missing key)")
    #expect(ReportError.oneLine(bad) == "runs/a/metrics.json: bad metrics file: not a DigitVAE metrics file (missing key)")
  }
}

extension ReportErrorTests {
  @Test func aFoundationErrorReadsAsTheSystemsMessage() {
    let error = NSError(domain: NSCocoaErrorDomain, code: NSFileReadNoSuchFileError, userInfo: [NSLocalizedDescriptionKey: "no such\nfile"])
    #expect(ReportError.oneLine(error) == "no such file")
  }
}
