/// The structural similarity index (SSIM, Wang et al. 2004) of two greyscale
/// images with intensities in [0, 1].
///
/// Windows are 7 x 7 and uniform (every pixel weighs 1/49), placed at every
/// position that lies wholly inside the image (22 x 22 of them on 28 x 28);
/// means, variances and the covariance are the windows' population moments
/// (divided by 49, not 48). Per window,
/// `SSIM = (2 mx my + C1)(2 sxy + C2) / ((mx^2 + my^2 + C1)(sx^2 + sy^2 + C2))`
/// with C1 = 0.01^2 and C2 = 0.03^2 (K1 = 0.01, K2 = 0.03, peak 1); the image's
/// SSIM is the mean over its windows. Identical images score 1.
public enum StructuralSimilarity {
  /// Side of the square window.
  public static let window = 7
  public static let c1 = 0.01 * 0.01
  public static let c2 = 0.03 * 0.03

  /// The mean SSIM of images `a` and `b` (row-major, `width x height`, each value via
  /// `valueA(i)` / `valueB(i)` in [0, 1]). Images smaller than the window are compared
  /// as one window covering all of them.
  public static func index(width: Int, height: Int, a valueA: (Int) -> Double, b valueB: (Int) -> Double) -> Double {
    let w = min(window, width), h = min(window, height)
    // Summed-area tables of x, y, x^2, y^2 and xy, one extra leading row and column of zeros.
    let stride = width + 1
    var tables = [[Double]](repeating: [Double](repeating: 0, count: stride * (height + 1)), count: 5)
    for r in 0..<height {
      var row = [0.0, 0.0, 0.0, 0.0, 0.0]
      for c in 0..<width {
        let x = valueA(r * width + c), y = valueB(r * width + c)
        row[0] += x
        row[1] += y
        row[2] += x * x
        row[3] += y * y
        row[4] += x * y
        let at = (r + 1) * stride + c + 1
        for t in 0..<5 { tables[t][at] = tables[t][at - stride] + row[t] }
      }
    }
    let n = Double(w * h)
    var sum = 0.0
    var windows = 0
    for r in 0...(height - h) {
      for c in 0...(width - w) {
        func box(_ t: Int) -> Double {
          let table = tables[t]
          return table[(r + h) * stride + c + w] - table[r * stride + c + w] - table[(r + h) * stride + c] + table[r * stride + c]
        }
        let mx = box(0) / n, my = box(1) / n
        let vx = box(2) / n - mx * mx, vy = box(3) / n - my * my, cxy = box(4) / n - mx * my
        sum += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2))
        windows += 1
      }
    }
    return sum / Double(windows)
  }
}
