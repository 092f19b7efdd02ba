import DataFiles
import Foundation

/// The label file of a data folder, read for the models and metrics that use labels.
public enum DataLabels {
  /// The labels of `split`, checked to be there, one per image and below `classes`.
  public static func read(folder: String, split: Split, images: Int, classes: Int) throws -> [UInt8] {
    let path = DigitSet.path(folder: folder, split: split, member: .labels)
    guard FileManager.default.fileExists(atPath: path) else {
      throw RunError.missingInput(
        path: path, hint: "--model cvae is conditioned on the labels; vae-decompress writes them beside the images")
    }
    let labels = try DigitSet.loadLabels(path: path, classes: classes)
    guard labels.count == images else {
      throw RunError.dataMismatch(
        path: path, reason: "holds \(labels.count) labels but \(DigitSet.path(folder: folder, split: split, member: .images)) holds \(images) images")
    }
    return labels
  }
}
