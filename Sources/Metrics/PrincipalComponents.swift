/// The first principal components of a set of points, computed in Double.
///
/// Legend: N = points, Z = dimensions. The covariance is the Z x Z matrix of
/// the centred points divided by N - 1 (as numpy's `np.cov`); its eigenvectors
/// come from cyclic Jacobi rotations, which are exact to rounding for the small
/// Z of a latent code (cost O(Z^3) per sweep, fine to a few hundred).
///
/// Each component's sign is fixed so that its largest-magnitude entry is
/// positive, so the same points always give the same picture.
public struct PrincipalComponents: Sendable, Equatable {
  /// The mean of the points, [Z].
  public var mean: [Double]
  /// Unit-length components, largest variance first, each [Z].
  public var components: [[Double]]
  /// The variance of the points along each component (eigenvalues of the covariance).
  public var variances: [Double]
  /// The sum of the variances along all Z dimensions (trace of the covariance).
  public var totalVariance: Double

  /// The first `keep` components of `points` ([count, dimensions], row-major Float).
  public init(points: [Float], count: Int, dimensions z: Int, keep: Int = 2) {
    precondition(count >= 2 && z >= 1 && points.count == count * z, "points must be [count >= 2, dimensions]")
    precondition((1...z).contains(keep), "keep must be 1...\(z)")
    var mean = [Double](repeating: 0, count: z)
    for r in 0..<count { for c in 0..<z { mean[c] += Double(points[r * z + c]) } }
    for c in 0..<z { mean[c] /= Double(count) }
    var covariance = [Double](repeating: 0, count: z * z)  // [Z, Z]
    var centred = [Double](repeating: 0, count: z)
    for r in 0..<count {
      for c in 0..<z { centred[c] = Double(points[r * z + c]) - mean[c] }
      for i in 0..<z { for j in i..<z { covariance[i * z + j] += centred[i] * centred[j] } }
    }
    for i in 0..<z {
      for j in i..<z {
        covariance[i * z + j] /= Double(count - 1)
        covariance[j * z + i] = covariance[i * z + j]
      }
    }
    let (values, vectors) = Self.symmetricEigen(covariance, size: z)
    let order = (0..<z).sorted { values[$0] > values[$1] }
    self.mean = mean
    self.variances = order.prefix(keep).map { values[$0] }
    self.components = order.prefix(keep).map { k in
      var v = (0..<z).map { vectors[$0 * z + k] }
      let largest = v.indices.max { abs(v[$0]) < abs(v[$1]) } ?? 0
      if v[largest] < 0 { v = v.map { -$0 } }
      return v
    }
    self.totalVariance = (0..<z).reduce(0) { $0 + covariance[$1 * z + $1] }
  }

  /// The coordinates of each point along the kept components, [count, keep].
  public func project(_ points: [Float], count: Int) -> [[Double]] {
    let z = mean.count
    precondition(points.count == count * z, "points must be [count, \(z)]")
    return (0..<count).map { r in
      components.map { component in
        var sum = 0.0
        for c in 0..<z { sum += (Double(points[r * z + c]) - mean[c]) * component[c] }
        return sum
      }
    }
  }

  /// Eigenvalues and eigenvectors (columns of a row-major [n, n] matrix) of a
  /// symmetric matrix by cyclic Jacobi rotations.
  static func symmetricEigen(_ matrix: [Double], size n: Int) -> (values: [Double], vectors: [Double]) {
    var a = matrix
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    for _ in 0..<100 {
      var off = 0.0
      for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { off += a[i * n + j] * a[i * n + j] } }
      var scale = 0.0
      for i in 0..<n { scale += a[i * n + i] * a[i * n + i] }
      if off <= 1e-30 * max(scale, 1e-300) { break }
      for p in 0..<n {
        for q in (p + 1)..<max(p + 1, n) where a[p * n + q] != 0 {
          // The rotation that zeroes a[p, q] (Golub & Van Loan, algorithm 8.4.2).
          let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
          let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot()
          let s = t * c
          for k in 0..<n {
            let akp = a[k * n + p], akq = a[k * n + q]
            a[k * n + p] = c * akp - s * akq
            a[k * n + q] = s * akp + c * akq
          }
          for k in 0..<n {
            let apk = a[p * n + k], aqk = a[q * n + k]
            a[p * n + k] = c * apk - s * aqk
            a[q * n + k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let vkp = v[k * n + p], vkq = v[k * n + q]
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
          }
        }
      }
    }
    return ((0..<n).map { a[$0 * n + $0] }, v)
  }
}
