import Compute
import Foundation
import Metrics
import Models
import Runs
import Testing
import TestSupport

/// -log p(x_hidden | x_observed) of an inpainting model (`inpaint.conditional_nll`) on tiny models.
@Suite struct ConditionalLikelihoodTests {
  /// A tiny inpainting model (D = 4 pixels, latent 1, one tanh layer of 3) with weights scaled up
  /// so that the prior and the posterior differ clearly.
  static func model(prior: Prior) throws -> TrainedModel {
    let config = VAEConfig(inputSize: 4, hidden: [3], latent: 1, activation: .tanh, condition: 8, prior: prior)
    let vae = try VAE(config: config, maxBatch: 64, seed: 7)
    for i in 0..<vae.parameters.count { vae.parameters.values.pointer[i] *= 3 }
    var run = RunConfig(model: config, training: TrainingConfig(), data: "unused")
    run.kind = .inpaint
    return TrainedModel(config: run, vae: vae, path: "tiny")
  }

  /// `count` images of 4 bytes and masks with at least one hidden and one observed pixel.
  static func images(_ count: Int) -> (clean: [UInt8], conditions: [Float]) {
    var g = Xoshiro256(seed: 3)
    var clean = [UInt8](), masks = [UInt8]()
    for i in 0..<count {
      clean += (0..<4).map { _ in UInt8(g.nextInt(below: 256)) }
      var mask = (0..<4).map { _ in UInt8(g.nextInt(below: 2)) }
      mask[i % 4] = 0
      mask[(i + 1) % 4] = 1
      masks += mask
    }
    let occluded = zip(clean, masks).map { $0 * $1 }
    return (clean, InpaintCondition.conditions(occluded: occluded[...], masks: masks[...], count: count))
  }

