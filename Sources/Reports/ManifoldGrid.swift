import Foundation

/// Where the 2-D latent manifold canvas places its codes: an n x n mesh of z
/// values along each axis, either evenly spaced or at quantiles of N(0, 1).
public enum ManifoldGrid: String, CaseIterable, Sendable {
  /// z = inverseNormalCDF((i + 0.5) / n), i = 0..<n: each cell holds the same
  /// prior mass (for n = 20, from -1.96 to 1.96).
  case quantile
  /// z evenly spaced over [-4, 4], both ends included.
  case linear

  /// The bound of the linear mesh.
  public static let linearBound = 4.0

  /// The n values along one axis, ascending.
  public func values(count n: Int) -> [Double] {
    precondition(n >= 2, "a mesh needs at least two values per axis")
    switch self {
    case .quantile: return (0..<n).map { Self.inverseNormalCDF((Double($0) + 0.5) / Double(n)) }
    case .linear: return (0..<n).map { -Self.linearBound + 2 * Self.linearBound * Double($0) / Double(n - 1) }
    }
  }

  /// The codes [n * n, 2] of the canvas in reading order: rows from top to
  /// bottom have z2 falling (so z2 points up, as on a plot), columns from
  /// left to right have z1 rising.
  public func codes(count n: Int) -> [Float] {
    let v = values(count: n)
    var codes: [Float] = []
    codes.reserveCapacity(n * n * 2)
    for row in 0..<n {
      for column in 0..<n { codes += [Float(v[column]), Float(v[n - 1 - row])] }
    }
    return codes
  }

  /// A sentence saying where the codes lie.
  public func description(count n: Int) -> String {
    let v = values(count: n)
    let range = String(format: "%.3f to %.3f", v[0], v[n - 1])
    switch self {
    case .quantile:
      return "z1 and z2 each take the \(n) quantiles \u{03A6}\u{207B}\u{00B9}((i + 0.5)/\(n)) of N(0, 1), i = 0\u{2026}\(n - 1) "
        + "(\(range)), so every cell holds the same prior probability"
    case .linear:
      return "z1 and z2 each take \(n) evenly spaced values over [\(Int(-Self.linearBound)), \(Int(Self.linearBound))]"
    }
  }

  /// The quantile function of N(0, 1), to about 1e-15 relative: Acklam's
  /// rational approximation (relative error 1.15e-9) polished by one Halley
  /// step on erfc.
  public static func inverseNormalCDF(_ p: Double) -> Double {
    precondition(p > 0 && p < 1, "p must be in (0, 1)")
    // The upper half by symmetry: 1 - p is exact there, while Phi(x) - p near 1 would cancel
    // in the correction step below; it also makes the mesh exactly symmetric about 0.
    if p > 0.5 { return -inverseNormalCDF(1 - p) }
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let low = 0.02425
    var x: Double
    if p < low {
      let q = (-2 * log(p)).squareRoot()
      x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    } else {
      let q = p - 0.5
      let r = q * q
      x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
    // Halley's step: e = Phi(x) - p, with Phi(x) = erfc(-x / sqrt 2) / 2.
    let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
    let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
    x -= u / (1 + x * u / 2)
    return x
  }
}
