import DataFiles
import Dispatch
import Foundation
import Models
import Testing

/// Ten epochs of the bench model on real MNIST, run only with MNIST=1 (use a release
/// build: `MNIST=1 swift test -c release --filter MNISTQualityTests`). Throwaway IDX
/// parsing: the real reader lives in DataFiles.
@Suite struct MNISTQualityTests {
  static let folder = ProcessInfo.processInfo.environment["MNIST_DIR"] ?? "/work/shared/data/mnist"

  /// The pixels of a gzipped IDX image file, after checking its 16-byte header.
  static func images(_ name: String) throws -> (pixels: [UInt8], count: Int) {
    let packed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
    let bytes = try Zlib.decompress(packed, format: .gzip, source: name)
    func word(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
    try #require(bytes.count >= 16 && word(0) == 0x0803 && word(8) == 28 && word(12) == 28)
    let count = word(4)
    try #require(bytes.count == 16 + count * 784)
    return (Array(bytes[16...]), count)
  }

  @Test func tenEpochsReachTheReferenceLoss() throws {
    guard let setting = ProcessInfo.processInfo.environment["MNIST"], setting != "0" else { return }
    let threads = Int(ProcessInfo.processInfo.environment["THREADS"] ?? "2") ?? 2
    let epochs = Int(ProcessInfo.processInfo.environment["EPOCHS"] ?? "10") ?? 10
    let train = try Self.images("train-images-idx3-ubyte.gz")
    let test = try Self.images("t10k-images-idx3-ubyte.gz")
    let trainer = try Trainer(
      model: .bench, training: TrainingConfig(epochs: epochs, threads: threads), images: train.pixels, count: train.count)
    let start = DispatchTime.now().uptimeNanoseconds
    var last = LossReport(total: 0, recon: 0, kl: 0)
    while trainer.epoch < epochs {
      var sum = 0.0
      repeat {
        let report = trainer.step()
        sum += report.total
      } while !trainer.isAtEpochEnd
      last = try trainer.evaluate(images: test.pixels, count: test.count)
      let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      print(String(format: "MNIST epoch %d: train %.2f test %.2f (recon %.2f kl %.2f) at %.1f s", trainer.epoch, sum / Double(trainer.stepsPerEpoch), last.total, last.recon, last.kl, elapsed))
    }
    if epochs >= 10 { #expect(last.total <= 106, "test loss after \(epochs) epochs: expected <= 106, seen \(last.total)") }
  }
}
