import Foundation
import Metrics
import Testing
import TestSupport

/// A small, deterministic cloud of points with very different spreads per dimension.
private func cloud(count: Int, dimensions z: Int) -> [Float] {
  var state: UInt64 = 12345
  func next() -> Float {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Float(state >> 40) / Float(1 << 24) - 0.5
  }
  var points: [Float] = []
  for _ in 0..<count {
    let shared = next()
    for c in 0..<z { points.append(Float(c + 1) * next() + Float(z - c) * shared + 0.25 * Float(c)) }
  }
  return points
}

@Suite struct PrincipalComponentsTests {
  @Test func matchesNumpyEigenvectorsOfTheCovariance() throws {
    let (n, z) = (500, 6)
    let points = cloud(count: n, dimensions: z)
    let pca = PrincipalComponents(points: points, count: n, dimensions: z)
    let folder = try TemporaryFolder("pca")
    defer { folder.remove() }
    let path = folder.file("points.txt")
    try points.map { String($0) }.joined(separator: " ").write(toFile: path, atomically: true, encoding: .utf8)
    let output = try ProcessRunner.python(
      """
      import sys, numpy as np
      n, z = int(sys.argv[2]), int(sys.argv[3])
      x = np.array(open(sys.argv[1]).read().split(), dtype=np.float32).astype(np.float64).reshape(n, z)
      w, v = np.linalg.eigh(np.cov(x, rowvar=False))
      order = np.argsort(w)[::-1][:2]
      print(" ".join(repr(float(w[k])) for k in order))
      for k in order:
          c = v[:, k]
          c = c if c[np.argmax(np.abs(c))] > 0 else -c
          print(" ".join(repr(float(t)) for t in c))
      print(repr(float(np.trace(np.cov(x, rowvar=False)))))
      """, [path, String(n), String(z)])
    let lines = output.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
    #expect(lines.count == 4)
    // Tolerance 1e-9 relative on variances, 1e-9 absolute on unit-vector entries: both sides work in Double.
    for (k, expected) in lines[0].enumerated() {
      let seen = pca.variances[k]
      #expect(abs(seen - expected) <= 1e-9 * expected, "variance \(k): expected \(expected), seen \(seen)")
    }
    for k in 0..<2 {
      let difference = zip(pca.components[k], lines[1 + k]).map { abs($0 - $1) }.max() ?? 1
      #expect(difference <= 1e-9, "component \(k): expected \(lines[1 + k]), seen \(pca.components[k]), max difference \(difference)")
    }
    #expect(abs(pca.totalVariance - lines[3][0]) <= 1e-9 * lines[3][0], "trace: expected \(lines[3][0]), seen \(pca.totalVariance)")
    // Projections are centred, with the component's variance.
    let projected = pca.project(points, count: n)
    let first = projected.map { $0[0] }
    let mean = first.reduce(0, +) / Double(n)
    let variance = first.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
    #expect(abs(mean) < 1e-9 && abs(variance - pca.variances[0]) <= 1e-9 * variance, "mean \(mean), variance \(variance) vs \(pca.variances[0])")
  }

  @Test func aDiagonalCovarianceGivesTheAxesInOrderOfSpread() {
    // Points on the axes: spread 3 along dimension 2, 2 along dimension 0, 1 along dimension 1.
    let points: [Float] = [2, 0, 0, -2, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 3, 0, 0, -3]
    let pca = PrincipalComponents(points: points, count: 6, dimensions: 3)
    #expect(pca.components[0] == [0, 0, 1] && pca.components[1] == [1, 0, 0], "\(pca.components)")
    #expect(abs(pca.variances[0] - 18.0 / 5) < 1e-12 && abs(pca.variances[1] - 8.0 / 5) < 1e-12, "\(pca.variances)")
  }
}
