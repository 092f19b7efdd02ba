import Checkpoints
import Compute
import DataFiles
import Foundation
import Models
import Runs
import Stages
import Testing
import TestSupport

/// A data folder in the layout vae-decompress writes, with synthetic digits standing in
/// for MNIST (its dataset.json is MNIST's, as vae-decompress --dataset mnist writes it).
func makeDataFolder(in folder: TemporaryFolder, train: Int, test: Int) throws -> String {
  let data = folder.file("data")
  try Files.makeFolder(data)
  try DatasetDescriptor.mnist.write(folder: data)
  try Files.write(SyntheticIDX.images(count: train), to: data + "/train-images.idx")
  try Files.write(SyntheticIDX.labels(count: train), to: data + "/train-labels.idx")
  try Files.write(SyntheticIDX.images(count: test), to: data + "/test-images.idx")
  try Files.write(SyntheticIDX.labels(count: test), to: data + "/test-labels.idx")
  return data
}

/// Small, fast model options shared by these tests.
let smallModel = ["--hidden", "48", "--latent", "4", "--batch", "32", "--threads", "1"]

/// Every tensor of a checkpoint by name, as raw bytes.
func tensorBytes(_ path: String) throws -> [String: [UInt8]] {
  let file = try SafeTensorsFile.read(from: path)
  return Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, $0.bytes) })
}

/// The newest checkpoints of two runs hold the same tensors, bit for bit, all but the
/// wall-clock seconds in the epoch sums; `why` says what set the runs apart.
func expectSameNewestCheckpoint(_ reference: String, _ run: String, _ why: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let a = try tensorBytes(try newestCheckpoint(reference))
  let b = try tensorBytes(try newestCheckpoint(run))
  #expect(a.keys.sorted() == b.keys.sorted(), sourceLocation: sourceLocation)
  for name in a.keys.sorted() where name != "train.epoch_sums" {
    #expect(a[name] == b[name], "tensor \(name) differs \(why)", sourceLocation: sourceLocation)
  }
}

/// Trains the interruption tests' run (3 epochs of 125 steps, a checkpoint every 20) to
/// `folder/reference` and returns its options, less `--run`, for the run to interrupt.
func trainUninterrupted(in folder: TemporaryFolder, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
  let data = try makeDataFolder(in: folder, train: 4000, test: 200)
  let options = [
    "--data", data, "--epochs", "3", "--hidden", "256", "--latent", "8", "--batch", "32", "--threads", "2",
    "--checkpoint-every", "20", "--keep", "2",
  ]
  let reference = try StageRun.run("vae-train", options + ["--run", folder.file("reference")], in: folder.path)
  #expect(reference.status == 0, "\(reference.stderr)", sourceLocation: sourceLocation)
  return options
}

func newestCheckpoint(_ run: String) throws -> String {
  let list = try CheckpointFolder(path: run + "/checkpoints").list()
  return try #require(list.last).path
}

