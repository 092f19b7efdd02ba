import Corruptions
import DataFiles
import Foundation
import Runs
import Testing
import TestSupport

@testable import Stages

/// The rows of a levels.csv: the header, then the cells of each row by column name.
private func readCSV(_ path: String) throws -> (header: [String], rows: [[String: String]]) {
  let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
  let header = (lines.first ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
  let rows = lines.dropFirst().map { line in
    Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
  }
  return (header, rows)
}

/// |seen - expected| <= tolerance, with both in the message.
private func expectClose(_ seen: Double?, _ expected: Double?, _ tolerance: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
  guard let seen, let expected else {
    Issue.record("\(what): seen \(String(describing: seen)), expected \(String(describing: expected))", sourceLocation: sourceLocation)
    return
  }
  #expect(abs(seen - expected) <= tolerance, "\(what): seen \(seen), expected \(expected), tolerance \(tolerance)", sourceLocation: sourceLocation)
}

@Suite struct LevelSweepTests {
  @Test func sweepsTheRunsGaussianNoiseAndAgreesWithTheMetricsAtItsOwnLevel() throws {
    let folder = try TemporaryFolder("levels")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, epochs: 1)
    let arguments = ["--run", trained.run, "--levels", "0.9,0.1,0.5", "--threads", "2"]
    let result = try StageRun.run("vae-eval", arguments, in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("level sweep, PSNR in dB") && result.stdout.contains("wrote \(trained.run)/levels.csv"), "\(result.stdout)")

    let (header, rows) = try readCSV(trained.run + "/levels.csv")
    #expect(header == ["kind", "level", "method", "mse", "psnr", "ssim", "judge"])
    #expect(rows.map { $0["level"] ?? "" } == ["0.1", "0.1", "0.1", "0.5", "0.5", "0.5", "0.9", "0.9", "0.9"], "levels ascending")
    #expect(rows.map { $0["method"] ?? "" } == Array(repeating: ["restored", "corrupted", "median3x3"], count: 3).flatMap { $0 })
    #expect(rows.allSatisfy { $0["kind"] == "gaussian" && $0["judge"] == "" }, "no judge given: \(rows)")
    let corrupted = rows.filter { $0["method"] == "corrupted" }.compactMap { $0["psnr"].flatMap(Double.init) }
    #expect(corrupted.count == 3 && corrupted[0] > corrupted[1] && corrupted[1] > corrupted[2], "corrupted PSNR must fall as sigma rises: \(corrupted)")

    // The run's test input is gaussian 0.5 from seed 2 (its spec.json): the sweep reuses that seed,
    // so at 0.5 it corrupts exactly as vae-corrupt did and must repeat metrics.json's denoise scores.
    let denoise = try #require(try RunMetrics.read(from: trained.run + "/metrics.json").denoise)
    for (method, score) in [("restored", denoise.restored), ("corrupted", denoise.corrupted), ("median3x3", denoise.median3x3)] {
      let row = try #require(rows.first { $0["level"] == "0.5" && $0["method"] == method })
      // The CSV holds 6 decimals of MSE and SSIM and 4 of PSNR.
      expectClose(row["mse"].flatMap(Double.init), score.mse, 5e-7, "\(method) mse")
      expectClose(row["psnr"].flatMap(Double.init), score.psnr, 5e-5, "\(method) psnr")
      expectClose(row["ssim"].flatMap(Double.init), score.ssim, 5e-7, "\(method) ssim")
    }

    let svg = try String(contentsOfFile: trained.run + "/levels.svg", encoding: .utf8)
    for text in ["<svg", "restored by the model", "corrupted input", "median of the input", "sigma of the gaussian noise", "PSNR (dB)"] {
      #expect(svg.contains(text), "levels.svg should contain \(text)")
    }

    // Up to date: both parts skipped. Another level list re-runs the sweep only.
    let again = try StageRun.run("vae-eval", arguments, in: folder.path)
    #expect(again.status == 0 && again.stdout.components(separatedBy: "(skipped)").count == 3, "\(again.stdout)")
    let fewer = try StageRun.run("vae-eval", ["--run", trained.run, "--levels", "0.2,0.4"], in: folder.path)
    #expect(fewer.status == 0 && fewer.stdout.components(separatedBy: "(skipped)").count == 2, "\(fewer.stdout)")
    #expect(try readCSV(trained.run + "/levels.csv").rows.count == 6)

    // vae-render shows the plot and the metrics of the run.
    let out = folder.file("render")
    let render = try StageRun.run("vae-render", ["--run", trained.run, "--out", out, "--threads", "1", "--scale", "1"], in: folder.path)
    #expect(render.status == 0, "\(render.stderr)")
    #expect(try Files.read(out + "/levels.svg") == (try Files.read(trained.run + "/levels.svg")), "levels.svg copied beside the page")
    let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
    #expect(page.contains("Corruption levels") && page.contains("src=\"levels.svg\""), "the page shows levels.svg")
  }

  @Test func sweepsAKindGivenByFlagOnACleanRun() throws {
    let folder = try TemporaryFolder("levelskind")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, denoising: false, epochs: 1)
    let result = try StageRun.run("vae-eval", ["--run", trained.run, "--levels", "4,8,14", "--levels-kind", "square"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let (_, rows) = try readCSV(trained.run + "/levels.csv")
    #expect(rows.count == 9 && rows.allSatisfy { $0["kind"] == "square" }, "\(rows)")
    #expect(rows.map { $0["level"] ?? "" } == ["4", "4", "4", "8", "8", "8", "14", "14", "14"], "whole levels without a fraction")
    let corrupted = rows.filter { $0["method"] == "corrupted" }.compactMap { $0["mse"].flatMap(Double.init) }
    #expect(corrupted.count == 3 && corrupted[0] < corrupted[1] && corrupted[1] < corrupted[2], "a larger square hides more: \(corrupted)")
  }

  @Test func aCVAEIsSweptUnderItsLabelsAndItsPageShowsThePlot() throws {
    let folder = try TemporaryFolder("levelscvae")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 200, test: 30)
    let run = folder.file("cvae")
    let train = try StageRun.run("vae-train", ["--data", data, "--run", run, "--model", "cvae", "--epochs", "1"] + smallModel, in: folder.path)
    #expect(train.status == 0, "\(train.stderr)")
    let eval = try StageRun.run("vae-eval", ["--run", run, "--levels", "0.2,0.6", "--levels-kind", "gaussian"], in: folder.path)
    #expect(eval.status == 0, "\(eval.stderr)")
    let (_, rows) = try readCSV(run + "/levels.csv")
    #expect(rows.count == 6, "\(rows)")
    let out = folder.file("page")
    let render = try StageRun.run("vae-render", ["--run", run, "--out", out, "--threads", "1"], in: folder.path)
    #expect(render.status == 0, "\(render.stderr)")
    let copied = FileManager.default.contents(atPath: out + "/levels.svg")
    #expect(copied != nil && copied == FileManager.default.contents(atPath: run + "/levels.svg"), "levels.svg copied as it is")
    let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
    #expect(page.contains("Corruption levels") && page.contains("src=\"levels.svg\""))
  }

  @Test func theJudgeScoresEveryLevelAsItScoresTheTestInput() throws {
    let folder = try TemporaryFolder("levelsjudge")
    defer { folder.remove() }
    let trained = try JudgedRun.make(in: folder)
    let result = try StageRun.run(
      "vae-eval", ["--run", trained.run, "--judge", trained.judge, "--levels", "0.5,1.5"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let judge = try #require(try RunMetrics.read(from: trained.run + "/metrics.json").judge)
    let (_, rows) = try readCSV(trained.run + "/levels.csv")
    func accuracy(_ level: String, _ method: String) -> Double? {
      rows.first { $0["level"] == level && $0["method"] == method }?["judge"].flatMap(Double.init)
    }
    // At 0.5 the sweep's images are the run's test input and its restoration (6 decimals in the CSV).
    expectClose(accuracy("0.5", "corrupted"), judge.corrupted, 5e-7, "corrupted at 0.5")
    expectClose(accuracy("0.5", "restored"), judge.restored, 5e-7, "restored at 0.5")
    // At 1.5, corrupted here with the Corrupter and the spec's seed, judged here.
    let clean = try DigitFiles.images(trained.data + "/test-images.idx")
    let noisy = try Corrupter(kind: .gaussian(sigma: 1.5), seed: 2).apply(to: clean.scalars, count: clean.itemCount, side: 28).images
    expectClose(accuracy("1.5", "corrupted"), try trained.judged(noisy), 5e-7, "corrupted at 1.5")
  }

  // MARK: - Bad input

  @Test(arguments: [
    (["--levels", ""], "--levels needs at least one level"),
    (["--levels", ",,"], "--levels needs at least one level"),
    (["--levels", "0.1,abc"], "\"abc\" is not a number"),
    (["--levels", "0.1,0.1"], "lists 0.1 twice"),
    (["--levels", "1", "--levels-kind", "half"], "half has no level"),
    (["--levels", "1", "--levels-kind", "mixed"], "mixed has no level"),
    (["--levels", "2.5", "--levels-kind", "gaussian"], "sigma 2.5 is out of range (allowed 0.0...2.0)"),
    (["--levels", "0.5,1.2", "--levels-kind", "salt-pepper"], "fraction 1.2 is out of range"),
    (["--levels", "2.5", "--levels-kind", "square"], "is a whole number for square"),
    (["--levels-kind", "gaussian"], "--levels-kind needs --levels"),
  ])
  func badLevelOptionsAreUsageErrors(arguments: [String], message: String) throws {
    let folder = try TemporaryFolder("levelsusage")
    defer { folder.remove() }
    let result = try StageRun.run("vae-eval", arguments, in: folder.path)
    #expect(result.status == 64, "status \(result.status): \(result.stderr)")
    #expect(result.stderr.contains(message), "\(result.stderr) should say \(message)")
  }

  /// Faults only the run's own files reveal: a level out of the test input's kind's range,
  /// and a test input of a kind without a level.
  @Test func levelsTheRunsCorruptionCannotTakeAreUsageErrors() throws {
    let folder = try TemporaryFolder("levelsrun")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, epochs: 1)
    let tooStrong = try StageRun.run("vae-eval", ["--run", trained.run, "--levels", "0.5,3"], in: folder.path)
    #expect(tooStrong.status == 64 && tooStrong.stderr.contains("sigma 3.0 is out of range (allowed 0.0...2.0)"), "\(tooStrong.stderr)")
    // A square's side is bounded by the model's images (28 x 28 here), so only the run can tell.
    let tooLarge = try StageRun.run("vae-eval", ["--run", trained.run, "--levels", "30", "--levels-kind", "square"], in: folder.path)
    #expect(tooLarge.status == 64 && tooLarge.stderr.contains("size 30 is out of range (allowed 1...28)"), "\(tooLarge.stderr)")
    let half = try StageRun.run(
      "vae-corrupt", ["--images", trained.data + "/test-images.idx", "--kind", "half", "--out", folder.file("half")], in: folder.path)
    #expect(half.status == 0, "\(half.stderr)")
    let noLevel = try StageRun.run(
      "vae-eval", ["--run", trained.run, "--test-input", folder.file("half/images.idx"), "--levels", "1", "--out", folder.file("h/m.json")],
      in: folder.path)
    #expect(noLevel.status == 64 && noLevel.stderr.contains("half") && noLevel.stderr.contains("--levels-kind"), "\(noLevel.stderr)")
    // Naming a kind with a level is the way out.
    let named = try StageRun.run(
      "vae-eval",
      ["--run", trained.run, "--test-input", folder.file("half/images.idx"), "--levels", "6", "--levels-kind", "square", "--out", folder.file("s/m.json")],
      in: folder.path)
    #expect(named.status == 0 && Files.exists(folder.file("s/levels.csv")), "\(named.stderr)")
    for path in [trained.run + "/levels.csv", folder.file("h/levels.csv")] { #expect(!Files.exists(path), "\(path) must not be written") }
  }

  @Test func aCleanRunWithoutAKindIsAUsageError() throws {
    let folder = try TemporaryFolder("levelsclean")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, denoising: false, epochs: 1)
    let result = try StageRun.run("vae-eval", ["--run", trained.run, "--levels", "0.5"], in: folder.path)
    #expect(result.status == 64, "status \(result.status): \(result.stderr)")
    #expect(result.stderr.contains("the run has no corrupted test input; choose one with --levels-kind"), "\(result.stderr)")
    #expect(!Files.exists(trained.run + "/metrics.json"), "a usage error writes nothing")
  }
}
