import Foundation
import Testing
@testable import Compute

@Suite struct CompressedRowsTests {
  /// A [rows, columns] matrix with about `density` of its entries non-zero, values in (-1, 1).
  static func sparse(rows: Int, columns: Int, density: Double, seed: UInt64) -> [Float] {
    var g = Xoshiro256(seed: seed)
    return (0..<rows * columns).map { _ in
      Double(g.nextFloat()) < density ? 2 * g.nextFloat() - 1 : 0
    }
  }

  static func dense(_ count: Int, seed: UInt64) -> [Float] {
    var g = Xoshiro256(seed: seed)
    return (0..<count).map { _ in 2 * g.nextFloat() - 1 }
  }

  /// Compresses and transposes x [rows, columns] into `sparse`, then returns relu(x b + bias)
  /// [rows, n] and x^T y [columns, n] (both start as NaN, so every element must be written).
  static func products(
    _ sparse: CompressedRows, x: [Float], rows r: Int, columns k: Int, b: [Float], bias: [Float], y: [Float], n: Int,
    parallel: Parallel
  ) -> (forward: [Float], gradient: [Float]) {
    x.withUnsafeBufferPointer { sparse.compress($0.baseAddress!, rows: r, columns: k) }
    sparse.transpose()
    var forward = [Float](repeating: .nan, count: r * n)
    var gradient = [Float](repeating: .nan, count: k * n)
    b.withUnsafeBufferPointer { b in
      bias.withUnsafeBufferPointer { bias in
        forward.withUnsafeMutableBufferPointer { c in
          sparse.multiply(
            by: b.baseAddress!, columns: n, bias: bias.baseAddress!, relu: true, into: c.baseAddress!, parallel: parallel)
        }
      }
    }
    y.withUnsafeBufferPointer { y in
      gradient.withUnsafeMutableBufferPointer { c in
        sparse.multiplyTransposed(by: y.baseAddress!, columns: n, into: c.baseAddress!, parallel: parallel)
      }
    }
    return (forward, gradient)
  }

  /// x @ b (+ bias, relu) and x^T @ y against Double sums, for widths that leave every
  /// kind of tail in the AVX-512 (16-lane) and AVX2 (8-lane) column blocks; and the same
  /// bits at 1 and 2 threads. Tolerance: 1e-5 relative to the sum of |terms| (Float sums
  /// of up to 100 terms).
  @Test(arguments: [1, 7, 16, 37, 130, 400])
  func productsMatchDoubleReferences(n: Int) throws {
    let (r, k) = (23, 100)
    let x = Self.sparse(rows: r, columns: k, density: 0.2, seed: 1)
    let b = Self.dense(k * n, seed: 2)
    let bias = Self.dense(n, seed: 3)
    let y = Self.dense(r * n, seed: 4)
    var results: [[Float]] = []
    for threads in [1, 2] {
      let sparse = CompressedRows(maxRows: 32, maxColumns: k)
      let (forward, gradient) = Self.products(
        sparse, x: x, rows: r, columns: k, b: b, bias: bias, y: y, n: n, parallel: Parallel(threads: threads))
      #expect(sparse.entries == x.filter { $0 != 0 }.count)
      var worst = 0.0
      for i in 0..<r {
        for j in 0..<n {
          var (sum, scale) = (Double(bias[j]), abs(Double(bias[j])))
          for c in 0..<k {
            let term = Double(x[i * k + c]) * Double(b[c * n + j])
            sum += term
            scale += abs(term)
          }
          worst = max(worst, abs(Double(forward[i * n + j]) - max(0, sum)) / max(scale, 1e-3))
        }
      }
      for c in 0..<k {
        for j in 0..<n {
          var (sum, scale) = (0.0, 0.0)
          for i in 0..<r {
            let term = Double(x[i * k + c]) * Double(y[i * n + j])
            sum += term
            scale += abs(term)
          }
          worst = max(worst, abs(Double(gradient[c * n + j]) - sum) / max(scale, 1e-3))
        }
      }
      #expect(worst < 1e-5, "n \(n), \(threads) threads: worst relative error \(worst)")
      results.append(forward + gradient)
    }
    #expect(results[0].map(\.bitPattern) == results[1].map(\.bitPattern), "1 and 2 threads differ")
  }

