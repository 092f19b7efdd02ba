import Compute

// Legend: B = rows in the batch, Z = latent units; every buffer here is [B, Z], flat.

/// The reparameterised Gaussian latent of a VAE and its KL term to N(0, I).
///
/// Forward: `sigma = exp(logVar / 2)`, `z = mu + sigma * eps`, and
/// `KL = -1/2 sum(1 + logVar - mu^2 - sigma^2)` (sigma^2 stands for exp(logVar)).
/// Backward, for a loss `L(z) + klWeight * KL`:
/// `dmu = dz + klWeight * mu`, `dlogVar = dz * eps * sigma / 2 + klWeight * (sigma^2 - 1) / 2`.
public enum GaussianKL {
  /// Computes sigma and z, and returns the KL summed over all `count` elements.
  ///
  /// Pass `eps` all zero to use z = mu (a deterministic encoding).
  public static func forward(
    mu: UnsafePointer<Float>, logVar: UnsafePointer<Float>, eps: UnsafePointer<Float>,
    sigma: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>, count: Int
  ) -> Double {
    var klSum = Vector()
    strideVectors(count) { i, width in
      let m = load(mu + i, width)
      let lv = load(logVar + i, width)
      let s = VectorMath.exp(0.5 * lv)
      store(s, sigma + i, width)
      store(m + s * load(eps + i, width), z + i, width)
      // Unused tail lanes are 0 in mu and logVar, so their term 1 + 0 - 0 - 1 is 0.
      klSum += (1 + lv - m * m - s * s)
    }
    return -0.5 * laneSum(klSum)
  }

  /// Writes dmu and dlogVar from dz (dL/dz, may be nil for a zero upstream gradient)
  /// and the KL weight (already scaled as the loss is, e.g. beta / B for a batch mean).
  public static func backward(
    mu: UnsafePointer<Float>, eps: UnsafePointer<Float>, sigma: UnsafePointer<Float>,
    dz: UnsafePointer<Float>?, klWeight: Float,
    dmu: UnsafeMutablePointer<Float>, dlogVar: UnsafeMutablePointer<Float>, count: Int
  ) {
    strideVectors(count) { i, width in
      let s = load(sigma + i, width)
      let g = dz.map { load($0 + i, width) } ?? Vector()
      store(g + klWeight * load(mu + i, width), dmu + i, width)
      store(g * load(eps + i, width) * s * 0.5 + klWeight * 0.5 * (s * s - 1), dlogVar + i, width)
    }
  }
}
