import Compute

// Legend: B = rows in the batch, Z = latent units; every buffer here is [B, Z], flat.
//   q = N(mu, sigma^2): the recognition network's posterior q(z | x, c)
//   p = N(muP, sigmaP^2): the prior network's p(z | c) (Sohn et al., 2015)

extension GaussianKL {
  /// The KL between two diagonal Gaussians, summed over `count` elements:
  ///
  ///     KL(q || p) = 1/2 sum( logVarP - logVar + (sigma^2 + (mu - muP)^2) / sigmaP^2 - 1 )
  ///
  /// and, as ``forward(mu:logVar:eps:sigma:z:count:)`` does, sigma = exp(logVar / 2) and the
  /// reparameterised sample z = mu + sigma * eps. With muP = 0 and logVarP = 0 this is the
  /// KL to N(0, I) of that function (the same figure, computed another way).
  public static func forward(
    mu: UnsafePointer<Float>, logVar: UnsafePointer<Float>, muP: UnsafePointer<Float>, logVarP: UnsafePointer<Float>,
    eps: UnsafePointer<Float>, sigma: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>, count: Int
  ) -> Double {
    var klSum = Vector()
    strideVectors(count) { i, width in
      let m = load(mu + i, width)
      let lv = load(logVar + i, width)
      let mp = load(muP + i, width)
      let lvp = load(logVarP + i, width)
      let s = VectorMath.exp(0.5 * lv)
      store(s, sigma + i, width)
      store(m + s * load(eps + i, width), z + i, width)
      let d = m - mp
      // Unused tail lanes are 0 everywhere: their term 0 - 0 + (1 + 0) / 1 - 1 is 0.
      klSum += lvp - lv + (s * s + d * d) * VectorMath.exp(-lvp) - 1
    }
    return 0.5 * laneSum(klSum)
  }

  /// The gradients of `L(z) + klWeight * KL(q || p)` with respect to all four inputs:
  ///
  ///     dmu      = dz + w (mu - muP) / sigmaP^2
  ///     dlogVar  = dz eps sigma / 2 + w (sigma^2 / sigmaP^2 - 1) / 2
  ///     dmuP     = -w (mu - muP) / sigmaP^2
  ///     dlogVarP = w (1 - (sigma^2 + (mu - muP)^2) / sigmaP^2) / 2
  ///
  /// `dz` (dL/dz) may be nil for a zero upstream gradient; `sigma` is the forward pass's.
  public static func backward(
    mu: UnsafePointer<Float>, muP: UnsafePointer<Float>, logVarP: UnsafePointer<Float>, eps: UnsafePointer<Float>,
    sigma: UnsafePointer<Float>, dz: UnsafePointer<Float>?, klWeight: Float,
    dmu: UnsafeMutablePointer<Float>, dlogVar: UnsafeMutablePointer<Float>,
    dmuP: UnsafeMutablePointer<Float>, dlogVarP: UnsafeMutablePointer<Float>, count: Int
  ) {
    strideVectors(count) { i, width in
      let s = load(sigma + i, width)
      let g = dz.map { load($0 + i, width) } ?? Vector()
      let d = load(mu + i, width) - load(muP + i, width)
      let inverseVarP = VectorMath.exp(-load(logVarP + i, width))
      let pull = klWeight * d * inverseVarP
      store(g + pull, dmu + i, width)
      store(g * load(eps + i, width) * s * 0.5 + klWeight * 0.5 * (s * s * inverseVarP - 1), dlogVar + i, width)
      store(-pull, dmuP + i, width)
      store(klWeight * 0.5 * (1 - (s * s + d * d) * inverseVarP), dlogVarP + i, width)
    }
  }
}
