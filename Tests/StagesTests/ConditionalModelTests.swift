import Checkpoints
import Foundation
import Models
import Runs
import Stages
import Testing
import TestSupport

/// vae-train, vae-eval and vae-render with --model cvae and --model inpaint.
@Suite struct ConditionalModelTests {
  /// Trains `kind` for 2 epochs straight, and again stopping at a mid-epoch checkpoint
  /// (step 7 of 10 in epoch 1) and resuming: every tensor of the final checkpoints must be
  /// identical (the epoch sums' seconds aside, which are wall time).
  func resumeIsBitwise(_ kind: String, _ extra: [String] = []) throws {
    let folder = try TemporaryFolder("resume-\(kind)")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 300, test: 40)
    let options = ["--data", data, "--model", kind, "--epochs", "2", "--checkpoint-every", "7", "--keep", "10"] + smallModel + extra
    let straight = try StageRun.run("vae-train", options + ["--run", folder.file("straight")], in: folder.path)
    #expect(straight.status == 0, "\(straight.stderr)")
    let run = folder.file("resumed")
    let first = try StageRun.run("vae-train", options + ["--run", run], in: folder.path)
    #expect(first.status == 0, "\(first.stderr)")
    for (step, path) in try CheckpointFolder(path: run + "/checkpoints").list() where step > 7 {
      try FileManager.default.removeItem(atPath: path)
    }
    let resumed = try StageRun.run("vae-train", ["--run", run, "--resume"], in: folder.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stdout.contains("step-00000007.safetensors"), "\(resumed.stdout)")
    var a = try tensorBytes(try newestCheckpoint(folder.file("straight")))
    var b = try tensorBytes(try newestCheckpoint(run))
    a["train.epoch_sums"] = nil
    b["train.epoch_sums"] = nil
    #expect(a.keys.sorted() == b.keys.sorted())
    let differing = a.keys.filter { a[$0] != b[$0] }.sorted()
    #expect(differing.isEmpty, "\(kind): tensors differ after resuming: \(differing)")
    let file = try SafeTensorsFile.read(from: try newestCheckpoint(run))
    #expect(file.metadata["kind"] == kind)
    let width = kind == "cvae" ? 10 : 2 * 784
    #expect(file["encoder.0.weight"]?.shape == [784 + width, 48])
    #expect(file["decoder.0.weight"]?.shape == [4 + width, 48])
  }

  @Test func cvaeResumesBitwise() throws { try resumeIsBitwise("cvae") }

  @Test func inpaintResumesBitwise() throws { try resumeIsBitwise("inpaint") }

  /// The learned prior with the hole-only loss, GSNN and chosen masks: its prior network's
  /// tensors are in the checkpoint and resume exactly like the others.
  @Test func learnedPriorResumesBitwise() throws {
    try resumeIsBitwise("inpaint", ["--prior", "learned", "--loss", "hole", "--gsnn", "0.3", "--masks", "square"])
  }

  @Test func cvaeTrainsEvaluatesAndRendersTheLabelGrids() throws {
    let folder = try TemporaryFolder("cvae")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 300, test: 40)
    let run = folder.file("run")
    let train = try StageRun.run("vae-train", ["--data", data, "--run", run, "--model", "cvae", "--epochs", "2"] + smallModel, in: folder.path)
    #expect(train.status == 0, "\(train.stderr)")
    let config = try RunConfig.parse(String(contentsOfFile: run + "/config.json", encoding: .utf8), source: "config.json")
    #expect(config.kind == .cvae && config.model.condition == 10)
    let eval = try StageRun.run("vae-eval", ["--run", run, "--threads", "1"], in: folder.path)
    #expect(eval.status == 0, "\(eval.stderr)")
    let metrics = try RunMetrics.read(from: run + "/metrics.json")
    #expect(metrics.elbo.total.isFinite && abs(metrics.elbo.total - metrics.elbo.recon - metrics.elbo.kl) < 1e-3)
    let out = folder.file("render")
    let render = try StageRun.run("vae-render", ["--run", run, "--out", out, "--threads", "1", "--scale", "1"], in: folder.path)
    #expect(render.status == 0, "\(render.stderr)")
    let grid = ImagingGridSize.size(columns: 10, rows: 10)
    let labels = try PNGDecoding.read(out + "/labels.png", scratch: folder)
    #expect(labels.width == grid.width && labels.height == grid.height, "labels.png \(labels.width)x\(labels.height)")
    let analogy = try PNGDecoding.read(out + "/analogy.png", scratch: folder)
    #expect(analogy.height == ImagingGridSize.size(columns: 10, rows: RenderStage.analogyRows).height)
    let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
    #expect(page.contains("labels.png") && page.contains("analogy.png") && page.contains("Per-label generation"))
  }

  @Test func resumingWithAnotherModelIsAConflict() throws {
    let folder = try TemporaryFolder("kind-conflict")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 100, test: 20)
    let run = folder.file("run")
    let train = try StageRun.run("vae-train", ["--data", data, "--run", run, "--model", "cvae", "--epochs", "1"] + smallModel, in: folder.path)
    #expect(train.status == 0, "\(train.stderr)")
    let conflict = try StageRun.run("vae-train", ["--run", run, "--resume", "--model", "vae", "--epochs", "2"], in: folder.path)
    StageRun.expectOneLineFailure(conflict, naming: "step-00000004.safetensors", ["--model cvae in the checkpoint vs vae"])
  }

  @Test func inpaintRefusesCorruptedInputs() throws {
    let folder = try TemporaryFolder("inpaint-input")
    defer { folder.remove() }
    let result = try StageRun.run("vae-train", ["--run", folder.file("run"), "--model", "inpaint", "--input", "x.idx"], in: folder.path)
    #expect(result.status == 64, "\(result.stderr)")
    #expect(result.stderr.contains("--model inpaint makes its own occlusions"), "\(result.stderr)")
  }

  /// A config whose kind and condition width disagree, or whose kind is unknown, is refused by name.
  @Test func configsWithAMismatchedConditionAreRefused() throws {
    var config = RunConfig(model: VAEConfig(), training: TrainingConfig(), data: "d")
    config.kind = .cvae
    #expect(throws: RunError.self) { try RunConfig.parse(config.json(), source: "c.json") }
    do {
      _ = try RunConfig.parse(config.json(), source: "c.json")
    } catch {
      #expect("\(error)".contains("c.json") && "\(error)".contains("needs 10"), "\(error)")
    }
    config.model.condition = 10
    #expect(try RunConfig.parse(config.json(), source: "c.json") == config)
    let unknown = config.json().replacingOccurrences(of: "\"cvae\"", with: "\"gan\"")
    #expect(throws: RunError.self) { try RunConfig.parse(unknown, source: "c.json") }
    // An old config without "condition" reads as a plain VAE.
    let old = RunConfig(model: VAEConfig(), training: TrainingConfig(), data: "d").json()
      .replacingOccurrences(of: "\"condition\" : 0,", with: "")
    #expect(!old.contains("condition"))
    #expect(try RunConfig.parse(old, source: "old.json").model.condition == 0)
  }

  @Test func snapshotsAreRefusedForAConditionalRun() throws {
    let folder = try TemporaryFolder("cvae-snapshots")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 100, test: 20)
    let run = folder.file("run")
    let result = try StageRun.run(
      "vae-train", ["--data", data, "--run", run, "--model", "cvae", "--epochs", "1", "--snapshot-images", "4"] + smallModel,
      in: folder.path)
    StageRun.expectOneLineFailure(result, naming: run, ["--snapshot-images", "cvae"])
    #expect(!Files.exists(run), "the flags are checked before anything is written")
  }

  @Test func cvaeWithoutALabelsFileIsOneLine() throws {
    let folder = try TemporaryFolder("cvae-nolabels")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 100, test: 20)
    try FileManager.default.removeItem(atPath: data + "/train-labels.idx")
    let result = try StageRun.run("vae-train", ["--data", data, "--run", folder.file("run"), "--model", "cvae", "--epochs", "1"] + smallModel, in: folder.path)
    StageRun.expectOneLineFailure(result, naming: data + "/train-labels.idx", ["--model cvae"])
  }

  /// An inpaint run, a plain VAE run and centre-square occlusions of the test set.
  struct InpaintSetup {
    let folder: TemporaryFolder
    let run: String
    let plain: String
    let occluded: String

    static func make(_ name: String) throws -> InpaintSetup {
      let folder = try TemporaryFolder(name)
      let data = try makeDataFolder(in: folder, train: 200, test: 30)
      let run = folder.file("inpaint"), plain = folder.file("plain")
      for (path, kind) in [(run, "inpaint"), (plain, "vae")] {
        let train = try StageRun.run("vae-train", ["--data", data, "--run", path, "--model", kind, "--epochs", "2"] + smallModel, in: folder.path)
        #expect(train.status == 0, "\(train.stderr)")
      }
      let corrupt = try StageRun.run(
        "vae-corrupt", ["--images", data + "/test-images.idx", "--kind", "square", "--level", "10", "--out", folder.file("square")],
        in: folder.path)
      #expect(corrupt.status == 0, "\(corrupt.stderr)")
      return InpaintSetup(folder: folder, run: run, plain: plain, occluded: folder.file("square") + "/images.idx")
    }
  }

  @Test func inpaintEvaluatesInsideTheHoleAgainstAPlainVAEAndRenders() throws {
    let setup = try InpaintSetup.make("inpaint-eval")
    defer { setup.folder.remove() }
    let eval = try StageRun.run(
      "vae-eval", ["--run", setup.run, "--test-input", setup.occluded, "--compare-run", setup.plain, "--threads", "1"],
      in: setup.folder.path)
    #expect(eval.status == 0, "\(eval.stderr)")
    #expect(eval.stdout.contains("inside the hole"), "\(eval.stdout)")
    let metrics = try RunMetrics.read(from: setup.run + "/metrics.json")
    let inpaint = try #require(metrics.inpaint)
    #expect(inpaint.imagesWithHole == 30)
    #expect(abs(inpaint.holeFraction - 100.0 / 784) < 1e-9, "hole fraction \(inpaint.holeFraction), expected 100/784")
    #expect(inpaint.plainVAE != nil && inpaint.plainVAECheckpoint != nil)
    for score in [inpaint.priorMean, inpaint.encoder, inpaint.meanImage] {
      #expect(score.mse > 0 && score.mse < 1 && abs(score.psnr) < 100, "\(score)")
    }
    let out = setup.folder.file("render")
    let render = try StageRun.run(
      "vae-render", ["--run", setup.run, "--test-input", setup.occluded, "--out", out, "--threads", "1"], in: setup.folder.path)
    #expect(render.status == 0, "\(render.stderr)")
    let image = try PNGDecoding.read(out + "/inpainting.png", scratch: setup.folder)
    #expect(image.width > 0)
    // Asking to compare with a model that is not a plain VAE is refused.
    let wrong = try StageRun.run(
      "vae-eval", ["--run", setup.run, "--test-input", setup.occluded, "--compare-run", setup.run, "--out", setup.folder.file("m.json")],
      in: setup.folder.path)
    StageRun.expectOneLineFailure(wrong, naming: setup.run, ["plain VAE"])
  }

  @Test func inpaintMasksOfAnotherCountOrShapeAreOneLine() throws {
    let setup = try InpaintSetup.make("inpaint-masks")
    defer { setup.folder.remove() }
    let fewer = setup.folder.file("fewer.idx")
    try Files.write(SyntheticIDX.uint8(shape: [29, 28, 28], values: [UInt8](repeating: 1, count: 29 * 784)), to: fewer)
    let count = try StageRun.run(
      "vae-eval", ["--run", setup.run, "--test-input", setup.occluded, "--test-mask", fewer], in: setup.folder.path)
    StageRun.expectOneLineFailure(count, naming: fewer, ["29 masks", "30 images"])
    let wrongShape = setup.folder.file("shape.idx")
    try Files.write(SyntheticIDX.uint8(shape: [30, 10, 10], values: [UInt8](repeating: 1, count: 3000)), to: wrongShape)
    let shape = try StageRun.run(
      "vae-eval", ["--run", setup.run, "--test-input", setup.occluded, "--test-mask", wrongShape], in: setup.folder.path)
    StageRun.expectOneLineFailure(shape, naming: wrongShape)
    let noOcclusion = try StageRun.run("vae-eval", ["--run", setup.run], in: setup.folder.path)
    StageRun.expectOneLineFailure(noOcclusion, naming: "test-images.idx", ["--test-input"])
  }
}

/// The pixel size of a vae-render grid at scale 1 (28-pixel tiles, 1-pixel lines).
enum ImagingGridSize {
  static func size(columns: Int, rows: Int) -> (width: Int, height: Int) {
    (columns * 28 + (columns + 1), rows * 28 + (rows + 1))
  }
}