  /// numpy (float64) integrates p(x_h | z, c) N(z; muP(c), sigmaP(c)^2) over z on a grid of
  /// 200,001 points spanning muP +- 12 sigmaP (the model's latent is 1-D): the exact
  /// -log p(x_h | x_o) per image, averaged.
  static let bruteForce = #"""
    import json, sys, numpy as np
    m = json.load(open(sys.argv[1]))
    t = {k: np.array(v["values"], dtype=np.float64).reshape(v["shape"]) for k, v in m["tensors"].items()}
    x = np.array(m["x"], dtype=np.float64).reshape(-1, 4); c = np.array(m["c"], dtype=np.float64).reshape(-1, 8)
    h = np.tanh(c @ t["prior.0.weight"] + t["prior.0.bias"])
    mup = h @ t["prior.mu.weight"] + t["prior.mu.bias"]; sp = np.exp(0.5 * (h @ t["prior.logvar.weight"] + t["prior.logvar.bias"]))
    total = 0.0
    for i in range(len(x)):
        z = np.linspace(mup[i, 0] - 12 * sp[i, 0], mup[i, 0] + 12 * sp[i, 0], 200001)
        inp = np.hstack([z[:, None], np.repeat(c[i:i + 1], len(z), axis=0)])
        logits = np.tanh(inp @ t["decoder.0.weight"] + t["decoder.0.bias"]) @ t["decoder.out.weight"] + t["decoder.out.bias"]
        hidden = c[i, 4:] == 0
        logp = -(np.logaddexp(0, logits) - logits * x[i])[:, hidden].sum(axis=1)
        logprior = -0.5 * ((z - mup[i, 0]) / sp[i, 0]) ** 2 - np.log(sp[i, 0]) - 0.5 * np.log(2 * np.pi)
        f = logp + logprior; top = f.max()
        integrate = getattr(np, "trapezoid", None) or np.trapz
        total += -(top + np.log(integrate(np.exp(f - top), z)))
    print(json.dumps({"nll": total / len(x)}))
    """#

  /// The importance-weighted estimate reaches numpy's exact value (within 0.01 nats at K = 3000 on
  /// this 1-D latent), and the ELBO and the estimate lie above it.
  @Test func matchesABruteForceIntegralInNumpy() throws {
    let model = try Self.model(prior: .learned)
    // A broad proposal q = N(-1, e^3) for every image, so that K = 3000 importance samples cover the
    // prior's mass (with random weights q can sit far from it, and the estimate would converge slowly).
    let parameters = model.vae.parameters
    for (name, value) in [("encoder.mu.weight", 0), ("encoder.mu.bias", -1), ("encoder.logvar.weight", 0), ("encoder.logvar.bias", 3)] as [(String, Float)] {
      guard let e = parameters.entry(name) else { continue }
      for i in e.offset..<e.offset + e.count { parameters.values.pointer[i] = value }
    }
    let (clean, conditions) = Self.images(6)
    let folder = try TemporaryFolder()
    var tensors: [String: Any] = [:]
    let values = model.vae.parameters.values.array
    for e in model.vae.parameters.entries {
      tensors[e.name] = ["shape": e.shape, "values": values[e.offset..<e.offset + e.count].map(Double.init)]
    }
    let input: [String: Any] = ["tensors": tensors, "x": clean.map { Double($0) / 255 }, "c": conditions.map(Double.init)]
    let path = folder.path + "/model.json"
    try JSONSerialization.data(withJSONObject: input).write(to: URL(fileURLWithPath: path))
    let result = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", Self.bruteForce, path], in: folder.path)
    try #require(result.status == 0, "python3 failed: \(result.stderr)")
    let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Double]
    let exact = try #require(parsed?["nll"])
    let nll = model.conditionalNLL(clean: clean[...], conditions: conditions, count: 6, elboSamples: 10, iwSamples: 3000, seed: 1)
    #expect(abs(nll.iw - exact) < 0.01, "IW (k = 3000) \(nll.iw) vs numpy's exact \(exact) (tolerance 0.01)")
    #expect(nll.iw >= exact - 0.005, "the estimate is an upper bound: \(nll.iw) vs \(exact)")
    #expect(nll.elbo > exact, "ELBO \(nll.elbo) must lie above -log p = \(exact)")
    #expect(nll.elboKL > 0 && abs(nll.elbo - nll.elboRecon - nll.elboKL) < 1e-9)
  }

  /// On a fixed model the estimate tightens as K grows: K = 1 > 10 > 100 (2000 images, one seed),
  /// and K = 1 equals the single-sample ELBO in expectation (here within 2%).
  @Test func estimateDecreasesInK() throws {
    let model = try Self.model(prior: .learned)
    let (clean, conditions) = Self.images(2000)
    let bounds = [1, 10, 100].map {
      model.conditionalNLL(clean: clean[...], conditions: conditions, count: 2000, elboSamples: 10, iwSamples: $0, seed: 5).iw
    }
    #expect(bounds[0] > bounds[1] && bounds[1] > bounds[2], "IW for K = 1, 10, 100: \(bounds)")
    let elbo = model.conditionalNLL(clean: clean[...], conditions: conditions, count: 2000, elboSamples: 10, iwSamples: 1, seed: 5).elbo
    #expect(abs(bounds[0] / elbo - 1) < 0.02, "K = 1: \(bounds[0]) vs ELBO \(elbo)")
  }

  /// A model without a code: both figures are the exact masked BCE at z = 0, by hand in Double.
  @Test func deterministicModelScoresItsMaskedBCE() throws {
    let model = try Self.model(prior: .none)
    let (clean, conditions) = Self.images(5)
    let nll = model.conditionalNLL(clean: clean[...], conditions: conditions, count: 5, elboSamples: 10, iwSamples: 100, seed: 1)
    let logits = model.vae.decodeLogits([Float](repeating: 0, count: 5), conditions: conditions, count: 5)
    var expected = 0.0
    for i in 0..<5 {
      for k in 0..<4 where conditions[i * 8 + 4 + k] == 0 {
        let (x, t) = (Double(logits[i * 4 + k]), Double(clean[i * 4 + k]) / 255)
        expected += max(x, 0) - x * t + log1p(exp(-abs(x)))
      }
    }
    expected /= 5
    #expect(abs(nll.iw - expected) < 1e-4 && abs(nll.elbo - expected) < 1e-4, "expected \(expected), seen IW \(nll.iw) ELBO \(nll.elbo)")
    #expect(nll.elboKL == 0 && nll.iwSamples == 1)
  }
}
