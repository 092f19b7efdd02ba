import DataFiles
import Dispatch
import Foundation
import Models
import Testing
import TestSupport

/// Ten epochs of the bench model on real MNIST, run only with MNIST=1 (use a release
/// build: `MNIST=1 swift test -c release --filter MNISTQualityTests`). The files are
/// read through DataFiles, from `$MNIST_MIRROR` or ../shared/data/mnist.
@Suite struct MNISTQualityTests {
  /// The images of one split, decompressed and checked by DataFiles' own reader.
  static func images(_ split: Split, in folder: TemporaryFolder) throws -> (pixels: [UInt8], count: Int) {
    let gz = split == .train ? ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz") : ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    let out = (folder.file("\(split.rawValue)-images.idx"), folder.file("\(split.rawValue)-labels.idx"))
    _ = try Decompression.split(
      imagesGz: RealMNIST.folder + "/" + gz.0, labelsGz: RealMNIST.folder + "/" + gz.1, imagesOut: out.0, labelsOut: out.1)
    let images = try DigitSet.loadImages(path: out.0)
    return (images.scalars, images.itemCount)
  }

  @Test(.enabled(if: ManualRun.setting("MNIST") != nil && RealMNIST.isPresent, "ten epochs on real MNIST, run by hand with MNIST=1"))
  func tenEpochsReachTheReferenceLoss() throws {
    let folder = try TemporaryFolder("mnist-quality")
    defer { folder.remove() }
    let threads = Int(ProcessInfo.processInfo.environment["THREADS"] ?? "2") ?? 2
    let epochs = Int(ProcessInfo.processInfo.environment["EPOCHS"] ?? "10") ?? 10
    let train = try Self.images(.train, in: folder)
    let test = try Self.images(.test, in: folder)
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
    print("MNIST test loss after \(epochs) epochs: \(last.total)")  // the full Double, for bitwise comparisons by hand
    if epochs >= 10 { #expect(last.total <= 106, "test loss after \(epochs) epochs: expected <= 106, seen \(last.total)") }
  }
}
