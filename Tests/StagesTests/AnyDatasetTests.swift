import DataFiles
import Foundation
import Runs
import Testing
import TestSupport

/// Data sets other than MNIST through the stages: a synthetic 32 x 32 set of five named
/// classes (a user's folder with classes.txt) through corrupt, train, eval and render, the
/// judge matched to its data set, and every bad folder refused in one line before anything
/// is written.
@Suite struct AnyDatasetTests {
  /// A text file's contents.
  func text(_ path: String) throws -> String { String(decoding: try Files.read(path), as: UTF8.self) }

  static let shapes = ["circle", "square", "triangle", "star", "cross"]
  static let small = ["--hidden", "48", "--batch", "32", "--threads", "1"]

  /// A 32 x 32, five-class folder named `shapes` in `folder`, with its classes.txt.
  static func shapesFolder(in folder: TemporaryFolder, train: Int = 300, test: Int = 60) throws -> String {
    let data = folder.file("shapes")
    try SyntheticIDX.writeDataFolder(data, height: 32, width: 32, classes: 5, train: train, test: test, classNames: shapes)
    return data
  }

  @Test func aFiveClass32By32SetGoesThroughCorruptTrainEvalAndRender() throws {
    let folder = try TemporaryFolder("anyset")
    defer { folder.remove() }
    let data = try Self.shapesFolder(in: folder)
    let judge = folder.file("judge/shapes.safetensors")
    let classify = try StageRun.run("vae-classify", ["--data", data, "--out", judge, "--epochs", "3", "--threads", "1"], in: folder.path)
    #expect(classify.status == 0, "\(classify.stderr)")
    #expect(try Judge.load(judge).dataset?.name == "shapes" && Judge.load(judge).config.classes == 5)

    // A cvae with a 2-D code: per-label figures and a scatter, all speaking of the five shapes.
    let run = folder.file("runs/cvae")
    let train = try StageRun.run(
      "vae-train", ["--data", data, "--run", run, "--model", "cvae", "--latent", "2", "--epochs", "2"] + Self.small, in: folder.path)
    #expect(train.status == 0, "\(train.stderr)")
    let config = try RunConfig.parse(text(run + "/config.json"), source: "config.json")
    #expect(config.dataset?.classes == Self.shapes && config.model.inputSize == 1024 && config.model.condition == 5)
    let eval = try StageRun.run("vae-eval", ["--run", run, "--judge", judge, "--judge-samples", "20", "--threads", "1"], in: folder.path)
    #expect(eval.status == 0, "\(eval.stderr)")
    let metrics = try RunMetrics.read(from: run + "/metrics.json")
    #expect(metrics.dataset?.name == "shapes" && metrics.judge?.generation?.perLabel.count == 5, "\(String(describing: metrics.judge))")
    let render = try StageRun.run("vae-render", ["--run", run, "--out", folder.file("render/cvae")], in: folder.path)
    #expect(render.status == 0, "\(render.stderr)")
    let page = try text(folder.file("render/cvae/index.html"))
    #expect(page.contains("circle (top), square, triangle, star, cross (bottom)"), "the per-label grid names its rows")
    #expect(page.contains("Labels circle and square on the top row"), "the label canvases name theirs")
    #expect(page.contains("32\u{00D7}32") && !page.contains("28\u{00D7}28"), "tiles are the data set's size")
    #expect(!page.lowercased().replacingOccurrences(of: "digitvae", with: "").contains("digit"), "shapes are not digits (the project name aside)")
    let scatter = try text(folder.file("render/cvae/latent-scatter.svg"))
    #expect(Self.shapes.allSatisfy { scatter.contains(">\($0)<") }, "the legend names the classes")
    let labels = try PNGDecoding.read(folder.file("render/cvae/labels.png"), scratch: folder)
    #expect(labels.width > 5 * 32 && labels.height > 5 * 32, "five rows and columns of 32 x 32 tiles: \(labels.width) x \(labels.height)")

    // A denoising VAE on squares sized for 32 x 32 images, with a level sweep beyond MNIST's sides.
    for (split, seed) in [("train", "1"), ("test", "2")] {
      let corrupt = try StageRun.run(
        "vae-corrupt",
        ["--images", "\(data)/\(split)-images.idx", "--kind", "square", "--level", "30", "--seed", seed, "--out", folder.file("sq-\(split)")],
        in: folder.path)
      #expect(corrupt.status == 0, "\(corrupt.stderr)")
    }
    let tooBig = try StageRun.run(
      "vae-corrupt", ["--images", "\(data)/test-images.idx", "--kind", "square", "--level", "33", "--out", folder.file("sq-big")], in: folder.path)
    StageRun.expectOneLineFailure(tooBig, naming: "\(data)/test-images.idx", ["1...32", "32 x 32"])
    let denoise = folder.file("runs/denoise")
    let trainDenoise = try StageRun.run(
      "vae-train",
      ["--data", data, "--run", denoise, "--input", folder.file("sq-train/images.idx"), "--test-input", folder.file("sq-test/images.idx"),
       "--epochs", "1", "--latent", "4", "--snapshot-images", "4"] + Self.small, in: folder.path)
    #expect(trainDenoise.status == 0, "\(trainDenoise.stderr)")
    let sweep = try StageRun.run("vae-eval", ["--run", denoise, "--judge", judge, "--levels", "8,30", "--threads", "1"], in: folder.path)
    #expect(sweep.status == 0, "\(sweep.stderr)")
    #expect(try text(denoise + "/levels.csv").split(separator: "\n").count == 7, "a header and 2 levels x 3 methods")
    let renderDenoise = try StageRun.run("vae-render", ["--run", denoise, "--out", folder.file("render/denoise")], in: folder.path)
    #expect(renderDenoise.status == 0, "\(renderDenoise.stderr)")
    #expect(Files.exists(folder.file("render/denoise/reconstructions-over-training.png")), "snapshots of 32 x 32 images animate")
  }

