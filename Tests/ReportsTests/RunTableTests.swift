import Foundation
import Imaging
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

/// The baseline column of an inpainting run names the strongest baseline vae-eval scored.
@Suite struct InpaintBaselineColumnTests {
  @Test func theDenoiserIsPreferredThenThePlainVAEThenTheMeanImage() {
    let score = { (psnr: Double) in DenoiseScore(mse: 0.1, psnr: psnr) }
    var inpaint = InpaintMetrics(
      masks: "m.idx", imagesWithHole: 10, holeFraction: 0.1, priorMean: score(11), encoder: score(10),
      plainVAE: score(6), plainVAECheckpoint: "p", meanImage: score(7))
    var metrics = RunMetrics(
      checkpoint: "c", epoch: 1, step: 1, testImages: "t", testInput: "i", corruption: nil, testImageCount: 10,
      elbo: LossReport(total: 1, recon: 1, kl: 0), denoise: nil, seed: 1, seconds: 0)
    let table = RunTable(artifacts: "artifacts", rows: [])
    let row = RunTableRow(name: "r", folder: "runs/r")
    func cells() -> (String, String, String) {
      metrics.inpaint = inpaint
      let c = table.restorationCells(row, metrics).map { cell -> String in
        switch cell {
        case let .text(value), let .number(value): value
        default: "?"
        }
      }
      return (c[0], c[1], c[2])
    }
    #expect(cells() == ("plain\u{00A0}VAE", "11.00", "6.00"))
    inpaint.denoiser = score(11.5)
    #expect(cells() == ("denoising\u{00A0}VAE", "11.00", "11.50"))
    inpaint.denoiser = nil
    inpaint.plainVAE = nil
    #expect(cells() == ("mean\u{00A0}image", "11.00", "7.00"))
  }
}
