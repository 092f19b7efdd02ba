import CKernels
import Compute
import Testing
@testable import Models

/// The channel-major kernels (planar.c): every body against the direct definition, bit for bit.
@Suite struct PlanarMapsTests {
  /// (side, channels, kernel, stride, padding, batch): the models' layers (28 and 14 with
  /// k = 4, s = 2, p = 1), other strides and paddings, rows too wide for the permute body
  /// (33, 40), and a kernel too large for it (9).
  static let geometries: [(side: Int, channels: Int, kernel: Int, stride: Int, padding: Int, batch: Int)] = [
    (28, 1, 4, 2, 1, 3), (14, 8, 4, 2, 1, 2), (7, 3, 3, 1, 1, 2), (6, 2, 2, 2, 0, 3), (9, 2, 5, 3, 2, 1),
    (33, 2, 4, 2, 1, 2), (40, 1, 4, 2, 1, 1), (12, 1, 9, 1, 4, 1), (1, 3, 1, 1, 0, 4),
  ]

  /// im2col by its definition: row (ky, kx, c), column (b, oy, ox); the rows' padding NaN.
  static func im2col(_ images: [Float], _ g: ImageColumns, batch: Int) -> [Float] {
    let (s, so, k, c, ld) = (g.side, g.outputSide, g.kernel, g.channels, g.rowLength(count: batch))
    var cols = [Float](repeating: .nan, count: g.columnMatrixCount(count: batch))
    for ky in 0..<k {
      for kx in 0..<k {
        for ch in 0..<c {
          for b in 0..<batch {
            for oy in 0..<so {
              for ox in 0..<so {
                let (y, x) = (oy * g.stride - g.padding + ky, ox * g.stride - g.padding + kx)
                let row = (ky * k + kx) * c + ch
                let inside = y >= 0 && y < s && x >= 0 && x < s
                cols[row * ld + (b * so + oy) * so + ox] = inside ? images[((ch * batch + b) * s + y) * s + x] : 0
              }
            }
          }
        }
      }
    }
    return cols
  }

  /// col2im by its definition: each pixel the Float sum, from 0, of its terms in patch order.
  static func col2im(_ cols: [Float], _ g: ImageColumns, batch: Int) -> [Float] {
    let (s, so, k, c, ld) = (g.side, g.outputSide, g.kernel, g.channels, g.rowLength(count: batch))
    var images = [Float](repeating: 0, count: c * batch * s * s)
    for ch in 0..<c {
      for b in 0..<batch {
        for y in 0..<s {
          for x in 0..<s {
            var sum: Float = 0
            for oy in 0..<so {
              let ky = y + g.padding - oy * g.stride
              guard ky >= 0 && ky < k else { continue }
              for ox in 0..<so {
                let kx = x + g.padding - ox * g.stride
                guard kx >= 0 && kx < k else { continue }
                sum += cols[((ky * k + kx) * c + ch) * ld + (b * so + oy) * so + ox]
              }
            }
            images[((ch * batch + b) * s + y) * s + x] = sum
          }
        }
      }
    }
    return images
  }

