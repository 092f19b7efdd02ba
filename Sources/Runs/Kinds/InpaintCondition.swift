import Compute
import Corruptions
import Models

/// The condition of an inpainting CVAE: [occluded image, mask] (2 D values; the
/// occluded pixels are 0 in both halves, observed ones keep their intensity and mask 1).
///
/// During training every image gets a FRESH random mask each epoch, drawn from
/// ``mixture`` by `Corrupter(kind: mixture, seed: epochSeed(epoch))` with the
/// image's index as its stream: a pure function of (seed, epoch, image index), so a
/// resumed run sees the same masks as one that never stopped.
public struct InpaintCondition: ConditionSource {
  /// The occlusions trained on, one drawn per image and epoch: squares and rectangles
  /// anywhere (so the centre square is one case among many), halves and bands on every side.
  public static let mixture: CorruptionKind = .mixed([
    .square(size: 10, centred: false), .square(size: 14, centred: false), .rectangles(count: 3, sizes: 4...10),
    .rectangles(count: 1, sizes: 8...18), .half(.top), .half(.bottom), .half(.left), .half(.right),
    .band(.top, fraction: 0.3), .band(.bottom, fraction: 0.3), .band(.left, fraction: 0.3), .band(.right, fraction: 0.3),
  ])

  /// The masks `vae-train --masks` names, each a corruption drawn afresh per image and epoch.
  public static let named: [(name: String, kind: CorruptionKind)] = [
    ("mixture", mixture),
    ("square", .square(size: 10, centred: false)),
    ("rectangles", .rectangles(count: 3, sizes: 4...10)),
    ("quadrants-1", .quadrants(observed: 1)),
    ("quadrants-2", .quadrants(observed: 2)),
    ("quadrants-3", .quadrants(observed: 3)),
    ("quadrants", .mixed([.quadrants(observed: 1), .quadrants(observed: 2), .quadrants(observed: 3)])),
  ]

  /// The name of `kind` in ``named``, or its summary when it has none.
  public static func name(of kind: CorruptionKind?) -> String {
    let kind = kind ?? mixture
    return named.first { $0.kind == kind }?.name ?? kind.summary
  }

  public let seed: UInt64
  public let count: Int
  /// The images' rows and columns.
  public let imageHeight: Int
  public let imageWidth: Int
  /// The occlusions drawn (``mixture`` unless the run chose others).
  public let kind: CorruptionKind

  public init(seed: UInt64, count: Int, height: Int = 28, width: Int = 28, kind: CorruptionKind = InpaintCondition.mixture) {
    self.seed = seed
    self.count = count
    self.imageHeight = height
    self.imageWidth = width
    self.kind = kind
  }

  public var width: Int { 2 * imageHeight * imageWidth }

  /// The mask half of the condition starts after the D occluded pixels.
  public var observedOffset: Int? { imageHeight * imageWidth }

  /// The corrupter's seed for one epoch: the run seed and the epoch mixed (splitmix64 step).
  public func epochSeed(_ epoch: Int) -> UInt64 {
    var x = seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(epoch + 1)
    x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
    x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
    return x ^ (x >> 31)
  }

  public func write(index: Int, epoch: Int, image: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Float>) {
    let d = imageHeight * imageWidth
    let pixels = Array(UnsafeBufferPointer(start: image, count: d))
    // The kinds are constants validated by the tests (and by the run config's check), so
    // apply cannot throw here; an all-observed condition is the harmless fallback.
    guard
      let result = try? Corrupter(kind: kind, seed: epochSeed(epoch)).apply(
        to: pixels, count: 1, height: imageHeight, width: imageWidth, firstIndex: index)
    else {
      Self.write(occluded: pixels[...], mask: [UInt8](repeating: 1, count: d)[...], into: output)
      return
    }
    Self.write(occluded: result.images[...], mask: result.mask[...], into: output)
  }

  /// [occluded / 255, mask] for one image from byte arrays (mask bytes 1 = observed, 0 = hidden).
  public static func write(occluded: ArraySlice<UInt8>, mask: ArraySlice<UInt8>, into output: UnsafeMutablePointer<Float>) {
    let d = occluded.count
    for (k, (value, observed)) in zip(occluded, mask).enumerated() {
      let keep: Float = observed == 0 ? 0 : 1
      output[k] = Float(value) * (1 / 255) * keep
      output[d + k] = keep
    }
  }

  /// The conditions [count, 2 D] of `count` occluded images and their masks.
  public static func conditions(occluded: ArraySlice<UInt8>, masks: ArraySlice<UInt8>, count: Int) -> [Float] {
    let d = occluded.count / max(count, 1)
    var rows = [Float](repeating: 0, count: count * 2 * d)
    rows.withUnsafeMutableBufferPointer { rows in
      guard let base = rows.baseAddress else { return }
      for i in 0..<count {
        let o = occluded.startIndex + i * d
        let m = masks.startIndex + i * d
        write(occluded: occluded[o..<o + d], mask: masks[m..<m + d], into: base + i * 2 * d)
      }
    }
    return rows
  }
}