@Suite struct TrainCommandTests {
  @Test func trainsAndWritesTheRunFolder() throws {
    let folder = try TemporaryFolder("train")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 600, test: 100)
    let run = folder.file("run")
    let result = try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "3"] + smallModel, in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("epoch 3/3"))
    let config = try RunConfig.parse(String(contentsOfFile: run + "/config.json", encoding: .utf8), source: "config.json")
    #expect(config.model.hidden == [48] && config.model.latent == 4 && config.training.epochs == 3)
    let log = try TrainingLog.read(from: run + "/log.csv")
    #expect(log.rows.map(\.epoch) == [1, 2, 3])
    #expect(log.rows.map(\.step) == [19, 38, 57])  // 600 / 32 rounded up = 19 steps an epoch
    let first = log.rows[0].test.total, last = log.rows[2].test.total
    #expect(last < first, "test loss should fall: \(first) -> \(last)")
    for row in log.rows {
      #expect(abs(row.test.total - row.test.recon - row.test.kl) < 1e-3, "total = recon + KL")
    }
    let verify = try StageRun.run("vae-checkpoint", ["verify", try newestCheckpoint(run)], in: folder.path)
    #expect(verify.status == 0, "\(verify.stderr)")
    // Training again with the same options is refused rather than overwriting the run.
    let again = try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "3"] + smallModel, in: folder.path)
    StageRun.expectOneLineFailure(again, naming: run, ["--resume", "--force"])
    let forced = try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "1", "--force"] + smallModel, in: folder.path)
    #expect(forced.status == 0, "\(forced.stderr)")
    #expect(try TrainingLog.read(from: run + "/log.csv").rows.count == 1)
  }

  @Test func sigtermMidEpochThenResumeEndsBitwiseIdentical() throws {
    let folder = try TemporaryFolder("sigterm")
    defer { folder.remove() }
    let options = try trainUninterrupted(in: folder)

    // The interrupted run: SIGTERM once its first periodic checkpoint exists (step 20 of 375).
    let run = folder.file("interrupted")
    let stopped = try StageRun.interrupt("vae-train", options + ["--run", run], in: folder.path, with: SIGTERM) {
      (try? CheckpointFolder(path: run + "/checkpoints").list().isEmpty) == false
    }
    #expect(stopped.status == 143, "vae-train should exit 128 + SIGTERM after saving")
    let saved = try CheckpointFolder(path: run + "/checkpoints").list()
    let stoppedAt = try #require(saved.last).step
    #expect(stoppedAt < 375, "the signal should have arrived before the end (step \(stoppedAt))")
    #expect(stoppedAt % 125 != 0, "mid-epoch, not at an epoch end (step \(stoppedAt))")

    let resumed = try StageRun.run("vae-train", ["--run", run, "--resume"], in: folder.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stdout.contains("resuming"))

    try expectSameNewestCheckpoint(folder.file("reference"), run, "after resume")
    let logA = try TrainingLog.read(from: folder.file("reference") + "/log.csv")
    let logB = try TrainingLog.read(from: run + "/log.csv")
    #expect(logA.rows.map(\.train) == logB.rows.map(\.train) && logA.rows.map(\.test) == logB.rows.map(\.test))
  }

  @Test func resumeRefusesConflictsAndSkipsACorruptNewestCheckpoint() throws {
    let folder = try TemporaryFolder("resume")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 300, test: 50)
    let run = folder.file("run")
    let first = try StageRun.run(
      "vae-train", ["--data", data, "--run", run, "--epochs", "2", "--checkpoint-every", "0", "--keep", "5"] + smallModel,
      in: folder.path)
    #expect(first.status == 0, "\(first.stderr)")

    let conflict = try StageRun.run("vae-train", ["--run", run, "--resume", "--latent", "6", "--epochs", "3"], in: folder.path)
    StageRun.expectOneLineFailure(conflict, naming: "step-00000020.safetensors", ["--latent 4 in the checkpoint vs 6"])

    // Flip one bit in the newest checkpoint's data: resume warns and continues from the one before.
    let newest = try newestCheckpoint(run)
    var bytes = try Files.read(newest)
    bytes[bytes.count - 100] ^= 0x10
    try Files.write(bytes, to: newest)
    let resumed = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "3"], in: folder.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("skipping \(newest)") && resumed.stderr.contains("CRC-32"), "\(resumed.stderr)")
    #expect(resumed.stdout.contains("from \(run)/checkpoints/step-00000010.safetensors"))
    #expect(try TrainingLog.read(from: run + "/log.csv").rows.map(\.epoch) == [1, 2, 3])

    // Already at its epochs: nothing to do.
    let done = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "3"], in: folder.path)
    #expect(done.status == 0 && done.stdout.contains("skipped"), "\(done.stdout)")
  }

  @Test func resumeWithNoValidCheckpointFails() throws {
    let folder = try TemporaryFolder("novalid")
    defer { folder.remove() }
    let run = folder.file("empty-run")
    try Files.makeFolder(run + "/checkpoints")
    let none = try StageRun.run("vae-train", ["--run", run, "--resume"], in: folder.path)
    StageRun.expectOneLineFailure(none, naming: run + "/checkpoints")
    try Files.write(Array(repeating: 7, count: 64), to: run + "/checkpoints/step-00000005.safetensors")
    let corrupt = try StageRun.run("vae-train", ["--run", run, "--resume"], in: folder.path)
    StageRun.expectOneLineFailure(corrupt, naming: run + "/checkpoints")
  }

  @Test func badDataIsReportedInOneLine() throws {
    let folder = try TemporaryFolder("baddata")
    defer { folder.remove() }
    let missing = try StageRun.run("vae-train", ["--data", folder.file("nowhere"), "--run", folder.file("r1")], in: folder.path)
    StageRun.expectOneLineFailure(missing, naming: folder.file("nowhere") + "/train-images.idx")
    #expect(!Files.exists(folder.file("r1")), "a start that fails on its data leaves no run folder behind")

    let data = try makeDataFolder(in: folder, train: 100, test: 20)
    let shortInput = folder.file("noisy.idx")
    try Files.write(SyntheticIDX.images(count: 99), to: shortInput)
    let mismatch = try StageRun.run(
      "vae-train", ["--data", data, "--input", shortInput, "--run", folder.file("r2")] + smallModel, in: folder.path)
    StageRun.expectOneLineFailure(mismatch, naming: shortInput, ["99x28x28", "100x28x28"])

    let notImages = folder.file("labels-as-input.idx")
    try Files.write(SyntheticIDX.labels(count: 100), to: notImages)
    let wrongKind = try StageRun.run(
      "vae-train", ["--data", data, "--input", notImages, "--run", folder.file("r3")] + smallModel, in: folder.path)
    StageRun.expectOneLineFailure(wrongKind, naming: notImages)

    let emptyLayer = try StageRun.run("vae-train", ["--data", data, "--hidden", "400,,400"], in: folder.path)
    #expect(emptyLayer.status == 64 && emptyLayer.stderr.contains("--hidden must be comma-separated sizes"), "\(emptyLayer.stderr)")

    let tooLong = try StageRun.run("vae-train", ["--data", data, "--epochs", "2000000"], in: folder.path)
    #expect(tooLong.status == 64 && tooLong.stderr.contains("--epochs must be at most 1000000 (the limit)"), "\(tooLong.stderr)")

    let badFlag = try StageRun.run("vae-train", ["--data", data, "--dropout", "1.5"], in: folder.path)
    #expect(badFlag.status == 64, "a flag out of range is a usage error: \(badFlag.stderr)")
    #expect(badFlag.stderr.contains("--dropout must be in [0, 1)"))
  }

  @Test func aNonFiniteLossStopsTrainingAndKeepsTheLastGoodCheckpoint() throws {
    let folder = try TemporaryFolder("nan")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 200, test: 20)
    let run = folder.file("run")
    let first = try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "1"] + smallModel, in: folder.path)
    #expect(first.status == 0, "\(first.stderr)")
    // Huge (finite) output weights, re-saved with a valid CRC: the file is valid, but the
    // logits overflow, so the next step's loss is NaN.
    let path = try newestCheckpoint(run)
    var file = try SafeTensorsFile.read(from: path)
    let index = try #require(file.tensors.firstIndex { $0.name == "decoder.out.weight" })
    let weights = try file.tensors[index].floats().map { _ in Float(3e38) }
    file.tensors[index] = Tensor(name: "decoder.out.weight", floats: weights, shape: file.tensors[index].shape)
    try file.write(to: path)
    let resumed = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "2"], in: folder.path)
    StageRun.expectOneLineFailure(resumed, naming: path, ["nan at step 8", "epoch 2"])

    // A NaN in the file itself: verify and resume refuse it alike.
    var bias = try file.tensors[try #require(file.tensors.firstIndex { $0.name == "decoder.out.bias" })].floats()
    bias[3] = .nan
    let biasIndex = try #require(file.tensors.firstIndex { $0.name == "decoder.out.bias" })
    file.tensors[biasIndex] = Tensor(name: "decoder.out.bias", floats: bias, shape: file.tensors[biasIndex].shape)
    try file.write(to: path)
    let verify = try StageRun.run("vae-checkpoint", ["verify", path], in: folder.path)
    StageRun.expectOneLineFailure(verify, naming: path, ["1 parameter values are NaN or infinite"])
    let refused = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "2"], in: folder.path)
    StageRun.expectOneLineFailure(refused, naming: path, ["1 parameter values are NaN or infinite"])
    #expect(try CheckpointFolder(path: run + "/checkpoints").list().map(\.step) == [7], "no checkpoint written after the NaN")
  }

  @Test func resumeKeepsTheRunsCheckpointCadenceAndRetention() throws {
    let folder = try TemporaryFolder("cadence")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 320, test: 20)  // 10 steps an epoch at batch 32
    let run = folder.file("run")
    let first = try StageRun.run(
      "vae-train", ["--data", data, "--run", run, "--epochs", "1", "--checkpoint-every", "3", "--keep", "100"] + smallModel,
      in: folder.path)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(try CheckpointFolder(path: run + "/checkpoints").list().map(\.step) == [3, 6, 9, 10])
    let config = try RunConfig.parse(String(contentsOfFile: run + "/config.json", encoding: .utf8), source: "config.json")
    #expect(config.checkpointEvery == 3 && config.keep == 100)

    // No flags on resume: the recorded cadence and retention go on.
    let resumed = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "2"], in: folder.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(!resumed.stdout.contains("replaces"), "\(resumed.stdout)")
    #expect(try CheckpointFolder(path: run + "/checkpoints").list().map(\.step) == [3, 6, 9, 10, 12, 15, 18, 20])

    // A new value is applied from there on, and said so.
    let changed = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "3", "--keep", "2"], in: folder.path)
    #expect(changed.status == 0, "\(changed.stderr)")
    #expect(changed.stdout.contains("--keep 2 replaces the run's 100"), "\(changed.stdout)")
    #expect(try CheckpointFolder(path: run + "/checkpoints").list().map(\.step) == [27, 30])
    let after = try RunConfig.parse(String(contentsOfFile: run + "/config.json", encoding: .utf8), source: "config.json")
    #expect(after.checkpointEvery == 3 && after.keep == 2)
  }

  @Test func aCheckpointRecordsItsKernelsAndResumeUnderOthersWarns() throws {
    let folder = try TemporaryFolder("kernels")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 200, test: 20)
    let run = folder.file("run")
    let first = try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "1"] + smallModel, in: folder.path)
    #expect(first.status == 0, "\(first.stderr)")
    // This process runs in the children's environment, so it picks the same kernels they did.
    let kernels = Parallel(threads: 1).gemmKernelsName
    let path = try newestCheckpoint(run)
    var file = try SafeTensorsFile.read(from: path)
    #expect(file.metadata[TrainingCheckpoint.kernelsKey] == kernels)
    let info = try StageRun.run("vae-checkpoint", ["info", path], in: folder.path)
    #expect(info.stdout.contains("trained with: \(Parallel.describeKernels(kernels)) kernels, 1 thread;"), "\(info.stdout)")

    // Same kernels: resume says nothing about them.
    let same = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "2"], in: folder.path)
    #expect(same.status == 0 && same.stderr.isEmpty, "\(same.stderr)")

    // A checkpoint from other kernels: one warning line on stderr, and training goes on.
    let newest = try newestCheckpoint(run)
    file = try SafeTensorsFile.read(from: newest)
    file.metadata[TrainingCheckpoint.kernelsKey] = "Elsewhere"
    try file.write(to: newest)
    let other = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "3"], in: folder.path)
    #expect(other.status == 0, "\(other.stderr)")
    #expect(other.stderrLines.count == 1, "\(other.stderr)")
    #expect(
      other.stderr.contains(
        "\(newest): trained with OpenBLAS Elsewhere kernels, but this process runs \(Parallel.describeKernels(kernels)) kernels"),
      "\(other.stderr)")
    #expect(other.stderr.contains("not be bitwise equal"))
  }

  @Test func aSecondTrainerOnTheSameFolderIsRefusedByName() throws {
    let folder = try TemporaryFolder("lock")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 100, test: 20)
    let run = folder.file("run")
    try Files.makeFolder(run)
    var held: RunLock? = try RunLock(folder: run)  // this test process trains "first"
    let second = try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "1"] + smallModel, in: folder.path)
    StageRun.expectOneLineFailure(second, naming: run, ["process \(getpid()) is training in this run folder"])
    #expect(!Files.exists(run + "/config.json"), "the refused trainer wrote nothing")
    held = nil  // released, as when its process ends
    _ = held
    let after = try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "1"] + smallModel, in: folder.path)
    #expect(after.status == 0, "\(after.stderr)")
  }

  @Test func aRunStoppedBeforeItsFirstCheckpointResumesFromStepZeroBitwise() throws {
    let folder = try TemporaryFolder("restart")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 320, test: 20)
    let run = folder.file("run")
    let options = ["--data", data, "--run", run, "--epochs", "2", "--checkpoint-every", "0"] + smallModel
    let straight = try StageRun.run("vae-train", options, in: folder.path)
    #expect(straight.status == 0, "\(straight.stderr)")
    let reference = folder.file("reference-copy")
    try FileManager.default.copyItem(atPath: run, toPath: reference)
    // What a kill before the first checkpoint leaves: config.json, log.csv, the lock file, a
    // half-written checkpoint's temporary; no checkpoint.
    for (_, path) in try CheckpointFolder(path: run + "/checkpoints").list() { try FileManager.default.removeItem(atPath: path) }
    let stale = run + "/checkpoints/.step-00000005.safetensors.tmp-1234-5678"
    try Files.write([1, 2, 3], to: stale)
    let stuck = try StageRun.run("vae-train", options, in: folder.path)
    StageRun.expectOneLineFailure(stuck, naming: run, ["--resume"])
    let resumed = try StageRun.run("vae-train", ["--run", run, "--resume"], in: folder.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stdout.contains("stopped before its first checkpoint; training it again from step 0"), "\(resumed.stdout)")
    #expect(!Files.exists(stale), "a stale temporary is removed once the folder is the trainer's")
    try expectSameNewestCheckpoint(reference, run, "from the uninterrupted run")
    #expect(try TrainingLog.read(from: run + "/log.csv").rows.map(\.epoch) == [1, 2])
  }
}
