import Foundation
import Testing
@testable import Compute

@Suite struct BLASTests {
  @Test func coreNameIsReported() throws {
    try BLAS.load()
    #expect(!BLAS.coreName.isEmpty && BLAS.coreName != "unknown", "core \(BLAS.coreName)")
  }

  @Test func skylakeXKernelsOnAVX512Machines() throws {
    try BLAS.load()
    // Only meaningful when this module chose the kernels: the CPU has the AVX-512
    // subsets and the user did not set OPENBLAS_CORETYPE.
    guard BLAS.cpuHasSkylakeXFeatures(), BLAS.coreTypeSetHere else { return }
    #expect(["skylakex", "cooperlake", "sapphirerapids"].contains(BLAS.coreName.lowercased()), "core \(BLAS.coreName)")
  }

  @Test func missingLibraryErrorSaysWhatToDo() {
    let error = ComputeError.blasLibraryNotFound(tried: BLAS.libraryNames, reason: "no such file")
    #expect(error.description.hasPrefix("libopenblas.so.0 not found: run scripts/setup.sh (apt-get install libopenblas-dev)"))
    #expect(ComputeError.blasSymbolNotFound(library: "x.so", symbol: "cblas_sgemm").description.contains("cblas_sgemm"))
  }

  /// C = alpha op(A) op(B) + beta C in Double, by the definition.
  static func naive(
    m: Int, n: Int, k: Int, a: [Float], transposeA: Bool, b: [Float], transposeB: Bool,
    c: [Float], alpha: Float, beta: Float
  ) -> [Double] {
    var out = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k {
          let x = transposeA ? a[p * m + i] : a[i * k + p]
          let y = transposeB ? b[j * k + p] : b[p * n + j]
          sum += Double(x) * Double(y)
        }
        out[i * n + j] = Double(alpha) * sum + Double(beta) * Double(c[i * n + j])
      }
    }
    return out
  }

  @Test(arguments: [false, true], [false, true])
  func gemmMatchesTheDefinition(transposeA: Bool, transposeB: Bool) throws {
    try BLAS.load()
    var generator = Xoshiro256(seed: 2)
    for (m, n, k) in [(3, 5, 4), (37, 70, 19), (128, 33, 50)] {
      let a = (0..<(m * k)).map { _ in generator.nextFloat() - 0.5 }
      let b = (0..<(k * n)).map { _ in generator.nextFloat() - 0.5 }
      let c0 = (0..<(m * n)).map { _ in generator.nextFloat() - 0.5 }
      let expected = Self.naive(
        m: m, n: n, k: k, a: a, transposeA: transposeA, b: b, transposeB: transposeB, c: c0, alpha: 0.5, beta: 2)
      for parallel in [nil, Parallel(threads: 2, gemmThreading: .split), Parallel(threads: 2, gemmThreading: .library)] {
        var c = c0
        if let parallel {
          parallel.gemm(m: m, n: n, k: k, a: a, transposeA: transposeA, b: b, transposeB: transposeB, c: &c, alpha: 0.5, beta: 2)
        } else {
          BLAS.gemm(m: m, n: n, k: k, a: a, transposeA: transposeA, b: b, transposeB: transposeB, c: &c, alpha: 0.5, beta: 2)
        }
        // Tolerance: 1e-5 absolute; terms are below 0.25 and k <= 50.
        let worst = zip(c, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst < 1e-5, "m \(m) n \(n) k \(k) \(String(describing: parallel)): max difference \(worst)")
      }
    }
  }

  @Test func gemmRespectsLeadingDimensions() throws {
    try BLAS.load()
    // A is the left 2x3 block of a 2x5 buffer; C is written into the middle of a 2x4 buffer.
    let a: [Float] = [1, 2, 3, 99, 99, 4, 5, 6, 99, 99]
    let b: [Float] = [1, 0, 0, 1, 1, 1]  // [3, 2]
    var c: [Float] = [-1, -1, -1, -1, -1, -1, -1, -1]
    c.withUnsafeMutableBufferPointer { buffer in
      BLAS.gemm(m: 2, n: 2, k: 3, a: a, lda: 5, b: b, c: buffer.baseAddress! + 1, ldc: 4)
    }
    // Row 0: [1 + 3, 2 + 3], row 1: [4 + 6, 5 + 6].
    #expect(c == [-1, 4, 5, -1, -1, 10, 11, -1])
  }
}
