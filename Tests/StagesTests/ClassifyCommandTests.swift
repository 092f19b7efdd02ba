import Checkpoints
import DataFiles
import Models
import Foundation
import Runs
import Testing
import TestSupport
@testable import Stages

@Suite struct ClassifyCommandTests {
  /// Digits a judge can learn in a few epochs: label k lights rows 2k...2k+2, plus noise.
  static func writeDigits(_ folder: String, split: String, count: Int, seed: Int) throws {
    var pixels: [UInt8] = []
    var labels: [UInt8] = []
    for i in 0..<count {
      let label = (i * 7 + seed) % 10
      for p in 0..<784 {
        let row = p / 28
        let noise = UInt8((p * 31 + i * 17 + seed) % 40)
        pixels.append(row >= 2 * label && row < 2 * label + 3 ? 215 + noise : noise)
      }
      labels.append(UInt8(label))
    }
    try Data(SyntheticIDX.uint8(shape: [count, 28, 28], values: pixels)).write(to: URL(fileURLWithPath: "\(folder)/\(split)-images.idx"))
    try Data(SyntheticIDX.uint8(shape: [count], values: labels)).write(to: URL(fileURLWithPath: "\(folder)/\(split)-labels.idx"))
  }

  static func dataFolder(_ temporary: TemporaryFolder) throws -> String {
    let data = temporary.file("data")
    try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
    try writeDigits(data, split: "train", count: 200, seed: 1)
    try writeDigits(data, split: "test", count: 60, seed: 4)
    return data
  }

  @Test func trainsWritesSkipsAndEvaluates() throws {
    let temporary = try TemporaryFolder("classify")
    defer { temporary.remove() }
    let data = try Self.dataFolder(temporary)
    let arguments = ["--data", data, "--out", "judge/j.safetensors", "--epochs", "3", "--threads", "1"]
    let first = try StageRun.run("vae-classify", arguments, in: temporary.path)
    #expect(first.status == 0, "stderr: \(first.stderr)")
    #expect(first.stdout.contains("epoch 3/3"), "\(first.stdout)")
    let judge = try Judge.load(temporary.file("judge/j.safetensors"))
    let file = try SafeTensorsFile.read(from: temporary.file("judge/j.safetensors"), requireChecksum: true)
    #expect(file.metadata["format"] == "digitvae.judge/1" && file.metadata["kind"] == "judge", "\(file.metadata)")
    let images = try DigitFiles.images(data + "/test-images.idx")
    let labels = try DigitFiles.labels(data + "/test-labels.idx")
    let accuracy = try judge.accuracy(images, labels: labels)
    #expect(accuracy >= 0.95, "test accuracy \(accuracy), expected >= 0.95 on separable digits")

    let second = try StageRun.run("vae-classify", arguments, in: temporary.path)
    #expect(second.status == 0 && second.stdout.contains("(skipped)"), "\(second.stdout) \(second.stderr)")

    let evaluated = try StageRun.run(
      "vae-classify",
      ["--out", "judge/j.safetensors", "--evaluate", data + "/test-images.idx", "--labels", data + "/test-labels.idx"],
      in: temporary.path)
    #expect(evaluated.status == 0, "stderr: \(evaluated.stderr)")
    let percent = String(format: "%.2f%%", accuracy * 100)
    #expect(evaluated.stdout.contains(percent), "\(evaluated.stdout) should report \(percent)")

    // A judge where a VAE is expected.
    let verify = try StageRun.run("vae-checkpoint", ["verify", "judge/j.safetensors"], in: temporary.path)
    StageRun.expectOneLineFailure(verify, naming: "judge/j.safetensors", ["is a judge classifier", "not a VAE"])
  }

  @Test func judgeRoundTripsThroughItsCheckpoint() throws {
    let temporary = try TemporaryFolder("classify")
    defer { temporary.remove() }
    var config = Models.ClassifierConfig()
    config.hidden = [12]
    config.seed = 9
    let classifier = try Models.Classifier(config: config, maxBatch: 4)
    try Judge.file(of: classifier, dataset: .mnist, testAccuracy: 0.5).write(to: temporary.file("j.safetensors"))
    let judge = try Judge.load(temporary.file("j.safetensors"))
    #expect(judge.config == config)
    #expect(judge.classifier.parameters.values.array == classifier.parameters.values.array, "weights differ after the round trip")
    let images = DataFiles.IDXArray<UInt8>(shape: [3, 28, 28], scalars: (0..<3 * 784).map { UInt8($0 % 251) })
    let pixels = Models.Classifier.pixels(images.scalars)
    let expected = pixels.withUnsafeBufferPointer { classifier.predict($0.baseAddress!, count: 3) }
    #expect(try judge.predict(images) == expected)
  }

