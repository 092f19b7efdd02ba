import DataFiles
import Fetching
import Testing
import TestSupport

@Suite struct DatasetTests {
  @Test func datasetsCarryFourFilesWithWellFormedSums() {
    for dataset in Dataset.allCases {
      #expect(dataset.files.map(\.idxName) == ["train-images.idx", "train-labels.idx", "test-images.idx", "test-labels.idx"])
      #expect(!dataset.mirrors.isEmpty && dataset.mirrors.allSatisfy { $0.hasSuffix("/") })
      for file in dataset.files {
        if let sha = file.checksum.sha256 { #expect(sha.count == 64 && sha.allSatisfy(\.isHexDigit)) }
        if let md5 = file.checksum.md5 { #expect(md5.count == 32 && md5.allSatisfy(\.isHexDigit)) }
      }
    }
    #expect(Dataset(rawValue: "fashion-mnist") == .fashionMNIST)
    #expect(Dataset.mnist.files.allSatisfy { $0.checksum.sha256 != nil && $0.size != nil })
  }

  static let sharedSums = Files.packageRoot() + "/../shared/data/mnist/SHA256SUMS"

  @Test(.enabled(if: Files.exists(sharedSums), "needs ../shared/data/mnist/SHA256SUMS beside the checkout"))
  func mnistSumsAgreeWithTheSharedSHA256SUMSFile() throws {
    let path = Self.sharedSums
    let listed = try Checksum.parseList(String(decoding: try Files.read(path), as: UTF8.self), path: path)
    for file in Dataset.mnist.files {
      #expect(listed[file.name]?.sha256 == file.checksum.sha256, "\(file.name)")
    }
  }
}
