import Foundation
@testable import Models

// Direct Double-precision convolutions written from their definitions (loops over every
// output, tap and channel), independent of im2col, col2im and GEMM. Images are
// channels-last, [B, S, S, C]; weights are in the layouts the layers document.

enum ConvolutionReference {
  /// y [B, S', S', Co] = f(b + sum over taps and channels of x * W), W [k, k, Ci, Co]:
  /// output pixel (oy, ox) reads input (oy s - p + ky, ox s - p + kx), zero outside.
  static func convolution(
    _ x: [Double], _ w: [Double], _ b: [Double], batch: Int, side: Int, inputs ci: Int, outputs co: Int, kernel k: Int = 4,
    stride s: Int = 2, padding p: Int = 1, _ a: Activation?
  ) -> [Double] {
    let so = (side + 2 * p - k) / s + 1
    var y = [Double](repeating: 0, count: batch * so * so * co)
    for n in 0..<batch {
      for oy in 0..<so {
        for ox in 0..<so {
          for o in 0..<co {
            var sum = b[o]
            for ky in 0..<k {
              for kx in 0..<k {
                let (iy, ix) = (oy * s - p + ky, ox * s - p + kx)
                guard iy >= 0, iy < side, ix >= 0, ix < side else { continue }
                for c in 0..<ci { sum += x[((n * side + iy) * side + ix) * ci + c] * w[((ky * k + kx) * ci + c) * co + o] }
              }
            }
            y[((n * so + oy) * so + ox) * co + o] = Reference.activation(a, sum)
          }
        }
      }
    }
    return y
  }

  /// The transposed convolution by its definition: every input pixel (iy, ix), channel c,
  /// adds x * W[c, ky, kx, :] to output pixel (iy s - p + ky, ix s - p + kx) (dropped when
  /// outside); then the bias (per channel [Co], or untied [S'', S'', Co]) and f.
  /// W is [Ci, k, k, Co]; the output side is (S - 1) s - 2p + k.
  static func transposed(
    _ x: [Double], _ w: [Double], _ b: [Double], untied: Bool = false, batch: Int, side: Int, inputs ci: Int, outputs co: Int,
    kernel k: Int = 4, stride s: Int = 2, padding p: Int = 1, _ a: Activation?
  ) -> [Double] {
    let so = (side - 1) * s - 2 * p + k
    var y = [Double](repeating: 0, count: batch * so * so * co)
    for n in 0..<batch {
      for iy in 0..<side {
        for ix in 0..<side {
          for c in 0..<ci {
            let v = x[((n * side + iy) * side + ix) * ci + c]
            for ky in 0..<k {
              for kx in 0..<k {
                let (oy, ox) = (iy * s - p + ky, ix * s - p + kx)
                guard oy >= 0, oy < so, ox >= 0, ox < so else { continue }
                for o in 0..<co { y[((n * so + oy) * so + ox) * co + o] += v * w[((c * k + ky) * k + kx) * co + o] }
              }
            }
          }
        }
      }
    }
    for i in y.indices {
      let within = i % (so * so * co)
      y[i] = Reference.activation(a, y[i] + b[untied ? within : i % co])
    }
    return y
  }
}
