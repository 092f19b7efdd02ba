import DataFiles
import Foundation
import Testing
import TestSupport

/// The real MNIST files from ../shared/data/mnist: fetch, decompress, check, and re-run.
@Suite struct EndToEndTests {
  static let mirror = RealMNIST.folder

  @Test(.enabled(if: RealMNIST.isPresent, Comment(rawValue: RealMNIST.absence)))
  func realMNISTFetchDecompressAndRerun() throws {
    let folder = try TemporaryFolder("e2e")
    defer { folder.remove() }
    // Default paths: the stages run in `folder` and write folder/artifacts/...
    let fetch = try StageRun.run("vae-fetch", ["--mirror", Self.mirror], in: folder.path)
    #expect(fetch.status == 0, "\(fetch.stderr)")
    let decompress = try StageRun.run("vae-decompress", [], in: folder.path)
    #expect(decompress.status == 0, "\(decompress.stderr)")

    let data = folder.file("artifacts/data/mnist")
    let sizes = ["train-images.idx": 47_040_016, "train-labels.idx": 60_008, "test-images.idx": 7_840_016, "test-labels.idx": 10_008]
    for (name, size) in sizes { #expect(Files.size(data + "/" + name) == size, "\(name)") }

    let expected: [Split: [Int]] = [
      .train: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
      .test: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    ]
    for split in Split.allCases {
      let set = try DigitSet.load(folder: data, split: split)
      var counts = [Int](repeating: 0, count: 10)
      for label in set.labels { counts[Int(label)] += 1 }
      #expect(counts == expected[split], "\(split): \(counts)")
      #expect(set.images.shape == [split == .train ? 60000 : 10000, 28, 28])
    }

    // "No work" is checked by what the re-runs touch, not by timing them: every
    // output keeps its modification time, and the folders gain no files.
    func stamps() throws -> [String: Date] {
      var result: [String: Date] = [:]
      for sub in ["artifacts/raw/mnist", "artifacts/data/mnist"] {
        let path = folder.file(sub)
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
          result[sub + "/" + name] = try FileManager.default.attributesOfItem(atPath: path + "/" + name)[.modificationDate] as? Date
        }
      }
      return result
    }
    let before = try stamps()
    let fetchAgain = try StageRun.run("vae-fetch", ["--mirror", Self.mirror], in: folder.path)
    let decompressAgain = try StageRun.run("vae-decompress", [], in: folder.path)
    #expect(fetchAgain.status == 0 && decompressAgain.status == 0)
    #expect(fetchAgain.stdout.contains("skipped"), "\(fetchAgain.stdout)")
    #expect(decompressAgain.stdout.contains("skipped"), "\(decompressAgain.stdout)")
    #expect(try stamps() == before, "the re-runs must not write anything")
  }
}
