import Checkpoints
import Compute
import DataFiles
import Foundation
import Models
import Runs
import Testing
import TestSupport

@testable import Stages

/// A judge and a model trained by the real executables on digits a judge can learn
/// (`ClassifyCommandTests.writeDigits`: label k lights rows 2k...2k+2).
struct JudgedRun {
  let data: String
  let judge: String
  let run: String
  /// The corrupted (or occluded) test images, if the model was given some.
  let testInput: String?

  static let testCount = 60

  /// Trains a judge (3 epochs) and a `kind` model (2 epochs, small); a vae learns to denoise
  /// gaussian noise (sigma 0.5, test seed 2), an inpaint model is given centred 10x10 squares.
  static func make(in folder: TemporaryFolder, kind: ModelKind = .vae) throws -> JudgedRun {
    let data = folder.file("data")
    try Files.makeFolder(data)
    try ClassifyCommandTests.writeDigits(data, split: "train", count: 300, seed: 1)
    try ClassifyCommandTests.writeDigits(data, split: "test", count: testCount, seed: 4)
    // Synthetic digits standing in for MNIST, described as vae-decompress --dataset mnist describes it.
    try DatasetDescriptor.mnist.write(folder: data)
    let judge = folder.file("judge/j.safetensors")
    let classify = try StageRun.run(
      "vae-classify", ["--data", data, "--out", judge, "--epochs", "3", "--threads", "1"], in: folder.path)
    #expect(classify.status == 0, "\(classify.stderr)")
    func corrupt(_ split: String, _ arguments: [String], seed: String) throws -> String {
      let out = folder.file("corrupt-\(split)")
      let result = try StageRun.run(
        "vae-corrupt", ["--images", data + "/\(split)-images.idx", "--seed", seed, "--out", out, "--threads", "1"] + arguments,
        in: folder.path)
      #expect(result.status == 0, "\(result.stderr)")
      return out + "/images.idx"
    }
    var options = ["--data", data, "--run", folder.file("run"), "--epochs", "2", "--model", kind.rawValue] + smallModel
    var testInput: String?
    switch kind {
    case .vae:
      let noise = ["--kind", "gaussian", "--level", "0.5"]
      testInput = try corrupt("test", noise, seed: "2")
      options += ["--input", try corrupt("train", noise, seed: "1"), "--test-input", testInput ?? ""]
    case .inpaint:
      testInput = try corrupt("test", ["--kind", "square", "--level", "10"], seed: "2")
    case .cvae: break
    }
    let trained = try StageRun.run("vae-train", options, in: folder.path)
    #expect(trained.status == 0, "\(trained.stderr)")
    return JudgedRun(data: data, judge: judge, run: folder.file("run"), testInput: testInput)
  }

  /// An untrained judge (random weights from `seed`) beside the trained one. Its answers hang on
  /// every pixel, so shares of its answers tell apart image sets a good judge reads alike.
  func untrainedJudge(seed: UInt64) throws -> String {
    var config = ClassifierConfig()
    config.hidden = [32]
    config.seed = seed
    let path = (judge as NSString).deletingLastPathComponent + "/untrained-\(seed).safetensors"
    try Judge.file(of: try Classifier(config: config, maxBatch: 8), dataset: DatasetDescriptor.read(folder: data)).write(to: path)
    return path
  }

  /// A judge that reads brightness, not digits: it says round(a u - b), clamped to 0...9, for
  /// an image of mean intensity u. With a steep `a` its answer moves with a few grey levels of
  /// an image, so shares of its answers pin down exactly which images were judged.
  func brightnessJudge(a: Float, b: Float) throws -> String {
    var config = ClassifierConfig()
    config.hidden = [2]
    let classifier = try Classifier(config: config, maxBatch: 8)
    // Hidden unit 0 = ReLU(mean intensity) = u, unit 1 = 0. Logit c = c (a u - b) - c^2 / 2,
    // largest for the c nearest a u - b.
    let first = (0..<784).flatMap { _ -> [Float] in [1 / 784, 0] }
    let output = (0..<10).map { Float($0) * a } + [Float](repeating: 0, count: 10)
    let bias = (0..<10).map { c in -Float(c) * b - Float(c * c) / 2 }
    try classifier.parameters.setValue("layers.0.weight", first)
    try classifier.parameters.setValue("layers.0.bias", [0, 0])
    try classifier.parameters.setValue("layers.1.weight", output)
    try classifier.parameters.setValue("layers.1.bias", bias)
    let path = (judge as NSString).deletingLastPathComponent + "/brightness.safetensors"
    try Judge.file(of: classifier, dataset: DatasetDescriptor.read(folder: data)).write(to: path)
    return path
  }

