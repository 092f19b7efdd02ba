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
  // MARK: - The numbers, by hand

  /// A 4x4 image whose 3x3 medians (borders replicated) were worked out by hand.
  @Test func medianFilterOnAFourByFourImageByHand() {
    let image: [UInt8] = [
      9, 1, 5, 3,
      2, 8, 4, 7,
      6, 0, 9, 1,
      3, 5, 2, 8,
    ]
    // Top-left: rows {0, 0, 1}, columns {0, 0, 1} -> 9 9 1 / 9 9 1 / 2 2 8 -> sorted 1 1 2 2 [8] 9 9 9 9.
    // Top row, x = 1: 9 1 5 / 9 1 5 / 2 8 4 -> 1 1 2 4 [5] 5 8 9 9.
    // Centre (1, 1): 9 1 5 / 2 8 4 / 6 0 9 -> 0 1 2 4 [5] 6 8 9 9.
    // (2, 1): 1 5 3 / 8 4 7 / 0 9 1 -> 0 1 1 3 [4] 5 7 8 9.
    // Left edge, y = 2: rows 1-3, columns {0, 0, 1} -> 2 2 8 / 6 6 0 / 3 3 5 -> 0 2 2 3 [3] 5 6 6 8.
    // Bottom-right: 9 1 1 / 2 8 8 / 2 8 8 -> 1 1 2 2 [8] 8 8 8 9.
    let expected: [UInt8] = [
      8, 5, 4, 4,
      6, 5, 4, 4,
      3, 4, 5, 7,
      3, 3, 5, 8,
    ]
    let seen = MedianFilter.median3x3(image[...], width: 4, height: 4)
    #expect(seen == expected, "seen \(seen), expected \(expected)")
    // Two copies filtered as a batch on two threads give the same, image by image.
    let batch = MedianFilter.median3x3(images: image + image.reversed(), count: 2, width: 4, height: 4, parallel: Parallel(threads: 2))
    #expect(Array(batch[0..<16]) == expected)
    #expect(Array(batch[16...]) == MedianFilter.median3x3(image.reversed()[...], width: 4, height: 4))
  }

  /// The centre of a 3x3 image is the median of all nine values: checked against sorting.
  @Test func medianOfNineAgreesWithSorting() {
    var generator = Xoshiro256(seed: 11)
    for trial in 0..<5000 {
      // Small ranges give many ties, which selection networks must also get right.
      let range = trial % 2 == 0 ? 4 : 256
      let values = (0..<9).map { _ in UInt8(generator.next() % UInt64(range)) }
      let centre = MedianFilter.median3x3(values[...], width: 3, height: 3)[4]
      #expect(centre == values.sorted()[4], "values \(values)")
    }
  }

  /// MSE and PSNR of hand-picked 4x4 images: one wrong pixel in 16, an exact copy, and flat grey.
  @Test func psnrAndMSEByHand() {
    let clean = [UInt8](repeating: 0, count: 32)
    var images = clean
    images[5] = 255  // image 0: one pixel off by the full range -> MSE 1/16, PSNR 10 log10(16)
    let score = DenoiseScore.measure(images, against: clean, count: 2, size: 16)
    let psnr16 = 12.041199826559248  // 10 * log10(16)
    // Image 1 is exact: MSE 0, PSNR capped at 100.
    #expect(abs(score.mse - 1.0 / 32) < 1e-15, "mse seen \(score.mse), expected \(1.0 / 32)")
    #expect(abs(score.psnr - (psnr16 + 100) / 2) < 1e-12, "psnr seen \(score.psnr), expected \((psnr16 + 100) / 2)")
    let grey = DenoiseScore.measure([Float](repeating: 0.5, count: 16), against: [UInt8](repeating: 0, count: 16), count: 1, size: 16)
    #expect(abs(grey.mse - 0.25) < 1e-15 && abs(grey.psnr - 6.020599913279624) < 1e-12, "seen \(grey), expected MSE 0.25, PSNR 6.0206")
    #expect(DenoiseScore.psnr(mse: 0) == 100 && DenoiseScore.psnr(mse: 1e-30) == 100, "PSNR is capped at 100 dB")
  }

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
    #expect(result.stdout.contains("vae-eval: warning: skipping \(newest)") && result.stdout.contains("CRC-32"), "\(result.stdout)")
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
}
