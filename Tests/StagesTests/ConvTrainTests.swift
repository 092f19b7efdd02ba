import Checkpoints
import Foundation
import Models
import Runs
import Stages
import Testing
import TestSupport

/// A small, fast conv model for these tests.
private let smallConv = ["--arch", "conv", "--channels", "4,8", "--latent", "4", "--batch", "32", "--threads", "1"]

/// `vae-train --arch conv` end to end, and the stages downstream of a conv run.
@Suite struct ConvTrainTests {
  @Test func trainsAConvRunThatTheOtherStagesRead() throws {
    let folder = try TemporaryFolder("conv-train")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 300, test: 60)
    let run = folder.file("run")
    let result = try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "2"] + smallConv, in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let config = try RunConfig.parse(String(contentsOfFile: run + "/config.json", encoding: .utf8), source: "config.json")
    #expect(config.model.arch == .conv && config.model.channels == [4, 8] && config.model.hidden.isEmpty)
    let log = try TrainingLog.read(from: run + "/log.csv")
    #expect(log.rows.map(\.epoch) == [1, 2])
    #expect(log.rows[1].test.total < log.rows[0].test.total, "test loss should fall: \(log.rows.map(\.test.total))")

    let checkpoint = try newestCheckpoint(run)
    let verify = try StageRun.run("vae-checkpoint", ["verify", checkpoint], in: folder.path)
    #expect(verify.status == 0, "\(verify.stderr)")
    let info = try StageRun.run("vae-checkpoint", ["info", checkpoint], in: folder.path)
    #expect(info.status == 0, "\(info.stderr)")
    for line in ["encoder.conv.0.weight", "F32 [4, 4, 1, 4]", "decoder.deconv.0.weight", "F32 [8, 4, 4, 4]", "decoder.out.bias"] {
      #expect(info.stdout.contains(line), "info should list \(line)")
    }

    // vae-eval's ELBO of the final checkpoint repeats the last test loss of the log.
    let metrics = folder.file("metrics.json")
    let eval = try StageRun.run("vae-eval", ["--run", run, "--out", metrics, "--threads", "1"], in: folder.path)
    #expect(eval.status == 0, "\(eval.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: metrics))) as? [String: Any])
    let elbo = try #require((json["elbo"] as? [String: Any])?["total"] as? Double)
    let logged = try #require(log.rows.last).test.total
    #expect(abs(elbo - logged) < 1e-3 * logged, "vae-eval ELBO \(elbo) vs the log's test loss \(logged)")

    let render = try StageRun.run("vae-render", ["--run", run, "--out", folder.file("render"), "--scale", "1", "--threads", "1"], in: folder.path)
    #expect(render.status == 0, "\(render.stderr)")
    let pictures = try FileManager.default.contentsOfDirectory(atPath: folder.file("render")).filter { $0.hasSuffix(".png") }
    #expect(!pictures.isEmpty, "vae-render wrote no PNG")
  }

  /// One epoch, then --resume to two: the same bits as two epochs straight; a changed
  /// --arch or --channels is refused naming the checkpoint.
  @Test func resumeIsBitwiseAndRefusesAnotherArchitecture() throws {
    let folder = try TemporaryFolder("conv-resume")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 200, test: 40)
    let options = ["--data", data, "--checkpoint-every", "3"] + smallConv
    let straight = try StageRun.run("vae-train", options + ["--run", folder.file("straight"), "--epochs", "2"], in: folder.path)
    #expect(straight.status == 0, "\(straight.stderr)")
    let run = folder.file("resumed")
    let first = try StageRun.run("vae-train", options + ["--run", run, "--epochs", "1"], in: folder.path)
    #expect(first.status == 0, "\(first.stderr)")
    let saved = try newestCheckpoint(run)

    let otherChannels = try StageRun.run("vae-train", ["--run", run, "--resume", "--channels", "4,16", "--epochs", "2"], in: folder.path)
    StageRun.expectOneLineFailure(otherChannels, naming: saved, ["--channels 4,8 in the checkpoint vs 4,16"])
    let otherArch = try StageRun.run("vae-train", ["--run", run, "--resume", "--arch", "mlp", "--epochs", "2"], in: folder.path)
    StageRun.expectOneLineFailure(otherArch, naming: saved, ["--arch conv in the checkpoint vs mlp"])

    let resumed = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "2"], in: folder.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    try expectSameNewestCheckpoint(folder.file("straight"), run, "after resume")
  }

  /// A cvae and an inpainting CVAE train as conv models too (the condition beside the
  /// flattened features and beside z), and vae-eval reads the cvae run.
  @Test(arguments: [ModelKind.cvae, .inpaint])
  func conditionalKindsTrainAsConvModels(kind: ModelKind) throws {
    let folder = try TemporaryFolder("conv-\(kind.rawValue)")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 128, test: 40)
    let run = folder.file("run")
    let result = try StageRun.run("vae-train", ["--data", data, "--run", run, "--model", kind.rawValue, "--epochs", "1"] + smallConv, in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let config = try RunConfig.parse(String(contentsOfFile: run + "/config.json", encoding: .utf8), source: "config.json")
    #expect(config.kind == kind && config.model.arch == .conv && config.model.condition == kind.conditionWidth(dataset: .mnist))
    let layout = Dictionary(uniqueKeysWithValues: try SafeTensorsFile.read(from: try newestCheckpoint(run)).tensors.map { ($0.name, $0.shape) })
    // [features, c]: 7 x 7 x 8 = 392 features, then the condition.
    #expect(layout["encoder.mu.weight"] == [392 + config.model.condition, 4], "\(String(describing: layout["encoder.mu.weight"]))")
    #expect(layout["decoder.project.weight"] == [4 + config.model.condition, 392])
    if kind == .cvae {
      let eval = try StageRun.run("vae-eval", ["--run", run, "--out", folder.file("m.json"), "--threads", "1"], in: folder.path)
      #expect(eval.status == 0, "\(eval.stderr)")
    }
  }

  /// Flags out of range are usage errors (exit 64) with one clear message, as for --latent.
  @Test(arguments: [
    (["--arch", "conv", "--latent", "0"], "--latent must be 1...1024, got 0"),
    (["--arch", "conv", "--latent", "2000"], "--latent must be 1...1024, got 2000"),
    (["--arch", "conv", "--channels", "0,8"], "--channels must be comma-separated channel counts 1...256"),
    (["--arch", "conv", "--channels", "16,300"], "--channels must be comma-separated channel counts 1...256"),
    (["--arch", "conv", "--channels", "16,,32"], "--channels must be comma-separated channel counts 1...256"),
    (["--arch", "conv", "--channels", "8,16,32"], "3 stride-2 convolutions need an image side divisible by 8, but the images are 28 x 28"),
    (["--arch", "cnn"], "--arch"),
    (["--channels", "16,32"], "--channels applies to --arch conv"),
    (["--hidden", "none"], "--hidden none applies to --arch conv"),
  ])
  func badFlagsAreUsageErrors(arguments: [String], message: String) throws {
    let folder = try TemporaryFolder("conv-flags")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 40, test: 10)
    let result = try StageRun.run("vae-train", ["--data", data, "--run", folder.file("run")] + arguments, in: folder.path)
    #expect(result.status == 64, "\(arguments): a bad flag is a usage error: \(result.stderr)")
    #expect(result.stderr.contains(message), "\(arguments): stderr should say \(message): \(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.file("run") + "/checkpoints"), "nothing trained")
  }

  /// vae-bench --arch conv times the conv model against the bench model and prints their ratio;
  /// its own flag errors are usage errors.
  @Test func benchTimesConvAgainstTheBenchModel() throws {
    let folder = try TemporaryFolder("conv-bench")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 64, test: 10)
    let result = try StageRun.run(
      "vae-bench", ["--data", data, "--arch", "conv", "--channels", "4,8", "--threads", "1", "--steps", "1", "--rounds", "1", "--batch", "8"],
      in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("bench 784-400-20") && result.stdout.contains("conv 4,8-20"), "\(result.stdout)")
    #expect(result.stdout.contains("conv / bench samples/s at 1 thread: "), "\(result.stdout)")
    for (arguments, message) in [
      (["--arch", "conv", "--channels", "8,16,32"], "--channels 8,16,32"), (["--arch", "conv", "--models", "bench"], "--models applies to --arch mlp"),
      (["--channels", "8"], "--channels applies to --arch conv"),
    ] {
      let bad = try StageRun.run("vae-bench", ["--data", data] + arguments, in: folder.path)
      #expect(bad.status == 64 && bad.stderr.contains(message), "\(arguments): \(bad.status) \(bad.stderr)")
    }
  }
}
