import Foundation
import Metrics
import Runs
import Testing
import TestSupport

/// numpy's SSIM: 7 x 7 uniform windows wholly inside the image, population moments,
/// C1 = 0.01^2, C2 = 0.03^2, mean over windows, then over images. Reads two raw
/// uint8 files of [count, height, width] from argv.
private let numpySSIM = #"""
  import json, sys, numpy as np
  from numpy.lib.stride_tricks import sliding_window_view as windows
  count, h, w = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
  a = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(count, h, w).astype(np.float64) / 255
  b = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(count, h, w).astype(np.float64) / 255
  wa, wb = windows(a, (7, 7), axis=(1, 2)), windows(b, (7, 7), axis=(1, 2))
  ma, mb = wa.mean(axis=(3, 4)), wb.mean(axis=(3, 4))
  va, vb = wa.var(axis=(3, 4)), wb.var(axis=(3, 4))
  cab = (wa * wb).mean(axis=(3, 4)) - ma * mb
  c1, c2 = 0.01 ** 2, 0.03 ** 2
  s = (2 * ma * mb + c1) * (2 * cab + c2) / ((ma ** 2 + mb ** 2 + c1) * (va + vb + c2))
  print(json.dumps({"ssim": float(s.mean(axis=(1, 2)).mean())}))
  """#

@Suite struct StructuralSimilarityTests {
  @Test func identicalImagesScoreOne() {
    let image = (0..<784).map { UInt8(truncatingIfNeeded: $0 * 37) }
    let score = DenoiseScore.measure(image, against: image, count: 1, size: 784, width: 28)
    #expect(abs((score.ssim ?? 0) - 1) < 1e-12, "SSIM of an image with itself: seen \(String(describing: score.ssim)), expected 1, tolerance 1e-12")
  }

  /// Two flat images a and b: every window has zero variance, so SSIM = (2ab + C1) / (a^2 + b^2 + C1).
  @Test func flatImagesByHand() {
    let a = [UInt8](repeating: 51, count: 100), b = [UInt8](repeating: 204, count: 100)
    let (x, y) = (0.2, 0.8)
    let expected = (2 * x * y + 0.0001) / (x * x + y * y + 0.0001)
    let seen = DenoiseScore.measure(a, against: b, count: 1, size: 100, width: 10).ssim ?? .nan
    #expect(abs(seen - expected) < 1e-9, "flat 0.2 vs 0.8: seen \(seen), expected \(expected), tolerance 1e-9")
  }

  @Test func withoutAWidthThereIsNoSSIM() {
    let image = [UInt8](repeating: 3, count: 16)
    #expect(DenoiseScore.measure(image, against: image, count: 1, size: 16).ssim == nil)
  }

  /// Random noisy digits-sized images on both sides; 1e-9 relative (both in float64).
  @Test func agreesWithNumpy() throws {
    let folder = try TemporaryFolder("ssim")
    defer { folder.remove() }
    let (count, h, w) = (12, 28, 26)
    var state: UInt64 = 12345
    func next() -> UInt8 {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return UInt8(truncatingIfNeeded: state >> 56)
    }
    let clean = (0..<(count * h * w)).map { i in (i % w) > 8 && (i % w) < 18 ? 200 : next() / 8 }
    let noisy = clean.map { UInt8(clamping: Int($0) + Int(next() / 4) - 32) }
    try Data(noisy).write(to: URL(fileURLWithPath: folder.file("a.u8")))
    try Data(clean).write(to: URL(fileURLWithPath: folder.file("b.u8")))
    let output = try ProcessRunner.python(numpySSIM, [folder.file("a.u8"), folder.file("b.u8"), String(count), String(h), String(w)])
    let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Double])
    let expected = try #require(json["ssim"])
    let seen = try #require(DenoiseScore.measure(noisy, against: clean, count: count, size: h * w, width: w).ssim)
    #expect(abs(seen - expected) <= 1e-9 * abs(expected), "SSIM: seen \(seen), numpy \(expected), relative tolerance 1e-9")
    // The float overload (model outputs in [0, 1]) gives the same for the same values.
    let floats = noisy.map { Float($0) / 255 }
    let viaFloat = try #require(DenoiseScore.measure(floats, against: clean, count: count, size: h * w, width: w).ssim)
    #expect(abs(viaFloat - seen) <= 1e-6, "float input: \(viaFloat) vs bytes \(seen), tolerance 1e-6")
  }
}
