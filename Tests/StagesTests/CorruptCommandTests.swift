import DataFiles
import Foundation
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
    let spec = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/spec.json"))) as? [String: Any]
    #expect(spec?["kind"] as? String == "square" && spec?["count"] as? Int == 40)

    let again = try StageRun.run("vae-corrupt", args, in: folder.path)
    #expect(again.status == 0 && again.stdout.contains("skipped"), "\(again.stdout)")
    let otherSeed = try StageRun.run("vae-corrupt", args + ["--seed", "9", "--random-place"], in: folder.path)
    #expect(otherSeed.status == 0 && !otherSeed.stdout.contains("skipped"))
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
