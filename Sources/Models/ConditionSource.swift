/// Where a conditional VAE's condition vectors come from, one image at a time.
///
/// The trainer asks for the condition of each image of a batch as it gathers the
/// batch, so a source may compute conditions on the fly (fresh random masks each
/// epoch) instead of storing them. A source must be a pure function of its
/// arguments: that is what keeps a resumed run bitwise identical to one that never stopped.
public protocol ConditionSource: Sendable {
  /// C, the width of every condition vector.
  var width: Int { get }
  /// The number of images the source covers (their indices are 0..<count).
  var count: Int { get }
  /// Writes the condition [C] of image `index` for epoch `epoch` into `output`.
  /// `image` is that image's D bytes (the clean target), for sources derived from it.
  func write(index: Int, epoch: Int, image: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Float>)
  /// Where, inside a condition, a mask of the image's pixels starts (1 observed, 0 hidden),
  /// for a loss over the hidden pixels only (``LossScope/hole``); nil when the condition has none.
  var observedOffset: Int? { get }
}

extension ConditionSource {
  public var observedOffset: Int? { nil }
}

/// One-hot class labels: the condition of a CVAE on digits (C = `classes`).
public struct LabelCondition: ConditionSource {
  /// One label per image, each below `classes`.
  public let labels: [UInt8]
  public let classes: Int

  /// Labels must be below `classes` (checked by the caller, e.g. the IDX reader for MNIST).
  public init(labels: [UInt8], classes: Int = 10) {
    precondition(labels.allSatisfy { Int($0) < classes }, "labels must be below the class count")
    self.labels = labels
    self.classes = classes
  }

  public var width: Int { classes }
  public var count: Int { labels.count }

  public func write(index: Int, epoch: Int, image: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Float>) {
    output.update(repeating: 0, count: classes)
    output[Int(labels[index])] = 1
  }

  /// The one-hot rows [labels.count, classes] of `labels`.
  public static func oneHot(_ labels: [UInt8], classes: Int = 10) -> [Float] {
    var rows = [Float](repeating: 0, count: labels.count * classes)
    for (i, label) in labels.enumerated() where Int(label) < classes { rows[i * classes + Int(label)] = 1 }
    return rows
  }
}
