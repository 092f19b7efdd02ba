import Checkpoints
import Foundation
import Models
import Runs
import Stages
import Testing
import TestSupport

/// A tiny denoising run trained by the real executables on synthetic digits:
/// vae-corrupt makes noisy copies of the training and test images, and
/// vae-train learns to map them back to the clean ones.
struct TrainedRun {
  /// The folder with train-/test-images.idx and labels.
  let data: String
  /// Corrupted test images (vae-corrupt's images.idx), or nil for a run trained on clean images.
  let testInput: String?
  /// The run folder.
  let run: String

  static let testCount = 100

  /// Trains the run in `folder`; with `denoising`, on gaussian-noise inputs (sigma 0.5) with clean targets.
  static func make(in folder: TemporaryFolder, denoising: Bool = true, epochs: Int = 2) throws -> TrainedRun {
    let data = try makeDataFolder(in: folder, train: 600, test: testCount)
    var options = ["--data", data, "--run", folder.file("run"), "--epochs", String(epochs)] + smallModel
    var testInput: String?
    if denoising {
      for (split, seed) in [("train", "1"), ("test", "2")] {
        let corrupted = try StageRun.run(
          "vae-corrupt",
          ["--images", data + "/\(split)-images.idx", "--kind", "gaussian", "--level", "0.5", "--seed", seed,
           "--out", folder.file("noisy-\(split)"), "--threads", "1"],
          in: folder.path)
        #expect(corrupted.status == 0, "\(corrupted.stderr)")
      }
      testInput = folder.file("noisy-test/images.idx")
      options += ["--input", folder.file("noisy-train/images.idx"), "--test-input", folder.file("noisy-test/images.idx")]
    }
    let trained = try StageRun.run("vae-train", options, in: folder.path)
    #expect(trained.status == 0, "\(trained.stderr)")
    return TrainedRun(data: data, testInput: testInput, run: folder.file("run"))
  }
}

/// A checkpoint of a model with 100-pixel inputs, made through the library
/// (Trainer, TrainingCheckpoint, SafeTensorsFile), for data of 784 pixels to be refused.
func makeHundredPixelCheckpoint(in folder: TemporaryFolder, data: String) throws -> String {
  let model = VAEConfig(inputSize: 100, hidden: [8], latent: 2)
  let training = TrainingConfig(batchSize: 10, epochs: 1)
  let images = (0..<(10 * 100)).map { UInt8(truncatingIfNeeded: $0 * 5) }
  let trainer = try Trainer(model: model, training: training, images: images, count: 10)
  _ = trainer.step()
  let config = RunConfig(model: model, training: training, data: data)
  let path = folder.file("hundred.safetensors")
  try TrainingCheckpoint(trainer: trainer, config: config, epochSums: .init()).file(layout: trainer.parameters.entries).write(to: path)
  return path
}

/// Bytes of an IDX file's payload (after its header), read by hand.
func idxPayload(_ path: String) throws -> (shape: [Int], bytes: [UInt8]) {
  let bytes = try Files.read(path)
  let rank = Int(bytes[3])
  let shape = (0..<rank).map { d in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) } }
  return (shape, Array(bytes[(4 + 4 * rank)...]))
}