  @Test func judgeLoadRejectsAVAECheckpoint() throws {
    let temporary = try TemporaryFolder("classify")
    defer { temporary.remove() }
    let path = temporary.file("vae.safetensors")
    try SafeTensorsFile(
      tensors: [Tensor(name: "x", floats: [1], shape: [1])], metadata: ["format": TrainingCheckpoint.format, "kind": "vae"]
    ).write(to: path)
    #expect {
      _ = try Judge.load(path)
    } throws: { error in
      "\(error)".contains(path) && "\(error)".contains("is a VAE checkpoint") && "\(error)".contains("not a judge")
    }
  }

  @Test func evaluateNeedsLabels() throws {
    let temporary = try TemporaryFolder("classify")
    defer { temporary.remove() }
    let result = try StageRun.run("vae-classify", ["--evaluate", "images.idx"], in: temporary.path)
    #expect(result.status != 0)
    #expect(result.stderr.contains("--evaluate needs --labels"), "\(result.stderr)")
  }

  @Test(arguments: [
    (["--labels", "labels.idx"], "--labels is only used with --evaluate"),
    (["--epochs", "0"], "--epochs must be at least 1"),
    (["--threads", "0"], "--threads must be 1...256"),
  ])
  func badOptionsAreUsageErrors(arguments: [String], message: String) throws {
    let temporary = try TemporaryFolder("classify")
    defer { temporary.remove() }
    let result = try StageRun.run("vae-classify", arguments, in: temporary.path)
    #expect(result.status == 64, "status \(result.status)")
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }

  @Test func evaluateWithoutAJudgeNamesTheCheckpoint() throws {
    let temporary = try TemporaryFolder("classify")
    defer { temporary.remove() }
    let data = try Self.dataFolder(temporary)
    let result = try StageRun.run(
      "vae-classify",
      ["--out", "none.safetensors", "--evaluate", data + "/test-images.idx", "--labels", data + "/test-labels.idx"],
      in: temporary.path)
    StageRun.expectOneLineFailure(result, naming: "none.safetensors", ["train a judge first"])
  }

  @Test func missingLabelsFileIsNamed() throws {
    let temporary = try TemporaryFolder("classify")
    defer { temporary.remove() }
    let data = try Self.dataFolder(temporary)
    try FileManager.default.removeItem(atPath: data + "/train-labels.idx")
    let result = try StageRun.run("vae-classify", ["--data", data, "--out", "j.safetensors"], in: temporary.path)
    StageRun.expectOneLineFailure(result, naming: data + "/train-labels.idx", ["missing input"])
  }

  @Test func labelCountMismatchIsRejected() throws {
    let temporary = try TemporaryFolder("classify")
    defer { temporary.remove() }
    let data = try Self.dataFolder(temporary)
    try Data(SyntheticIDX.uint8(shape: [7], values: [UInt8](repeating: 1, count: 7)))
      .write(to: URL(fileURLWithPath: data + "/test-labels.idx"))
    let train = try StageRun.run("vae-classify", ["--data", data, "--out", "j.safetensors", "--epochs", "1"], in: temporary.path)
    StageRun.expectOneLineFailure(train, naming: data + "/test-labels.idx", ["60", "7"])

    var config = Models.ClassifierConfig()
    config.hidden = [4]
    try Judge.file(of: try Models.Classifier(config: config, maxBatch: 1), dataset: .mnist).write(to: temporary.file("j.safetensors"))
    let evaluate = try StageRun.run(
      "vae-classify",
      ["--out", "j.safetensors", "--evaluate", data + "/test-images.idx", "--labels", data + "/test-labels.idx"],
      in: temporary.path)
    StageRun.expectOneLineFailure(evaluate, naming: data + "/test-labels.idx", ["60", "7"])
  }
}

/// Reads IDX digit files for the checks above.
enum DigitFiles {
  static func images(_ path: String) throws -> DataFiles.IDXArray<UInt8> { try DataFiles.DigitSet.loadImages(path: path) }
  static func labels(_ path: String) throws -> [UInt8] { try DataFiles.DigitSet.loadLabels(path: path, classes: 10) }
}