  @Test func theConvModelTakesSquareImagesThatHalveAndSaysSoOtherwise() throws {
    let folder = try TemporaryFolder("anyset-conv")
    defer { folder.remove() }
    let wide = folder.file("wide")
    try SyntheticIDX.writeDataFolder(wide, height: 20, width: 32, classes: 3, train: 40, test: 10)
    let mlp = try StageRun.run("vae-train", ["--data", wide, "--run", folder.file("mlp"), "--epochs", "1", "--latent", "3"] + Self.small, in: folder.path)
    #expect(mlp.status == 0, "an MLP takes any H x W: \(mlp.stderr)")
    let conv = try StageRun.run("vae-train", ["--data", wide, "--run", folder.file("conv"), "--arch", "conv", "--epochs", "1"], in: folder.path)
    // A usage error: status 64, the message first, then the usage hint.
    #expect(conv.status == 64 && conv.stderrLines.first?.contains("--arch conv takes square images") == true, "\(conv.stderr)")
    #expect(conv.stderr.contains("wide images are 20 x 32: use --arch mlp"), "\(conv.stderr)")
    #expect(!Files.exists(folder.file("conv")))
    let odd = folder.file("odd")
    try SyntheticIDX.writeDataFolder(odd, height: 30, width: 30, classes: 3, train: 40, test: 10)
    let halving = try StageRun.run(
      "vae-train", ["--data", odd, "--run", folder.file("conv30"), "--arch", "conv", "--channels", "8,16", "--epochs", "1"], in: folder.path)
    #expect(halving.status == 64, "\(halving.stderr)")
    #expect(halving.stderr.contains("divisible by 4, but the images are 30 x 30 (at most 1 convolutions)"), "\(halving.stderr)")
    let fits = try StageRun.run(
      "vae-train", ["--data", odd, "--run", folder.file("conv30-1"), "--arch", "conv", "--channels", "8", "--epochs", "1", "--threads", "1"],
      in: folder.path)
    #expect(fits.status == 0, "one halving fits 30 x 30: \(fits.stderr)")
  }

