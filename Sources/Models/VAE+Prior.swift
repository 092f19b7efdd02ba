import Compute

// Legend (as in VAE.swift): B = images in the batch, C = condition width, Z = latent units,
// Pi = width of the prior network's hidden layer i (VAEConfig.priorHidden).

extension VAEConfig {
  /// The prior network's hidden widths: the model's own, or the bench model's (400) when it
  /// has none (a conv model whose heads read the features directly).
  public var priorHidden: [Int] { hidden.isEmpty ? VAEConfig.bench.hidden : hidden }
}

/// The prior network p(z | c) of a learned prior (Sohn et al., 2015) and the GSNN pass.
extension VAE {
  /// The prior network on `condition` [B, C]: muP [B, Z] and logVarP [B, Z]. Draws the dropout
  /// masks of its hidden layers when training.
  func forwardPrior(condition: UnsafePointer<Float>, count: Int, training: Bool, generator: inout Xoshiro256) {
    guard let priorMuHead, let priorLogVarHead else { return }
    let h = forwardHidden(priorLayers, input: condition, count: count, training: training, generator: &generator)
    forwardHeads(h, priorMuHead, priorLogVarHead, mu: muP, logVar: logVarP, count: count)
  }

  /// From dmuP and dlogVarP back through the prior network's heads and layers to its weights
  /// (the condition is data: no input gradient).
  func backwardPrior(condition: UnsafePointer<Float>, count: Int) {
    guard let priorMuHead, let priorLogVarHead, let top = priorLayers.last else { return }
    let h = UnsafePointer(top.result(training: true))
    backwardHeads(h, priorMuHead, priorLogVarHead, dmu: dmuP, dlogVar: dlogVarP, count: count)
    headsInputGrad(priorMuHead, priorLogVarHead, dmu: dmuP, dlogVar: dlogVarP, into: top.grad.pointer, count: count)
    backwardHidden(priorLayers, input: condition, inputGrad: nil, count: count)
  }

  /// The GSNN pass of a step whose encoder and prior network have run: z_p = muP + sigmaP epsP
  /// (epsP drawn now), decoded, scored against `target` with gradients scaled by `scale`, and
  /// back-propagated to the decoder and the prior network. All gradients are zeroed first, so
  /// the encoder's stay 0; the result is kept in ``savedGrads`` for ``addSavedGrads()``.
  /// Returns the pass's loss summed over the batch.
  func gsnnGradients(
    target: UnsafePointer<Float>, condition: UnsafePointer<Float>, observed: UnsafePointer<Float>?, count: Int,
    scale: Float, generator: inout Xoshiro256
  ) -> Double {
    let size = count * config.latent
    parameters.grads.fill(0)
    generator.fillNormal(UnsafeMutableBufferPointer(start: epsP.pointer, count: size))
    // sigmaP and z_p as the encoder's sample is drawn (the KL to N(0, I) it returns is not needed).
    _ = GaussianKL.forward(mu: muP.pointer, logVar: logVarP.pointer, eps: epsP.pointer, sigma: sigmaP.pointer, z: z.pointer, count: size)
    let (eps, sigma) = (UnsafePointer(epsP.pointer), UnsafePointer(sigmaP.pointer))
    decodeLogits(condition: condition, count: count, training: true, generator: &generator)
    let loss = reconstructionLoss(target: target, observed: observed, count: count, scale: scale)
    backwardDecoder(count: count)
    // z_p = muP + sigmaP epsP: dmuP = dz, dlogVarP = dz epsP sigmaP / 2.
    let (dz, dmuP, dlogVarP) = (dz.pointer, dmuP.pointer, dlogVarP.pointer)
    for i in 0..<size {
      dmuP[i] = dz[i]
      dlogVarP[i] = dz[i] * eps[i] * sigma[i] * 0.5
    }
    backwardPrior(condition: condition, count: count)
    savedGrads.pointer.update(from: parameters.grads.pointer, count: parameters.count)
    return loss
  }

  /// z = mu + sigma eps again (the GSNN pass wrote z_p into z).
  func restoreSample(count: Int) {
    let (mu, sigma, eps, z) = (mu.pointer, sigma.pointer, eps.pointer, z.pointer)
    for i in 0..<count * config.latent { z[i] = mu[i] + sigma[i] * eps[i] }
  }

  /// Adds the GSNN pass's gradients to the ELBO pass's.
  func addSavedGrads() {
    let (g, saved) = (parameters.grads.pointer, UnsafePointer(savedGrads.pointer))
    for i in 0..<parameters.count { g[i] += saved[i] }
  }

  /// The prior p(z | c) of `count` conditions [count, C]: muP and logVarP, each [count, Z].
  /// N(0, I) (zeros) for a standard prior; for ``Prior/none``, whose code is always 0, a point
  /// mass at 0 (logVarP = -infinity, so muP + sigmaP eps is 0 for every draw).
  public func prior(conditions: [Float], count: Int) -> (mu: [Float], logVar: [Float]) {
    checkConditions(conditions, count: count)
    let (zSize, c) = (config.latent, config.condition)
    var muOut = [Float](repeating: 0, count: count * zSize)
    var logVarOut = [Float](repeating: config.prior == .none ? -.infinity : 0, count: count * zSize)
    guard config.prior == .learned else { return (muOut, logVarOut) }
    var unused = Xoshiro256(seed: 0)
    withBases(conditions, &muOut, &logVarOut) { conditions, muOut, logVarOut in
      forEachBatch(count) { start, b in
        forwardPrior(condition: conditions + start * c, count: b, training: false, generator: &unused)
        (muOut + start * zSize).update(from: muP.pointer, count: b * zSize)
        (logVarOut + start * zSize).update(from: logVarP.pointer, count: b * zSize)
      }
    }
    return (muOut, logVarOut)
  }
}
