import Compute
import Foundation
import Runs
import Stages
import Testing
import TestSupport

/// numpy's importance-weighted bound, in float64 from the checkpoint's weights, the
/// test images and the eps Swift drew (float32 [count, k, Z]): mean over images of
/// logsumexp_j(log p(x|z_j) + log N(z_j; 0, I) - log N(z_j; mu, sigma^2)) - log k.
private let numpyBound = #"""
  import json, struct, sys, numpy as np

  def idx(path):
      raw = open(path, "rb").read()
      rank = raw[3]
      shape = struct.unpack(">%dI" % rank, raw[4:4 + 4 * rank])
      return np.frombuffer(raw[4 + 4 * rank:], dtype=np.uint8).reshape(shape)

  raw = open(sys.argv[2], "rb").read()
  n = struct.unpack("<Q", raw[:8])[0]
  header = json.loads(raw[8:8 + n]); body = raw[8 + n:]
  def t(name):
      b, e = header[name]["data_offsets"]
      return np.frombuffer(body[b:e], dtype="<f4").reshape(header[name]["shape"]).astype(np.float64)
  count, k = int(sys.argv[4]), int(sys.argv[5])
  x = idx(sys.argv[1])[:count].reshape(count, -1).astype(np.float64) / 255.0
  # A cvae (labels file given): the one-hot label beside x at the encoder and beside z at the decoder.
  onehot = np.eye(10)[idx(sys.argv[6])[:count]] if len(sys.argv) > 6 else np.zeros((count, 0))
  relu = lambda v: np.maximum(v, 0)
  h = np.hstack([x, onehot]); i = 0
  while "encoder.%d.weight" % i in header:
      h = relu(h @ t("encoder.%d.weight" % i) + t("encoder.%d.bias" % i)); i += 1
  mu = h @ t("encoder.mu.weight") + t("encoder.mu.bias")
  logvar = h @ t("encoder.logvar.weight") + t("encoder.logvar.bias")
  zsize = mu.shape[1]
  eps = np.fromfile(sys.argv[3], dtype="<f4").astype(np.float64).reshape(count, k, zsize)
  z = mu[:, None, :] + np.exp(0.5 * logvar)[:, None, :] * eps
  h = np.hstack([z.reshape(count * k, zsize), np.repeat(onehot, k, axis=0)]); i = 0
  while "decoder.%d.weight" % i in header:
      h = relu(h @ t("decoder.%d.weight" % i) + t("decoder.%d.bias" % i)); i += 1
  logits = (h @ t("decoder.out.weight") + t("decoder.out.bias")).reshape(count, k, -1)
  target = x[:, None, :]
  logp = -(np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits)))).sum(axis=2)
  logprior = -0.5 * (z ** 2).sum(axis=2) - 0.5 * zsize * np.log(2 * np.pi)
  logq = -0.5 * (eps ** 2).sum(axis=2) - 0.5 * logvar.sum(axis=1)[:, None] - 0.5 * zsize * np.log(2 * np.pi)
  logw = logp + logprior - logq
  top = logw.max(axis=1)
  bound = top + np.log(np.exp(logw - top[:, None]).sum(axis=1)) - np.log(k)
  print(json.dumps({"bound": float(bound.mean())}))
  """#

@Suite struct ImportanceWeightedTests {
  /// A clean run of the tiny model (784-8-2) on synthetic digits, trained by vae-train.
  static func tinyRun(in folder: TemporaryFolder, model: String = "vae", epochs: Int = 3) throws -> (data: String, run: String) {
    let data = try makeDataFolder(in: folder, train: 600, test: 100)
    let run = folder.file("run")
    let trained = try StageRun.run(
      "vae-train",
      ["--data", data, "--run", run, "--epochs", String(epochs), "--model", model, "--hidden", "8", "--latent", "2",
       "--batch", "32", "--threads", "1"],
      in: folder.path)
    #expect(trained.status == 0, "\(trained.stderr)")
    return (data, run)
  }

  static func testImages(_ data: String) throws -> [UInt8] {
    try idxPayload(data + "/test-images.idx").bytes
  }

  /// Same eps on both sides: Swift's stream written to a file, numpy reads it. The
  /// float32 GEMMs of Swift against numpy's float64 agree to 1e-6 relative on this model.
  /// A cvae's bound is of log p(x | y): its encoder and decoder see the one-hot label.
  @Test(arguments: ["vae", "cvae"]) func agreesWithNumpyGivenTheSameEps(_ kind: String) throws {
    let folder = try TemporaryFolder("iwnumpy")
    defer { folder.remove() }
    let (data, run) = try Self.tinyRun(in: folder, model: kind)
    let model = try TrainedModel.load(run: run, checkpoint: nil, threads: 2)
    let (count, k, seed) = (20, 300, UInt64(9))
    let images = try Self.testImages(data)
    let labels = kind == "cvae" ? try idxPayload(data + "/test-labels.idx").bytes : nil
    // k x count = 6000 rows: more than one pass (4000 rows), so the chunking is exercised.
    let bound = model.importanceWeightedBound(images: images[...], labels: labels?[...], count: count, samples: k, seed: seed)

    var generator = Xoshiro256(seed: seed, stream: TrainedModel.importanceStream)
    var eps = [Float](repeating: 0, count: count * k * model.config.model.latent)
    eps.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
    let epsPath = folder.file("eps.f32")
    try eps.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: epsPath)) }

    let output = try ProcessRunner.python(
      numpyBound,
      [data + "/test-images.idx", try newestCheckpoint(run), epsPath, String(count), String(k)]
        + (kind == "cvae" ? [data + "/test-labels.idx"] : []))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Double])
    let expected = try #require(json["bound"])
    print("\(kind) IW bound k = \(k) over \(count) images: Swift \(bound), numpy \(expected)")
    #expect(abs(bound - expected) <= 1e-6 * abs(expected), "IW bound: seen \(bound), numpy \(expected), relative tolerance 1e-6")
    // The rows are scored on two threads here; one thread gives the same bits.
    let single = try TrainedModel.load(run: run, checkpoint: nil, threads: 1)
    let again = single.importanceWeightedBound(images: images[...], labels: labels?[...], count: count, samples: k, seed: seed)
    #expect(again == bound, "1 thread \(again) vs 2 threads \(bound)")
  }

  /// On a trained model the bound tightens with k: k = 1 is a single-sample ELBO (its
  /// mean is the ELBO up to sampling noise), and k = 200 lies clearly above both.
  @Test func tightensWithKAndLiesAboveTheELBO() throws {
    let folder = try TemporaryFolder("iwk")
    defer { folder.remove() }
    let (data, run) = try Self.tinyRun(in: folder)
    let model = try TrainedModel.load(run: run, checkpoint: nil, threads: 1)
    let images = try Self.testImages(data)
    let count = 100
    let elbo = -model.elbo(inputs: images, count: count, seed: 3).total
    let bounds = [1, 10, 200].map { model.importanceWeightedBound(images: images[...], count: count, samples: $0, seed: 3) }
    print("ELBO \(elbo), IW bounds k = 1, 10, 200: \(bounds)")
    // The sampled k = 1 bound's mean over 100 images is within a nat of the analytic-KL ELBO here.
    #expect(abs(bounds[0] - elbo) < 1, "k = 1: seen \(bounds[0]), ELBO \(elbo), tolerance 1 nat")
    #expect(bounds[1] > bounds[0] && bounds[2] > bounds[1], "bounds should grow with k = 1, 10, 200: \(bounds)")
    #expect(bounds[2] > elbo, "k = 200 bound \(bounds[2]) should exceed the ELBO \(elbo)")
    // Same seed, same numbers; chunking is fixed by k, so this is bitwise.
    let again = model.importanceWeightedBound(images: images[...], count: count, samples: 10, seed: 3)
    #expect(again == bounds[1], "same seed: \(again) vs \(bounds[1])")
  }

  @Test func vaeEvalWritesTheBoundBesideTheELBO() throws {
    let folder = try TemporaryFolder("iweval")
    defer { folder.remove() }
    let (_, run) = try Self.tinyRun(in: folder, epochs: 1)
    let result = try StageRun.run("vae-eval", ["--run", run, "--iw-samples", "20", "--threads", "1"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("IW bound, clean test images"), "\(result.stdout)")
    let metrics = try RunMetrics.read(from: run + "/metrics.json")
    let nll = try #require(metrics.iwNLL)
    #expect(metrics.iwSamples == 20)
    #expect((metrics.iwSeconds ?? -1) >= 0 && (metrics.iwSeconds ?? .infinity) <= metrics.seconds)
    #expect(nll.isFinite && nll > 0 && nll < metrics.elbo.total + 1, "iw_nll \(nll) vs -ELBO \(metrics.elbo.total)")
    // The option is part of what makes the file up to date: without it, the file is rewritten without the key.
    let plain = try StageRun.run("vae-eval", ["--run", run, "--threads", "1"], in: folder.path)
    #expect(plain.status == 0 && !plain.stdout.contains("(skipped)"), "\(plain.stdout)")
    #expect(try RunMetrics.read(from: run + "/metrics.json").iwNLL == nil)
  }

  /// 10^9 samples grew past 7.7 GB (issue 14): refused up front, naming the limit.
  @Test(arguments: ["0", "-3", "100001", "1000000000"]) func aSampleCountOutsideItsRangeIsAUsageError(_ k: String) throws {
    let folder = try TemporaryFolder("iwbad")
    defer { folder.remove() }
    // "=" so that "-3" is a value, not a flag.
    let result = try StageRun.run("vae-eval", ["--iw-samples=" + k], in: folder.path)
    #expect(
      result.status == 64 && result.stderr.contains("--iw-samples must be 1...100000 (the limit), got \(k)"),
      "\(result.status) \(result.stderr)")
  }

  @Test func anInpaintModelIsRefusedInOneLine() throws {
    let folder = try TemporaryFolder("iwinpaint")
    defer { folder.remove() }
    let (_, run) = try Self.tinyRun(in: folder, model: "inpaint", epochs: 1)
    let result = try StageRun.run("vae-eval", ["--run", run, "--iw-samples", "5"], in: folder.path)
    StageRun.expectOneLineFailure(result, naming: try newestCheckpoint(run), ["--iw-samples needs a vae or cvae", "inpaint"])
  }

  @Test func vaeEvalBoundsACVAEGivenItsLabels() throws {
    let folder = try TemporaryFolder("iwcvae")
    defer { folder.remove() }
    let (_, run) = try Self.tinyRun(in: folder, model: "cvae", epochs: 1)
    let result = try StageRun.run("vae-eval", ["--run", run, "--iw-samples", "20", "--threads", "1"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let metrics = try RunMetrics.read(from: run + "/metrics.json")
    let nll = try #require(metrics.iwNLL)
    #expect(metrics.iwSamples == 20)
    #expect(nll.isFinite && nll > 0 && nll < metrics.elbo.total + 1, "iw_nll \(nll) vs -ELBO \(metrics.elbo.total)")
  }
}
