import Compute
import DataFiles
import Foundation
import Metrics
import Models
import Runs
import Terminal

/// vae-eval's inputs for the conditional models: an inpainting's masks, the mean
/// training image it is compared with, and the plain VAE it is compared with.
extension EvalStage {
  /// The mask file of an inpainting evaluation: `testMask`, else `mask.idx` beside the occluded images.
  static func maskPath(testMask: String?, testInput: String?) -> String? {
    if let testMask { return testMask }
    guard let testInput else { return nil }
    let folder = FilePaths.parent(of: testInput)
    return folder.isEmpty ? "mask.idx" : folder + "/mask.idx"
  }

  /// Reads test masks, checked to be 0/1 bytes of the occluded images' shape.
  static func loadMasks(path: String, like occluded: IDXArray<UInt8>, occludedPath: String) throws -> IDXArray<UInt8> {
    guard FileManager.default.fileExists(atPath: path) else {
      throw RunError.missingInput(path: path, hint: "an inpainting model needs the masks of the occluded test images; vae-corrupt writes mask.idx beside images.idx")
    }
    let masks = try DigitSet.loadImages(path: path)
    guard masks.itemCount == occluded.itemCount else {
      throw RunError.dataMismatch(
        path: path, reason: "holds \(masks.itemCount) masks but \(occludedPath) holds \(occluded.itemCount) images; were they made together?")
    }
    guard masks.shape == occluded.shape else {
      throw RunError.dataMismatch(
        path: path,
        reason: "holds masks of \(masks.shape[1]) x \(masks.shape[2]) pixels but the images of \(occludedPath) are \(occluded.shape[1]) x \(occluded.shape[2]); were they made together?")
    }
    if let bad = masks.scalars.firstIndex(where: { $0 > 1 }) {
      throw RunError.dataMismatch(path: path, reason: "mask value \(masks.scalars[bad]) at byte \(bad); masks hold 1 (observed) or 0 (hidden)")
    }
    return masks
  }

  /// The mean of the training images in `folder`, [pixels] in [0, 1].
  static func meanTrainingImage(folder: String, pixels: Int) throws -> [Float] {
    let train = try DigitSet.loadImages(folder: folder, split: .train)
    guard train.itemSize == pixels else {
      throw RunError.dataMismatch(
        path: DigitSet.path(folder: folder, split: .train, member: .images), reason: "images have \(train.itemSize) pixels, the model's have \(pixels)")
    }
    var sums = [Double](repeating: 0, count: pixels)
    for i in 0..<train.itemCount {
      for k in 0..<pixels { sums[k] += Double(train.scalars[i * pixels + k]) }
    }
    return sums.map { Float($0 / (255 * Double(max(1, train.itemCount)))) }
  }

  /// The plain VAE a --compare-run names, refused unless it is one.
  static func comparison(run: String?, threads: Int, flag: String = "--compare-run") throws -> TrainedModel? {
    guard let run else { return nil }
    let model = try TrainedModel.load(run: run, checkpoint: nil, threads: threads)
    guard model.kind.run.reconstructsFromImageAlone else {
      throw RunError.badConfig(path: model.path, reason: "\(flag) must name a plain VAE run, this one is \(model.kind.rawValue)")
    }
    return model
  }
}
