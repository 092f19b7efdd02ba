import Reports
import Testing
import TestSupport

@Suite struct ManifoldGridTests {
  @Test func quantilesMatchPythonsNormalDist() throws {
    let n = 20
    let probabilities = (0..<n).map { (Double($0) + 0.5) / Double(n) } + [1e-12, 1e-5, 0.01, 0.02425, 0.3, 0.975, 0.999999]
    let output = try ProcessRunner.python(
      """
      import sys
      from statistics import NormalDist
      print(" ".join(repr(NormalDist().inv_cdf(float(p))) for p in sys.argv[1:]))
      """, probabilities.map { String($0) })
    let expected = output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    #expect(expected.count == probabilities.count)
    let seen = ManifoldGrid.quantile.values(count: n) + probabilities[n...].map(ManifoldGrid.inverseNormalCDF)
    // Tolerance 1e-12 absolute: both are accurate to about 1e-15.
    for (e, s) in zip(expected, seen) {
      #expect(abs(e - s) <= 1e-12, "expected \(e), seen \(s), difference \(abs(e - s))")
    }
  }

  @Test func theLinearMeshSpansMinusFourToFourAndTheCanvasReadsLikeAPlot() {
    let v = ManifoldGrid.linear.values(count: 5)
    #expect(v == [-4, -2, 0, 2, 4], "\(v)")
    // 2 x 2 quantile mesh: v = (-0.674, 0.674). Top-left tile is (z1 low, z2 high), bottom-right (z1 high, z2 low).
    let codes = ManifoldGrid.quantile.codes(count: 2)
    let q = Float(ManifoldGrid.inverseNormalCDF(0.75))
    #expect(codes == [-q, q, q, q, -q, -q, q, -q], "\(codes)")
    #expect(abs(q - 0.6744898) < 1e-6, "\(q)")
  }
}