  @Test(arguments: 0..<9)
  func everyBodyMatchesTheDefinition(index: Int) {
    let t = Self.geometries[index]
    let g = ImageColumns(side: t.side, channels: t.channels, kernel: t.kernel, stride: t.stride, padding: t.padding)
    let (batch, planes) = (t.batch, t.channels * t.batch)
    let images = Reference.randomFloats(planes * t.side * t.side, seed: UInt64(10 + index))
    // Rows padded as the layers' (ImageColumns.rowLength(count:)): the kernels skip the padding.
    let ld = Int64(g.rowLength(count: batch))
    let cols = Reference.randomFloats(g.columnMatrixCount(count: batch), seed: UInt64(30 + index))
    let expectedCols = Self.im2col(images, g, batch: batch)
    let expectedImages = Self.col2im(cols, g, batch: batch)
    var ran = 0
    for body: Int32 in 0...2 {
      var seenCols = [Float](repeating: .nan, count: expectedCols.count)
      var seenImages = [Float](repeating: .nan, count: expectedImages.count)
      let done = g.withPatchGeometry { geometry in
        let a = dv_im2col_planar_body(
          body, geometry, Int32(t.channels), Int32(batch), ld, images, &seenCols, 0, Int64(planes))
        let b = dv_col2im_planar_body(
          body, geometry, Int32(t.channels), Int32(batch), ld, cols, &seenImages, 0, Int64(planes))
        return (a, b)
      }
      // The portable body always runs; the vector ones where the CPU and geometry allow.
      #expect(body > 0 || (done.0 == 1 && done.1 == 1))
      if done.0 == 1 {
        ran += 1
        #expect(seenCols.map(\.bitPattern) == expectedCols.map(\.bitPattern), "\(t) body \(body): im2col")
      }
      if done.1 == 1 {
        #expect(seenImages.map(\.bitPattern) == expectedImages.map(\.bitPattern), "\(t) body \(body): col2im")
      }
    }
    #expect(ran >= 1)
    // Through ImageColumns (the dispatching entry points), split across threads.
    for threads in [1, 3] {
      var seenCols = [Float](repeating: .nan, count: expectedCols.count)
      var seenImages = [Float](repeating: .nan, count: expectedImages.count)
      g.gather(images, into: &seenCols, count: batch, parallel: Parallel(threads: threads))
      g.scatter(cols, into: &seenImages, count: batch, parallel: Parallel(threads: threads))
      #expect(seenCols.map(\.bitPattern) == expectedCols.map(\.bitPattern), "\(t) gather, \(threads) threads")
      #expect(seenImages.map(\.bitPattern) == expectedImages.map(\.bitPattern), "\(t) scatter, \(threads) threads")
    }
  }

  /// Row sums equal each row's Float sum in order, bit for bit, for every height and length
  /// around the 16 x 16 blocks and in every variant; the transpose is exact.
  @Test func rowSumsAndTransposeMatchTheirDefinitions() {
    for (rows, length) in [(1, 1), (3, 17), (16, 16), (17, 50), (40, 33), (8, 25_088)] {
      let x = Reference.randomFloats(rows * length, seed: UInt64(rows * 1000 + length))
      let expected = (0..<rows).map { r in (0..<length).reduce(Float(0)) { $0 + x[r * length + $1] } }
      var sums = [Float](repeating: .nan, count: rows)
      dv_row_sums(Int64(rows), Int64(length), x, &sums)
      #expect(sums.map(\.bitPattern) == expected.map(\.bitPattern), "row sums \(rows) x \(length)")
      for isa: Int32 in [0, 2] {
        var variantSums = [Float](repeating: .nan, count: rows)
        var variantTranspose = [Float](repeating: .nan, count: rows * length)
        guard dv_row_sums_isa(isa, Int64(rows), Int64(length), x, &variantSums) == 1 else { continue }
        #expect(variantSums.map(\.bitPattern) == expected.map(\.bitPattern), "row sums \(rows) x \(length), isa \(isa)")
        #expect(
          dv_transpose_isa(isa, Int64(rows), Int64(length), x, Int64(length), &variantTranspose, Int64(rows)) == 1)
        let exact = (0..<rows).allSatisfy { r in
          (0..<length).allSatisfy { variantTranspose[$0 * rows + r].bitPattern == x[r * length + $0].bitPattern }
        }
        #expect(exact, "transpose \(rows) x \(length), isa \(isa)")
      }
      var t = [Float](repeating: .nan, count: rows * length)
      PlanarMaps.transpose(x, rows: rows, columns: length, into: &t, parallel: Parallel(threads: 2))
      var worst = 0
      for r in 0..<rows {
        for i in 0..<length where t[i * rows + r].bitPattern != x[r * length + i].bitPattern { worst += 1 }
      }
      #expect(worst == 0, "transpose \(rows) x \(length): \(worst) elements differ")
    }
  }
}
