import Corruptions
import DataFiles
import Foundation
import Runs
import Stages
import Testing
import TestSupport

@Suite struct CorruptCommandTests {
  @Test func writesImagesMaskAndSpecThenSkips() throws {
    let folder = try TemporaryFolder("corrupt")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 10, test: 40)
    let out = folder.file("square")
    let args = ["--images", data + "/test-images.idx", "--kind", "square", "--level", "6", "--out", out]
    let first = try StageRun.run("vae-corrupt", args, in: folder.path)
    #expect(first.status == 0, "\(first.stderr)")
    let images = try IDX.read(UInt8.self, from: out + "/images.idx")
    let mask = try IDX.read(UInt8.self, from: out + "/mask.idx")
    #expect(images.shape == [40, 28, 28] && mask.shape == [40, 28, 28])
    // A centred 6x6 square: rows and columns 11..<17 of every image.
    let hidden = (0..<784).filter { mask.scalars[$0] == 0 }
    #expect(hidden == (11..<17).flatMap { r in (11..<17).map { r * 28 + $0 } })
    let spec = try CorruptionSpec.read(from: out + "/spec.json")
    #expect(spec.corruption == .square(size: 6, centred: true) && spec.count == 40 && spec.seed == 1, "\(spec)")
    #expect(spec.hiddenFraction == 36.0 / 784, "\(spec.hiddenFraction)")

    let again = try StageRun.run("vae-corrupt", args, in: folder.path)
    #expect(again.status == 0 && again.stdout.contains("skipped"), "\(again.stdout)")
    let otherSeed = try StageRun.run("vae-corrupt", args + ["--seed", "9", "--random-place"], in: folder.path)
    #expect(otherSeed.status == 0 && !otherSeed.stdout.contains("skipped"))
  }

  /// A folder an older vae-corrupt wrote (spec.json in prose, no spec format in the manifest)
  /// is out of date: the same flags rewrite it, and its spec.json reads again.
  @Test func anOlderSpecIsRewrittenOnTheSameFlags() throws {
    let folder = try TemporaryFolder("corrupt-old")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 10, test: 20)
    let out = folder.file("gauss")
    let args = ["--images", data + "/test-images.idx", "--kind", "gaussian", "--level", "0.5", "--out", out]
    #expect(try StageRun.run("vae-corrupt", args, in: folder.path).status == 0)
    let spec = out + "/spec.json"
    try Files.write(Array(#"{"count":20,"description":"gaussian noise, sigma 0.5","kind":"gaussian","seed":1}"#.utf8), to: spec)
    let outputs = ["images.idx", "mask.idx", "spec.json"].map { out + "/" + $0 }
    try StageManifest.stamping(
      stage: CorruptStage.stageName, options: ["kind": "gaussian noise, sigma 0.5", "seed": "1"],
      inputs: [data + "/test-images.idx"], outputs: outputs
    ).write(to: StageManifest.path(folder: out, stage: CorruptStage.stageName))
    #expect(throws: CorruptionError.outdatedSpec(path: spec)) { try CorruptionSpec.read(from: spec) }
    let again = try StageRun.run("vae-corrupt", args, in: folder.path)
    #expect(again.status == 0 && !again.stdout.contains("skipped"), "\(again.stdout)")
    #expect(try CorruptionSpec.read(from: spec).corruption == .gaussian(sigma: 0.5))
  }

  @Test func theThreadCountDoesNotChangeTheResult() throws {
    let folder = try TemporaryFolder("corrupt-threads")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 10, test: 64)
    for threads in ["1", "3"] {
      let result = try StageRun.run(
        "vae-corrupt",
        ["--images", data + "/test-images.idx", "--kind", "mixed", "--threads", threads, "--out", folder.file("t" + threads)],
        in: folder.path)
      #expect(result.status == 0, "\(result.stderr)")
    }
    #expect(try Files.read(folder.file("t1/images.idx")) == Files.read(folder.file("t3/images.idx")))
    #expect(try Files.read(folder.file("t1/mask.idx")) == Files.read(folder.file("t3/mask.idx")))
  }

  @Test func unknownKindsAndLevelsOutOfRangeAreUsageErrors() throws {
    let folder = try TemporaryFolder("corrupt-usage")
    defer { folder.remove() }
    let cases: [([String], String)] = [
      (["--kind", "blur"], "blur"),
      (["--kind", "gaussian", "--level", "3"], "allowed 0.0...2.0"),
      (["--kind", "salt-pepper", "--level=-0.1"], "allowed 0.0...1.0"),
      (["--kind", "square", "--level", "29"], "allowed 1...28"),
      (["--kind", "square", "--level", "2.5"], "whole size"),
      (["--kind", "half", "--level", "0.5"], "does not apply"),
      (["--kind", "rectangles", "--min-size", "9", "--max-size", "3"], "larger than --max-size"),
    ]
    for (arguments, fragment) in cases {
      let result = try StageRun.run("vae-corrupt", arguments + ["--out", folder.file("x")], in: folder.path)
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
      #expect(result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
    }
    #expect(!Files.exists(folder.file("x")))
  }

  @Test func anInputThatIsNotImagesIsRejected() throws {
    let folder = try TemporaryFolder("corrupt-bad")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 10, test: 10)
    let labels = try StageRun.run(
      "vae-corrupt", ["--images", data + "/test-labels.idx", "--out", folder.file("out")], in: folder.path)
    StageRun.expectOneLineFailure(labels, naming: data + "/test-labels.idx", ["N x 28 x 28"])
    try Files.write(Array("<html>".utf8), to: folder.file("page.idx"))
    let html = try StageRun.run("vae-corrupt", ["--images", folder.file("page.idx"), "--out", folder.file("out")], in: folder.path)
    StageRun.expectOneLineFailure(html, naming: folder.file("page.idx"))
    #expect(!Files.exists(folder.file("out/images.idx")))
  }
}
