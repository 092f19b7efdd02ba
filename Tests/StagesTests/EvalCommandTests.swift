import Checkpoints
import Compute
import Foundation
import Runs
import Stages
import Testing
import TestSupport

/// numpy's view of a run's denoising scores, computed from the IDX files and the
/// checkpoint alone: PSNR per image capped at 100 dB, the 3x3 median with
/// replicated edges, and decode(mu(x)) with ReLU layers in float64.
private let numpyScores = #"""
  import json, struct, sys, numpy as np

  def idx(path):
      raw = open(path, "rb").read()
      rank = raw[3]
      shape = struct.unpack(">%dI" % rank, raw[4:4 + 4 * rank])
      return np.frombuffer(raw[4 + 4 * rank:], dtype=np.uint8).reshape(shape)

  def score(images, clean):
      mse = ((images.astype(np.float64) - clean / 255.0) ** 2).reshape(len(clean), -1).mean(axis=1)
      with np.errstate(divide="ignore"):
          psnr = np.minimum(100.0, np.where(mse > 0, -10 * np.log10(mse), 100.0))
      return {"mse": float(mse.mean()), "psnr": float(psnr.mean())}

  def median3x3(images):
      padded = np.pad(images, ((0, 0), (1, 1), (1, 1)), mode="edge")
      h, w = images.shape[1:]
      windows = [padded[:, dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)]
      return np.median(np.stack(windows), axis=0)

  def tensors(path):
      raw = open(path, "rb").read()
      n = struct.unpack("<Q", raw[:8])[0]
      header = json.loads(raw[8:8 + n]); body = raw[8 + n:]
      def t(name):
          b, e = header[name]["data_offsets"]
          return np.frombuffer(body[b:e], dtype="<f4").reshape(header[name]["shape"]).astype(np.float64)
      return header, t

  clean = idx(sys.argv[1]).astype(np.float64)
  noisy = idx(sys.argv[2]).astype(np.float64)
  header, t = tensors(sys.argv[3])
  relu = lambda v: np.maximum(v, 0)
  h = (noisy / 255.0).reshape(len(noisy), -1)
  i = 0
  while "encoder.%d.weight" % i in header:
      h = relu(h @ t("encoder.%d.weight" % i) + t("encoder.%d.bias" % i)); i += 1
  h = h @ t("encoder.mu.weight") + t("encoder.mu.bias")
  i = 0
  while "decoder.%d.weight" % i in header:
      h = relu(h @ t("decoder.%d.weight" % i) + t("decoder.%d.bias" % i)); i += 1
  restored = 1 / (1 + np.exp(-(h @ t("decoder.out.weight") + t("decoder.out.bias"))))
  print(json.dumps({
      "corrupted": score(noisy / 255.0, clean),
      "median3x3": score(median3x3(noisy) / 255.0, clean),
      "restored": score(restored.reshape(noisy.shape), clean),
  }))
  """#

/// |seen - expected| <= tolerance * |expected|, with both in the message.
private func expectRelative(_ seen: Double, _ expected: Double, _ tolerance: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(
    abs(seen - expected) <= tolerance * abs(expected),
    "\(what): seen \(seen), expected \(expected), relative tolerance \(tolerance)", sourceLocation: sourceLocation)
}

@Suite struct EvalCommandTests {
  // (The numbers by hand, median filter and PSNR, are in MetricsTests.)

  // MARK: - End to end

  @Test func evaluatesADenoisingRunAndAgreesWithNumpy() throws {
    let folder = try TemporaryFolder("eval")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder)
    let testInput = try #require(trained.testInput)
    let result = try StageRun.run("vae-eval", ["--run", trained.run, "--threads", "2"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.isEmpty, "\(result.stderr)")
    for fragment in ["ELBO, clean test images", "restored vs clean", "median 3x3", "wrote \(trained.run)/metrics.json"] {
      #expect(result.stdout.contains(fragment), "stdout should mention \(fragment): \(result.stdout)")
    }

    let text = try String(contentsOfFile: trained.run + "/metrics.json", encoding: .utf8)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    let checkpoint = try newestCheckpoint(trained.run)
    #expect(json["checkpoint"] as? String == checkpoint)
    #expect(json["test_images"] as? Int == TrainedRun.testCount)
    #expect(json["test_input"] as? String == testInput)
    #expect(json["corruption"] as? String == "gaussian noise, sigma 0.5", "from spec.json beside the test input")
    #expect(json["epoch"] as? Int == 2 && json["step"] as? Int == 38)
    func number(_ path: String...) -> Double? {
      var node: Any? = json
      for key in path { node = (node as? [String: Any])?[key] }
      return (node as? NSNumber)?.doubleValue
    }
    for path in [["elbo", "total"], ["elbo", "recon"], ["elbo", "kl"], ["seconds"]]
      + ["restored", "corrupted", "median3x3"].flatMap({ [["denoise", $0, "mse"], ["denoise", $0, "psnr"]] })
      + ["total", "recon", "kl"].map({ ["denoise", "elbo_corrupted_input", $0] })
    {
      let value = number(path[0], path.count > 1 ? path[1] : "", path.count > 2 ? path[2] : "")
        ?? number(path[0], path.count > 1 ? path[1] : "") ?? number(path[0])
      #expect(value?.isFinite == true, "\(path.joined(separator: ".")) should be a finite number, found \(String(describing: value))")
    }
    for name in ["restored", "corrupted", "median3x3"] {
      let ssim = number("denoise", name, "ssim")
      #expect(ssim.map { $0 > -1 && $0 <= 1 } == true, "denoise.\(name).ssim should lie in (-1, 1], found \(String(describing: ssim))")
    }
    let elbo = try #require(number("elbo", "total")), recon = try #require(number("elbo", "recon")), kl = try #require(number("elbo", "kl"))
    #expect(abs(elbo - recon - kl) < 1e-9 * abs(elbo), "total = recon + KL: \(elbo) vs \(recon) + \(kl)")

    // The run's log measured the last test loss the same way (corrupted input, clean target,
    // eps from the training seed), through Trainer.evaluate: the figures must agree to the log's 4 decimals.
    let logged = try #require(try TrainingLog.read(from: trained.run + "/log.csv").rows.last).test.total
    let corruptedELBO = try #require(number("denoise", "elbo_corrupted_input", "total"))
    #expect(abs(corruptedELBO - logged) < 1e-3, "ELBO of the corrupted input \(corruptedELBO) vs the log's last test loss \(logged)")

    let output = try ProcessRunner.python(numpyScores, [trained.data + "/test-images.idx", testInput, checkpoint])
    let numpy = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [String: Double]])
    for name in ["corrupted", "median3x3"] {
      for key in ["mse", "psnr"] {
        expectRelative(try #require(number("denoise", name, key)), try #require(numpy[name]?[key]), 1e-6, "\(name) \(key)")
      }
    }
    // The restoration goes through float32 GEMMs here and float64 in numpy.
    for key in ["mse", "psnr"] {
      expectRelative(try #require(number("denoise", "restored", key)), try #require(numpy["restored"]?[key]), 1e-4, "restored \(key)")
    }
  }

  @Test func aSecondRunIsSkippedUntilAnInputOrOptionChanges() throws {
    let folder = try TemporaryFolder("evalskip")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, epochs: 1)
    let out = folder.file("scores/m.json")
    let first = try StageRun.run("vae-eval", ["--run", trained.run, "--out", out], in: folder.path)
    #expect(first.status == 0, "\(first.stderr)")
    let written = try Files.read(out)
    let again = try StageRun.run("vae-eval", ["--run", trained.run, "--out", out], in: folder.path)
    #expect(again.status == 0 && again.stdout.contains("(skipped)"), "\(again.stdout)")
    #expect(again.stdout.contains("restored vs clean"), "a skipped run still prints the metrics: \(again.stdout)")
    #expect(try Files.read(out) == written)

    let seed = try StageRun.run("vae-eval", ["--run", trained.run, "--out", out, "--seed", "5"], in: folder.path)
    #expect(seed.status == 0 && !seed.stdout.contains("(skipped)"), "another seed re-runs: \(seed.stdout)")
    // Rewriting the corrupted test images (same bytes, new time) makes the metrics stale too.
    let testInput = try #require(trained.testInput)
    try Files.write(try Files.read(testInput), to: testInput)
    let touched = try StageRun.run("vae-eval", ["--run", trained.run, "--out", out, "--seed", "5"], in: folder.path)
    #expect(touched.status == 0 && !touched.stdout.contains("(skipped)"), "a rewritten input re-runs: \(touched.stdout)")
  }

  @Test func aCleanRunHasNoDenoisingPart() throws {
    let folder = try TemporaryFolder("evalclean")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, denoising: false, epochs: 1)
    // Given only a checkpoint inside a run, the run (and so the default --out) is the one holding it.
    let result = try StageRun.run("vae-eval", ["--checkpoint", try newestCheckpoint(trained.run)], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let metrics = try RunMetrics.read(from: trained.run + "/metrics.json")
    #expect(metrics.denoise == nil && metrics.testInput == nil && metrics.elbo.isFinite)
    #expect(!result.stdout.contains("restored"))
  }

  @Test func aCorruptNewestCheckpointIsSkippedWithAWarning() throws {
    let folder = try TemporaryFolder("evalrejected")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, denoising: false, epochs: 2)
    let checkpoints = try CheckpointFolder(path: trained.run + "/checkpoints").list()
    #expect(checkpoints.map(\.step) == [19, 38], "one checkpoint per epoch of 19 steps")
    let newest = checkpoints[1].path
    var bytes = try Files.read(newest)
    bytes[bytes.count - 100] ^= 0x10
    try Files.write(bytes, to: newest)
    let result = try StageRun.run("vae-eval", ["--run", trained.run], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("vae-eval: warning: skipping \(newest)") && result.stderr.contains("CRC-32"), "\(result.stdout)")
    let metrics = try RunMetrics.read(from: trained.run + "/metrics.json")
    #expect(metrics.checkpoint == checkpoints[0].path && metrics.epoch == 1 && metrics.step == 19)
  }

  // MARK: - Bad input

  @Test func aMissingRunFolderIsOneLine() throws {
    let folder = try TemporaryFolder("evalnorun")
    defer { folder.remove() }
    let missing = folder.file("no-such-run")
    StageRun.expectOneLineFailure(try StageRun.run("vae-eval", ["--run", missing], in: folder.path), naming: missing, ["no such run folder"])
  }

  @Test func aMissingCheckpointFileIsOneLine() throws {
    let folder = try TemporaryFolder("evalnockpt")
    defer { folder.remove() }
    let missing = folder.file("step-00000001.safetensors")
    StageRun.expectOneLineFailure(
      try StageRun.run("vae-eval", ["--checkpoint", missing, "--run", folder.path], in: folder.path), naming: missing)
  }

  @Test func aModelOfAnotherImageSizeIsOneLineNamingTheFiles() throws {
    let folder = try TemporaryFolder("evalsize")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 20, test: 20)
    let checkpoint = try makeHundredPixelCheckpoint(in: folder, data: data)
    let result = try StageRun.run("vae-eval", ["--checkpoint", checkpoint, "--run", folder.file("r")], in: folder.path)
    StageRun.expectOneLineFailure(result, naming: data + "/test-images.idx", [checkpoint, "784 pixels", "trained on 100"])
  }

  @Test func corruptedImagesOfAnotherCountAreOneLineNamingTheFile() throws {
    let folder = try TemporaryFolder("evalcount")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, denoising: false, epochs: 1)
    let short = folder.file("short.idx")
    try Files.write(SyntheticIDX.images(count: TrainedRun.testCount - 1), to: short)
    let result = try StageRun.run("vae-eval", ["--run", trained.run, "--test-input", short], in: folder.path)
    StageRun.expectOneLineFailure(result, naming: short, ["99x28x28", "100x28x28"])
  }

  @Test func aBadThreadCountIsAUsageError() throws {
    let folder = try TemporaryFolder("evalthreads")
    defer { folder.remove() }
    let result = try StageRun.run("vae-eval", ["--threads", "0"], in: folder.path)
    #expect(result.status == 64 && result.stderr.contains("--threads must be 1...256"), "\(result.status) \(result.stderr)")
  }

  /// The flags only an inpaint model uses are refused for the other kinds, in one line, before any work.
  @Test func occlusionFlagsOnAPlainRunAreOneLine() throws {
    let folder = try TemporaryFolder("evalocclusion")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, epochs: 1)
    let one = try StageRun.run("vae-eval", ["--run", trained.run, "--fill-draws", "3"], in: folder.path)
    StageRun.expectOneLineFailure(one, naming: trained.run, ["--fill-draws applies to inpaint models", "this is a vae model; drop --fill-draws"])
    let two = try StageRun.run("vae-eval", ["--run", trained.run, "--nll-samples", "5", "--compare-run", trained.run], in: folder.path)
    StageRun.expectOneLineFailure(two, naming: trained.run, ["--compare-run, --nll-samples apply to inpaint models", "drop them"])
    #expect(!Files.exists(trained.run + "/metrics.json"), "nothing written")
  }
}
