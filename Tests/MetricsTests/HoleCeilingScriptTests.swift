import Foundation
import Testing
import TestSupport

/// scripts/hole-ceiling.py: the nearest-neighbour fill of holes, on a tiny hand-made set.
@Suite struct HoleCeilingScriptTests {
  /// Four-pixel images. Test image 0 hides pixels 2 and 3; its nearest training image on
  /// the observed pixels is B (distance 0), then C (5/255 away per pixel), then A. Test
  /// image 1 hides nothing and is not scored.
  @Test func fillsFromTheNearestTrainingImagesAndScoresAsVaeEval() throws {
    let folder = try TemporaryFolder("ceiling")
    defer { folder.remove() }
    let train: [UInt8] = [0, 0, 0, 0, /* B */ 255, 255, 255, 255, /* C */ 250, 250, 0, 0]
    let test: [UInt8] = [255, 255, 128, 0, 9, 9, 9, 9]
    let mask: [UInt8] = [1, 1, 0, 0, 1, 1, 1, 1]
    try Data(SyntheticIDX.uint8(shape: [3, 2, 2], values: train)).write(to: URL(fileURLWithPath: folder.file("train-images.idx")))
    try Data(SyntheticIDX.uint8(shape: [2, 2, 2], values: test)).write(to: URL(fileURLWithPath: folder.file("test-images.idx")))
    try Data(SyntheticIDX.uint8(shape: [2, 2, 2], values: mask)).write(to: URL(fileURLWithPath: folder.file("mask.idx")))
    let script = Files.packageRoot() + "/scripts/hole-ceiling.py"
    let result = try ProcessRunner.run(
      "/usr/bin/env", ["python3", script, "--data", folder.path, "--masks", folder.file("mask.idx"), "--k", "1,2"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    func expected(_ fill: [Double]) -> (mse: Double, psnr: Double) {
      let truth = [128.0 / 255, 0]
      let mse = zip(fill, truth).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 2
      return (mse, -10 * log10(mse))
    }
    for (k, fill) in [(1, [1.0, 1.0]), (2, [0.5, 0.5])] {
      let (mse, psnr) = expected(fill)
      let line = String(format: "  K = %4d: MSE %.5f  PSNR %.2f dB  (1 images with a hole, 0 filled exactly: 100 dB each)", k, mse, psnr)
      #expect(result.stdout.contains(line), "expected \(line) in \(result.stdout)")
    }
    // Masks for another number of images: one line naming the file.
    try Data(SyntheticIDX.uint8(shape: [1, 2, 2], values: [1, 1, 0, 0])).write(to: URL(fileURLWithPath: folder.file("short.idx")))
    let bad = try ProcessRunner.run(
      "/usr/bin/env", ["python3", script, "--data", folder.path, "--masks", folder.file("short.idx")], in: folder.path)
    #expect(bad.status != 0 && bad.stderrLines.count == 1 && bad.stderr.contains("short.idx"), "\(bad.stderr)")
  }
}
