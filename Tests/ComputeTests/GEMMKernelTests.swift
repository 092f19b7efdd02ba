import CKernels
import Testing
@testable import Compute

/// `dv_gemm` (CKernels) and ``Parallel/gemm(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:alpha:beta:)`` over it.
///
/// m, n, k = the product's dimensions: C [m, n] = op(A) [m, k] op(B) [k, n].
@Suite struct GEMMKernelTests {
  /// One product to run: its dimensions, and extra columns in each stored row (so
  /// that leading dimensions differ from the row lengths).
  struct Shape: CustomStringConvertible, Sendable {
    let m: Int, n: Int, k: Int
    var padding = 0
    var description: String { "\(m)x\(n)x\(k)" + (padding > 0 ? " (+\(padding) padding)" : "") }
  }

  /// Edge and tail shapes (1 element; k = 0; n not a multiple of 8 or 16; m not a
  /// multiple of the 6-, 8- and 12-row tiles) and the VAE's three largest products.
  static let shapes: [Shape] = [
    Shape(m: 1, n: 1, k: 1), Shape(m: 2, n: 3, k: 0), Shape(m: 1, n: 17, k: 3), Shape(m: 7, n: 15, k: 9, padding: 3),
    Shape(m: 13, n: 49, k: 31), Shape(m: 25, n: 8, k: 100, padding: 5), Shape(m: 9, n: 33, k: 16),
    Shape(m: 12, n: 32, k: 784), Shape(m: 50, n: 9, k: 17, padding: 1), Shape(m: 6, n: 47, k: 2),
    Shape(m: 128, n: 784, k: 400), Shape(m: 128, n: 400, k: 784), Shape(m: 400, n: 784, k: 128),
  ]
  static let big = shapes.filter { $0.m * $0.n * $0.k > 1_000_000 }

  /// Stored operands of one case: A [m, k] (or [k, m] when transposed), B [k, n] (or [n, k]), C [m, n], each row padded.
  struct Operands {
    let shape: Shape, transposeA: Bool, transposeB: Bool
    let lda: Int, ldb: Int, ldc: Int
    var a: [Float], b: [Float], c: [Float]

    init(_ shape: Shape, transposeA: Bool, transposeB: Bool, seed: UInt64, c fill: Float? = nil) {
      self.shape = shape
      self.transposeA = transposeA
      self.transposeB = transposeB
      lda = (transposeA ? shape.m : shape.k) + shape.padding
      ldb = (transposeB ? shape.k : shape.n) + shape.padding
      ldc = shape.n + shape.padding
      var generator = Xoshiro256(seed: seed)
      a = (0..<((transposeA ? shape.k : shape.m) * lda + 1)).map { _ in 2 * generator.nextFloat() - 1 }
      b = (0..<((transposeB ? shape.n : shape.k) * ldb + 1)).map { _ in 2 * generator.nextFloat() - 1 }
      c = (0..<(shape.m * ldc + 1)).map { _ in fill ?? (2 * generator.nextFloat() - 1) }
    }

    func opA(_ i: Int, _ p: Int) -> Float { transposeA ? a[p * lda + i] : a[i * lda + p] }
    func opB(_ p: Int, _ j: Int) -> Float { transposeB ? b[j * ldb + p] : b[p * ldb + j] }

    /// Runs `dv_gemm_isa` on a copy of C; nil when the CPU lacks `isa`.
    func run(isa: Int32, accumulate: Bool) -> [Float]? {
      var out = c
      let ran = out.withUnsafeMutableBufferPointer { cBuffer in
        dv_gemm_isa(
          isa, transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(shape.m), Int64(shape.n), Int64(shape.k), a, Int64(lda), b,
          Int64(ldb), cBuffer.baseAddress!, Int64(ldc), accumulate ? 1 : 0)
      }
      return ran == 1 ? out : nil
    }
  }

  /// Variants this CPU has (0 scalar, 1 AVX2 + FMA, 2 AVX-512).
  static var variants: [Int32] { Array(0...dv_isa()) }

  // MARK: - Against a Double reference