  /// Deep products, whose rows of b the vector kernels read in L1-sized slices (partial
  /// sums kept in c between slices), with more output rows than one slice pass tracks
  /// (256): the same bits as one fused multiply-add per term in order of k from the
  /// bias, which is the kernel's contract, at 1 and 2 threads.
  @Test(arguments: [(400, 784, 300), (130, 784, 41), (17, 1500, 260)])
  func slicedProductsKeepTheTermOrder(n: Int, k: Int, r: Int) {
    let x = Self.sparse(rows: r, columns: k, density: 0.19, seed: 5)
    let b = Self.dense(k * n, seed: 6)
    let bias = Self.dense(n, seed: 7)
    let y = Self.dense(r * n, seed: 8)
    // References: Float, one fma per term, in order.
    var forwardReference = [Float](repeating: 0, count: r * n)
    for i in 0..<r {
      for j in 0..<n {
        var sum = bias[j]
        for c in 0..<k where x[i * k + c] != 0 { sum = sum.addingProduct(x[i * k + c], b[c * n + j]) }
        forwardReference[i * n + j] = max(0, sum)
      }
    }
    var gradientReference = [Float](repeating: 0, count: k * n)
    for c in 0..<k {
      for j in 0..<n {
        var sum: Float = 0
        for i in 0..<r where x[i * k + c] != 0 { sum = sum.addingProduct(x[i * k + c], y[i * n + j]) }
        gradientReference[c * n + j] = sum
      }
    }
    for threads in [1, 2] {
      let (forward, gradient) = Self.products(
        CompressedRows(maxRows: r, maxColumns: k), x: x, rows: r, columns: k, b: b, bias: bias, y: y, n: n,
        parallel: Parallel(threads: threads))
      let forwardDiffers = zip(forward, forwardReference).filter { $0.bitPattern != $1.bitPattern }.count
      let gradientDiffers = zip(gradient, gradientReference).filter { $0.bitPattern != $1.bitPattern }.count
      #expect(forwardDiffers == 0, "n \(n), k \(k), r \(r), \(threads) threads: \(forwardDiffers) forward values differ")
      #expect(gradientDiffers == 0, "n \(n), k \(k), r \(r), \(threads) threads: \(gradientDiffers) gradient values differ")
    }
  }

  @Test func emptyAndFullRowsCompress() {
    // Row 0 all zero, row 1 all non-zero, row 2 one entry at the end (past a 16-lane block).
    let k = 19
    var x = [Float](repeating: 0, count: 3 * k)
    for c in 0..<k { x[k + c] = Float(c + 1) }
    x[2 * k + 18] = -2
    let sparse = CompressedRows(maxRows: 3, maxColumns: k)
    x.withUnsafeBufferPointer { sparse.compress($0.baseAddress!, rows: 3, columns: k) }
    #expect(sparse.entries == k + 1)
    #expect(abs(sparse.density - Double(k + 1) / Double(3 * k)) < 1e-12)
    let b = [Float](repeating: 1, count: k)  // [k, 1]: row sums
    var c = [Float](repeating: .nan, count: 3)
    b.withUnsafeBufferPointer { b in
      c.withUnsafeMutableBufferPointer { sparse.multiply(by: b.baseAddress!, columns: 1, into: $0.baseAddress!, parallel: Parallel(threads: 1)) }
    }
    #expect(c == [0, Float(k * (k + 1) / 2), -2])
  }

  @Test func fmaPeakIsPositive() {
    let peak = FMAPeak.measure(threads: 1, seconds: 0.01, repeats: 1)
    #expect(peak > 0.5, "one core's FMA peak measured \(peak) GFLOP/s")
    #expect(["AVX-512", "AVX2+FMA", "scalar"].contains(FMAPeak.instructionSet))
  }
}