  /// The share of `bytes` that the judge at `judgePath` (default: the trained one) labels as
  /// `expected` (default: the test labels), computed here: the judge loaded from its file and
  /// called on the images, the right answers counted.
  func judged(_ bytes: [UInt8], expected: [UInt8]? = nil, by judgePath: String? = nil) throws -> Double {
    let labels = try expected ?? DigitFiles.labels(data + "/test-labels.idx")
    let predicted = try Judge.load(judgePath ?? judge).predict(IDXArray(shape: [labels.count, 28, 28], scalars: bytes))
    return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
  }
}

/// Model outputs to bytes, rounded here (not with the code under test): round(255 v), clamped.
func roundedBytes(_ values: [Float]) -> [UInt8] {
  values.map { UInt8(max(0, min(255, (Double($0) * 255).rounded(.toNearestOrAwayFromZero)))) }
}

@Suite struct EvalJudgeTests {
  @Test func judgeScoresOfADenoisingRunAreTheJudgesOwnAnswers() throws {
    let folder = try TemporaryFolder("evaljudge")
    defer { folder.remove() }
    let trained = try JudgedRun.make(in: folder)
    let testInput = try #require(trained.testInput)
    let arguments = ["--run", trained.run, "--judge", trained.judge, "--threads", "2"]
    let result = try StageRun.run("vae-eval", arguments, in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("judge accuracy:") && result.stdout.contains("(\(trained.judge))"), "\(result.stdout)")
    let metrics = try RunMetrics.read(from: trained.run + "/metrics.json")
    let judge = try #require(metrics.judge)
    #expect(judge.checkpoint == trained.judge && judge.generation == nil)

    let clean = try DigitFiles.images(trained.data + "/test-images.idx").scalars
    let corrupted = try DigitFiles.images(testInput).scalars
    let model = try TrainedModel.load(run: trained.run, checkpoint: nil, threads: 1)
    let restored = roundedBytes(model.restore(corrupted[...], count: JudgedRun.testCount))
    for (name, seen, images) in [("clean", judge.clean, clean), ("corrupted", judge.corrupted, corrupted), ("restored", judge.restored, restored)] {
      let expected = try trained.judged(images)
      // Shares of 60 images, counted the same way: equal exactly.
      #expect(seen == expected, "judge.\(name): seen \(String(describing: seen)), expected \(expected)")
    }
    #expect(judge.clean >= 0.9, "the judge should read the clean digits, accuracy \(judge.clean)")

    // vae-render shows the judge's table on the run's page.
    let render = try StageRun.run(
      "vae-render", ["--run", trained.run, "--out", folder.file("render"), "--threads", "1", "--scale", "1"], in: folder.path)
    #expect(render.status == 0, "\(render.stderr)")
    let page = try String(contentsOfFile: folder.file("render/index.html"), encoding: .utf8)
    let percent = RunMetrics.fixed(100 * (judge.restored ?? -1), 2)
    #expect(page.contains("images the judge read") && page.contains("restorations of them") && page.contains(percent), "judge table with \(percent)")

    // The judge is an input of the manifest: unchanged, skipped; rewritten, re-run.
    let again = try StageRun.run("vae-eval", arguments, in: folder.path)
    #expect(again.status == 0 && again.stdout.contains("(skipped)") && again.stdout.contains("judge accuracy:"), "\(again.stdout)")
    try Files.write(try Files.read(trained.judge), to: trained.judge)
    let touched = try StageRun.run("vae-eval", arguments, in: folder.path)
    #expect(touched.status == 0 && !touched.stdout.contains("(skipped)"), "a rewritten judge re-runs: \(touched.stdout)")
    // Without --judge the record differs too, and metrics.json has no judge.
    let plain = try StageRun.run("vae-eval", ["--run", trained.run], in: folder.path)
    #expect(plain.status == 0 && !plain.stdout.contains("(skipped)") && !plain.stdout.contains("judge accuracy"), "\(plain.stdout)")
    #expect(try RunMetrics.read(from: trained.run + "/metrics.json").judge == nil)
  }