  @Test(arguments: [false, true], [false, true])
  func matchesTheDefinitionInDouble(transposeA: Bool, transposeB: Bool) {
    // Tolerance 1e-6 times (sum of |a b| + |c|) per element, about 17 Float ulps of that
    // sum: the sequential fused chain's error on these random terms was at most 3.1e-7 in
    // the C harness (the worst case bound, k ulps, only holds for adversarial terms).
    // The three large shapes are checked on 400 sampled elements each (tests run -Onone).
    var checked = 0
    for (index, shape) in Self.shapes.enumerated() {
      for accumulate in [false, true] {
        let operands = Operands(shape, transposeA: transposeA, transposeB: transposeB, seed: UInt64(index + 1))
        guard let c = operands.run(isa: dv_isa(), accumulate: accumulate) else {
          Issue.record("dv_gemm_isa refused the CPU's own variant \(dv_isa())")
          continue
        }
        let cells = shape.m * shape.n
        var generator = Xoshiro256(seed: 99)
        let sample: [Int] =
          cells <= 20_000 ? Array(0..<cells) : (0..<400).map { _ in Int(generator.next() % UInt64(cells)) }
        var worst = 0.0
        for cell in sample {
          let (i, j) = (cell / shape.n, cell % shape.n)
          var sum = 0.0
          var magnitude = 0.0
          for p in 0..<shape.k {
            let term = Double(operands.opA(i, p)) * Double(operands.opB(p, j))
            sum += term
            magnitude += abs(term)
          }
          if accumulate {
            let old = Double(operands.c[i * operands.ldc + j])
            sum += old
            magnitude += abs(old)
          }
          let seen = Double(c[i * operands.ldc + j])
          let error = magnitude > 0 ? abs(seen - sum) / magnitude : abs(seen - sum)
          worst = max(worst, seen.isFinite ? error : .infinity)
          checked += 1
        }
        #expect(
          worst <= 1e-6,
          "\(shape) transposeA \(transposeA) transposeB \(transposeB) accumulate \(accumulate): max |error| / sum |a b| = \(worst)"
        )
        // The padding columns of C are never written.
        var paddingKept = true
        for i in 0..<shape.m {
          for j in shape.n..<operands.ldc where c[i * operands.ldc + j].bitPattern != operands.c[i * operands.ldc + j].bitPattern {
            paddingKept = false
          }
        }
        #expect(paddingKept, "\(shape): a padding column of C was written")
      }
    }
    // Every element of the small shapes and 400 of each large one, in both modes.
    let expected = Self.shapes.reduce(0) { $0 + 2 * ($1.m * $1.n <= 20_000 ? $1.m * $1.n : 400) }
    #expect(checked == expected && checked > 5_000, "checked \(checked) elements, expected \(expected)")
  }

  // MARK: - Variants agree bit for bit

  @Test(arguments: [false, true], [false, true])
  func everyVariantGivesTheSameBits(transposeA: Bool, transposeB: Bool) {
    let variants = Self.variants
    #expect(variants.count >= 1 && variants[0] == 0)
    // A variant above this CPU's is refused, not run.
    if dv_isa() < 2 {
      let operands = Operands(Shape(m: 2, n: 2, k: 2), transposeA: transposeA, transposeB: transposeB, seed: 1)
      #expect(operands.run(isa: 2, accumulate: false) == nil)
    }
    for (index, shape) in Self.shapes.enumerated() {
      let operands = Operands(shape, transposeA: transposeA, transposeB: transposeB, seed: UInt64(100 + index))
      for accumulate in [false, true] {
        let results = variants.compactMap { operands.run(isa: $0, accumulate: accumulate) }
        #expect(results.count == variants.count, "a variant the CPU has (dv_isa \(dv_isa())) did not run")
        let scalar = results[0].map(\.bitPattern)
        for (variant, result) in zip(variants, results).dropFirst() {
          let differing = zip(scalar, result.map(\.bitPattern)).filter { $0 != $1 }.count
          #expect(
            differing == 0,
            "\(shape) transposeA \(transposeA) transposeB \(transposeB) accumulate \(accumulate): variant \(variant) differs from scalar in \(differing) elements"
          )
        }
      }
    }
  }

  @Test func theChainIsSequentialFusedMultiplyAdds() {
    // Terms chosen so that the order shows: 1e8 + 1 - 1e8 in Float is 0 sequentially
    // (1e8 + 1 rounds to 1e8), 1 in any order that adds 1 last. Then a product whose
    // rounding only a fused multiply-add skips: -(1 + 2^-11) first, then (1 + 2^-12)^2 =
    // 1 + 2^-11 + 2^-24 added in one fma leaves 2^-24; a separate multiply would round the
    // square to 1 + 2^-11 (a tie, to even) and leave 0.
    let a: [Float] = [1e8, 1, -1e8]
    let b: [Float] = [1, 1, 1]
    let x = Float(1) + Float(1) / 4096
    let a2: [Float] = [-1, x]
    let b2: [Float] = [1 + Float(1) / 2048, x]
    for variant in Self.variants {
      var c: [Float] = [.nan]
      #expect(dv_gemm_isa(variant, 0, 0, 1, 1, 3, a, 3, b, 1, &c, 1, 0) == 1)
      #expect(c == [0], "variant \(variant): 1e8 + 1 - 1e8 gave \(c[0])")
      #expect(dv_gemm_isa(variant, 0, 0, 1, 1, 2, a2, 2, b2, 1, &c, 1, 0) == 1)
      #expect(c == [Float(1) / 16_777_216], "variant \(variant): fused product gave \(c[0])")
      // Accumulate: c + product, one rounding.
      c = [0.5]
      #expect(dv_gemm_isa(variant, 0, 0, 1, 1, 3, a, 3, b, 1, &c, 1, 1) == 1)
      #expect(c == [0.5], "variant \(variant): 0.5 + 0 gave \(c[0])")
    }
  }

  // MARK: - Parallel.gemm over dv_gemm

  @Test(arguments: [false, true], [false, true])
  func parallelGEMMIsIndependentOfTheThreadCount(transposeA: Bool, transposeB: Bool) {
    let single = Parallel(threads: 1, gemmKernel: .own)
    let double = Parallel(threads: 2, gemmKernel: .own)
    // The large shapes are split across the two threads (by rows when m >= n, else columns).
    for (index, shape) in Self.big.enumerated() {
      #expect(!Parallel.isSmallGEMM(m: shape.m, n: shape.n, k: shape.k))
      let operands = Operands(shape, transposeA: transposeA, transposeB: transposeB, seed: UInt64(200 + index))
      for beta: Float in [0, 1] {
        var results: [[UInt32]] = []
        for parallel in [single, double] {
          var c = operands.c
          parallel.gemm(
            m: shape.m, n: shape.n, k: shape.k, a: operands.a, lda: operands.lda, transposeA: transposeA, b: operands.b,
            ldb: operands.ldb, transposeB: transposeB, c: &c, ldc: operands.ldc, beta: beta)
          results.append(c.map(\.bitPattern))
        }
        let reference = operands.run(isa: dv_isa(), accumulate: beta == 1)?.map(\.bitPattern) ?? []
        #expect(results[0] == results[1], "\(shape) transposeA \(transposeA) transposeB \(transposeB) beta \(beta): 1 and 2 threads differ")
        #expect(results[0] == reference, "\(shape) beta \(beta): Parallel.gemm differs from one dv_gemm call")
      }
    }
  }

  @Test func overwriteIgnoresNaNInC() {
    for shape in [Shape(m: 7, n: 15, k: 9, padding: 3)] + Self.big {
      for transposeB in [false, true] {
        let operands = Operands(shape, transposeA: false, transposeB: transposeB, seed: 300, c: .nan)
        for variant in Self.variants {
          guard let c = operands.run(isa: variant, accumulate: false) else {
            Issue.record("variant \(variant) did not run")
            continue
          }
          let bad = (0..<shape.m).reduce(0) { count, i in
            count + (0..<shape.n).filter { !c[i * operands.ldc + $0].isFinite }.count
          }
          #expect(bad == 0, "\(shape) transposeB \(transposeB) variant \(variant): \(bad) elements not finite")
        }
        var c = operands.c
        Parallel(threads: 2, gemmKernel: .own).gemm(
          m: shape.m, n: shape.n, k: shape.k, a: operands.a, lda: operands.lda, b: operands.b, ldb: operands.ldb,
          transposeB: transposeB, c: &c, ldc: operands.ldc)
        let bad = (0..<shape.m).reduce(0) { count, i in
          count + (0..<shape.n).filter { !c[i * operands.ldc + $0].isFinite }.count
        }
        #expect(bad == 0, "\(shape) transposeB \(transposeB) Parallel.gemm: \(bad) elements not finite")
      }
    }
  }

  @Test func unusualAlphaAndBetaStillFollowTheContract() throws {
    // alpha != 1 and beta outside {0, 1} go to OpenBLAS: C = alpha AB + beta C within Float rounding.
    try BLAS.load()
    let shape = Shape(m: 37, n: 70, k: 19)
    let operands = Operands(shape, transposeA: false, transposeB: true, seed: 5)
    var c = operands.c
    Parallel(threads: 2, gemmKernel: .own).gemm(
      m: shape.m, n: shape.n, k: shape.k, a: operands.a, b: operands.b, transposeB: true, c: &c, alpha: 0.5, beta: 2)
    var worst = 0.0
    for i in 0..<shape.m {
      for j in 0..<shape.n {
        var sum = 0.0
        for p in 0..<shape.k { sum += Double(operands.opA(i, p)) * Double(operands.opB(p, j)) }
        worst = max(worst, abs(Double(c[i * shape.n + j]) - (0.5 * sum + 2 * Double(operands.c[i * shape.n + j]))))
      }
    }
    // Tolerance 1e-5 absolute: terms below 1 in magnitude, k = 19.
    #expect(worst < 1e-5, "max difference \(worst)")
  }
}