  @Test func aJudgeOfAnotherDataSetOrSizeIsRefusedNamingBoth() throws {
    let folder = try TemporaryFolder("anyset-judge")
    defer { folder.remove() }
    let mnist = try makeDataFolder(in: folder, train: 100, test: 20)
    let run = folder.file("run")
    #expect(try StageRun.run("vae-train", ["--data", mnist, "--run", run, "--epochs", "1"] + smallModel, in: folder.path).status == 0)
    // Same size, ten classes, another data set: a Fashion-like folder.
    let fashion = folder.file("fashion")
    try SyntheticIDX.writeDataFolder(fashion, height: 28, width: 28, classes: 10, train: 100, test: 20)
    try DatasetDescriptor.fashionMNIST.write(folder: fashion)
    let fashionJudge = folder.file("fashion.safetensors")
    #expect(try StageRun.run("vae-classify", ["--data", fashion, "--out", fashionJudge, "--epochs", "1", "--threads", "1"], in: folder.path).status == 0)
    let refused = try StageRun.run("vae-eval", ["--run", run, "--judge", fashionJudge], in: folder.path)
    StageRun.expectOneLineFailure(refused, naming: fashionJudge, ["trained on Fashion-MNIST (28 x 28, 10 classes)", "on MNIST (28 x 28, 10 classes)", "vae-classify --dataset mnist"])
    #expect(!Files.exists(run + "/metrics.json"))
    // Another size: the shapes judge reads 32 x 32 images.
    let shapes = try Self.shapesFolder(in: folder, train: 50, test: 10)
    let shapesJudge = folder.file("shapes.safetensors")
    #expect(try StageRun.run("vae-classify", ["--data", shapes, "--out", shapesJudge, "--epochs", "1", "--threads", "1"], in: folder.path).status == 0)
    let size = try StageRun.run("vae-eval", ["--run", run, "--judge", shapesJudge], in: folder.path)
    StageRun.expectOneLineFailure(size, naming: shapesJudge, ["1024 pixels", "784"])
  }

  @Test func badFoldersAndNamesAreOneLineAndWriteNothing() throws {
    let folder = try TemporaryFolder("anyset-bad")
    defer { folder.remove() }
    func expectRefused(_ name: String, naming file: String, _ fragments: [String], spoil: (String) throws -> Void) throws {
      let data = folder.file(name)
      try SyntheticIDX.writeDataFolder(data, height: 32, width: 32, classes: 5, train: 20, test: 10, classNames: Self.shapes)
      try spoil(data)
      let run = folder.file("run-\(name)")
      let result = try StageRun.run("vae-train", ["--data", data, "--run", run, "--model", "cvae", "--epochs", "1"] + Self.small, in: folder.path)
      StageRun.expectOneLineFailure(result, naming: data + "/" + file, fragments)
      #expect(!Files.exists(run), "\(name): nothing written")
      let judge = try StageRun.run("vae-classify", ["--data", data, "--out", folder.file("j-\(name).safetensors")], in: folder.path)
      StageRun.expectOneLineFailure(judge, naming: data + "/" + file, fragments)
      #expect(!Files.exists(folder.file("j-\(name).safetensors")))
    }
    try expectRefused("counts", naming: "test-labels.idx", ["holds 9 labels", "10 images"]) { data in
      try Files.write(SyntheticIDX.uint8(shape: [9], values: [UInt8](repeating: 0, count: 9)), to: data + "/test-labels.idx")
    }
    try expectRefused("labels", naming: "train-labels.idx", ["label 7 at index 0", "outside 0...4"]) { data in
      var labels = SyntheticIDX.patterned(count: 20, height: 32, width: 32, classes: 5).labels
      labels[0] = 7
      try Files.write(SyntheticIDX.uint8(shape: [20], values: labels), to: data + "/train-labels.idx")
    }
    try expectRefused("lines", naming: "classes.txt", ["names 7 classes", "labels run 0...4"]) { data in
      try Files.write(Array("a\nb\nc\nd\ne\nf\ng\n".utf8), to: data + "/classes.txt")
    }
    try expectRefused("fewer names", naming: "train-labels.idx", ["label 4 at index 4", "outside 0...3"]) { data in
      try Files.write(Array("a\nb\nc\nd\n".utf8), to: data + "/classes.txt")
    }
    let unknown = try StageRun.run("vae-train", ["--dataset", "nosuch", "--run", folder.file("run-unknown")], in: folder.path)
    #expect(unknown.status == 64, "a usage error: \(unknown.stderr)")
    #expect(unknown.stderr.contains("unknown data set \"nosuch\"; known: mnist, fashion-mnist, kmnist"), "\(unknown.stderr)")
    #expect(!Files.exists(folder.file("run-unknown")))
    let both = try StageRun.run("vae-classify", ["--dataset", "mnist", "--data", folder.file("counts")], in: folder.path)
    #expect(both.status == 64 && both.stderr.contains("give --dataset or --data, not both"), "\(both.stderr)")
  }
}