  @Test func cvaeGenerationIsJudgedPerLabelFromItsOwnStream() throws {
    let folder = try TemporaryFolder("evaljudgecvae")
    defer { folder.remove() }
    let trained = try JudgedRun.make(in: folder, kind: .cvae)
    let result = try StageRun.run(
      "vae-eval", ["--run", trained.run, "--judge", trained.judge, "--judge-samples", "30", "--seed", "3"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("judge on cvae samples:") && result.stdout.contains("per digit: 0 "), "\(result.stdout)")
    let judge = try #require(try RunMetrics.read(from: trained.run + "/metrics.json").judge)
    let generation = try #require(judge.generation)
    #expect(generation.samplesPerLabel == 30 && generation.perLabel.count == 10)
    #expect(judge.corrupted == nil && judge.restored == nil, "a cvae without corrupted input has no restorations")
    #expect(try trained.judged(try DigitFiles.images(trained.data + "/test-images.idx").scalars) == judge.clean)

    // The same draw here: 300 codes from Xoshiro256(seed 3, stream 2^43), label k's 30 after label k-1's.
    var generator = Xoshiro256(seed: 3, stream: 1 << 43)
    let model = try TrainedModel.load(run: trained.run, checkpoint: nil, threads: 1)
    var codes = [Float](repeating: 0, count: 300 * model.config.model.latent)
    codes.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
    let labels = (0..<10).flatMap { [UInt8](repeating: UInt8($0), count: 30) }
    let samples = roundedBytes(model.vae.decode(codes, conditions: LabelCondition.oneHot(labels, classes: 10), count: 300))

    // The trained judge reads nearly every sample right, which would hide a wrong draw. A
    // brightness judge spread over these samples' brightness (the 5th to the 95th percentile
    // across answers 0.5 to 8.5) answers differently for nearly every sample, so the shares
    // of its answers pin the samples down.
    let brightness = (0..<300).map { i in Float(samples[i * 784..<(i + 1) * 784].reduce(0) { $0 + Int($1) }) / (784 * 255) }.sorted()
    let (low, high) = (brightness[15], brightness[284])
    let a = 8 / max(high - low, 1e-4)
    let untrained = try trained.brightnessJudge(a: a, b: a * low - 0.5)
    let out = folder.file("brightness/metrics.json")
    let scored = try StageRun.run(
      "vae-eval", ["--run", trained.run, "--judge", untrained, "--judge-samples", "30", "--seed", "3", "--out", out, "--threads", "1"],
      in: folder.path)
    #expect(scored.status == 0, "\(scored.stderr)")
    let seen = try #require(try RunMetrics.read(from: out).judge?.generation)
    #expect(seen.perLabel.filter { $0 > 0 && $0 < 1 }.count >= 2, "the brightness judge should split labels' samples: \(seen.perLabel)")
    let predicted = try Judge.load(untrained).predict(IDXArray(shape: [300, 28, 28], scalars: samples))
    for k in 0..<10 {
      let expected = Double((0..<30).filter { predicted[k * 30 + $0] == UInt8(k) }.count) / 30
      #expect(seen.perLabel[k] == expected, "label \(k): seen \(seen.perLabel[k]), expected \(expected)")
    }
    let mean = seen.perLabel.reduce(0, +) / 10
    #expect(abs(seen.overall - mean) < 1e-15, "overall \(seen.overall) is the mean of the labels' \(mean)")
  }

  @Test func inpaintJudgeScoresTheOccludedAndTheFilledImages() throws {
    let folder = try TemporaryFolder("evaljudgeinpaint")
    defer { folder.remove() }
    let trained = try JudgedRun.make(in: folder, kind: .inpaint)
    let occludedPath = try #require(trained.testInput)
    let result = try StageRun.run(
      "vae-eval", ["--run", trained.run, "--judge", trained.judge, "--test-input", occludedPath], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let judge = try #require(try RunMetrics.read(from: trained.run + "/metrics.json").judge)
    let occluded = try DigitFiles.images(occludedPath).scalars
    let masks = try DigitFiles.images(folder.file("corrupt-test/mask.idx")).scalars
    let model = try TrainedModel.load(run: trained.run, checkpoint: nil, threads: 1)
    // The filled image: the decoder's output at z = 0 in the hole, the observed bytes elsewhere.
    let decoded = model.vae.decode(
      [Float](repeating: 0, count: JudgedRun.testCount * model.config.model.latent),
      conditions: InpaintCondition.conditions(occluded: occluded[...], masks: masks[...], count: JudgedRun.testCount),
      count: JudgedRun.testCount)
    let filled = zip(roundedBytes(decoded), zip(occluded, masks)).map { $1.1 == 1 ? $1.0 : $0 }
    #expect(judge.corrupted == (try trained.judged(occluded)), "judge.corrupted \(String(describing: judge.corrupted))")
    #expect(judge.restored == (try trained.judged(filled)), "judge.restored \(String(describing: judge.restored))")
    // The trained judge may read occluded and filled digits alike; an untrained one tells them apart.
    let untrained = try trained.untrainedJudge(seed: 7)
    let out = folder.file("untrained/metrics.json")
    let scored = try StageRun.run(
      "vae-eval", ["--run", trained.run, "--judge", untrained, "--test-input", occludedPath, "--out", out], in: folder.path)
    #expect(scored.status == 0, "\(scored.stderr)")
    let seen = try #require(try RunMetrics.read(from: out).judge)
    let expected = (corrupted: try trained.judged(occluded, by: untrained), restored: try trained.judged(filled, by: untrained))
    #expect(expected.corrupted != expected.restored, "the untrained judge should score the two sets apart: \(expected)")
    #expect(seen.corrupted == expected.corrupted && seen.restored == expected.restored, "seen \(seen), expected \(expected)")
  }

  // MARK: - Bad input

  @Test func badJudgesAndCheckpointsAreOneLine() throws {
    let folder = try TemporaryFolder("evaljudgebad")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, denoising: false, epochs: 1)
    let vae = try newestCheckpoint(trained.run)
    // A VAE checkpoint given as the judge.
    let asJudge = try StageRun.run("vae-eval", ["--run", trained.run, "--judge", vae], in: folder.path)
    StageRun.expectOneLineFailure(asJudge, naming: vae, ["is a VAE checkpoint", "not a judge classifier"])
    // A judge given as the checkpoint to evaluate.
    var config = ClassifierConfig()
    config.hidden = [8]
    let judge = folder.file("judge.safetensors")
    try Judge.file(of: try Classifier(config: config, maxBatch: 4), dataset: .mnist).write(to: judge)
    let asModel = try StageRun.run("vae-eval", ["--checkpoint", judge, "--run", trained.run], in: folder.path)
    StageRun.expectOneLineFailure(asModel, naming: judge, ["is a judge classifier", "not a VAE"])
    // A judge of 100-pixel images.
    config.inputs = 100
    let small = folder.file("judge-100.safetensors")
    try Judge.file(of: try Classifier(config: config, maxBatch: 4), dataset: .mnist).write(to: small)
    let wrongSize = try StageRun.run("vae-eval", ["--run", trained.run, "--judge", small], in: folder.path)
    StageRun.expectOneLineFailure(wrongSize, naming: small, ["100 pixels", "784"])
    // No such file.
    let missing = folder.file("no-judge.safetensors")
    let absent = try StageRun.run("vae-eval", ["--run", trained.run, "--judge", missing], in: folder.path)
    StageRun.expectOneLineFailure(absent, naming: missing, ["vae-classify"])
    // None of them left a metrics file behind.
    #expect(!Files.exists(trained.run + "/metrics.json"))
  }

  @Test(arguments: [
    (["--judge-samples", "10"], "--judge-samples needs --judge"),
    (["--judge", "j.safetensors", "--judge-samples", "0"], "--judge-samples must be 1...100000"),
  ])
  func badJudgeOptionsAreUsageErrors(arguments: [String], message: String) throws {
    let folder = try TemporaryFolder("evaljudgeusage")
    defer { folder.remove() }
    let result = try StageRun.run("vae-eval", arguments, in: folder.path)
    #expect(result.status == 64, "status \(result.status): \(result.stderr)")
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }
}
