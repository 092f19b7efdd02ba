/// One way of spoiling an image, with its strength.
///
/// Every kind works on 8-bit images of any height and width (28 x 28 for MNIST).
/// Occluding kinds paint the hidden pixels black (0) and mark them 0 in the
/// mask; noise kinds change values but leave pixels "observed" unless the
/// pixel's value was replaced outright (salt-and-pepper, zero).
public enum CorruptionKind: Equatable, Sendable {
  /// Additive N(0, sigma^2) noise on intensities in [0, 1], clipped to [0, 1].
  /// Every pixel stays observed (mask 1): the value is noisy, not missing.
  case gaussian(sigma: Double)
  /// Each pixel, with probability `fraction`, replaced by 0 or 255 (even odds).
  case saltPepper(fraction: Double)
  /// Each pixel, with probability `fraction`, set to 0 (dropout noise).
  case zero(fraction: Double)
  /// A `size` x `size` block set to 0: centred, or at a random place per image.
  case square(size: Int, centred: Bool)
  /// `count` rectangles with sides drawn from `sizes`, each at a random place.
  case rectangles(count: Int, sizes: ClosedRange<Int>)
  /// One half of the image set to 0.
  case half(Side)
  /// A band along one side, `fraction` of the width (or height) wide, set to 0.
  case band(Side, fraction: Double)
  /// One of `kinds` drawn at random for each image.
  case mixed([CorruptionKind])
  /// The quadrant benchmark of Pyro's CVAE example: `observed` (1...3) quadrants of the
  /// side/2 x side/2 quadrants stay, the others are hidden. 1: the bottom-left quadrant
  /// (rows side/2..., columns ..<side/2); 2: the left half; 3: all but the bottom-right quadrant.
  case quadrants(observed: Int)

  public enum Side: String, CaseIterable, Codable, Sendable {
    case top, bottom, left, right
  }

  /// The seeds' default mixture: the four occlusion kinds and two noise kinds at middling strength.
  public static let defaultMixture: [CorruptionKind] = [
    .gaussian(sigma: 0.3), .saltPepper(fraction: 0.15), .square(size: 10, centred: false),
    .rectangles(count: 3, sizes: 4...10), .half(.bottom), .band(.right, fraction: 0.3),
  ]

  /// The name of each kind, as the command line (`vae-corrupt --kind`) and spec.json spell it.
  public enum Name: String, CaseIterable, Codable, Sendable {
    case gaussian, saltPepper = "salt-pepper", zero, square, rectangles, half, band, mixed, quadrants
  }

  /// The kind's name.
  public var name: Name {
    switch self {
    case .gaussian: .gaussian
    case .saltPepper: .saltPepper
    case .zero: .zero
    case .square: .square
    case .rectangles: .rectangles
    case .half: .half
    case .band: .band
    case .mixed: .mixed
    case .quadrants: .quadrants
    }
  }

  /// A short human description with the parameters, for spec.json and captions.
  public var summary: String {
    switch self {
    case let .gaussian(sigma): "gaussian noise, sigma \(sigma)"
    case let .saltPepper(fraction): "salt-and-pepper noise on \(fraction) of the pixels"
    case let .zero(fraction): "\(fraction) of the pixels set to 0"
    case let .square(size, centred): "\(size)x\(size) square, \(centred ? "centred" : "random place")"
    case let .rectangles(count, sizes): "\(count) rectangles, sides \(sizes.lowerBound)-\(sizes.upperBound)"
    case let .half(side): "\(side.rawValue) half hidden"
    case let .band(side, fraction): "\(side.rawValue) band of \(fraction) of the width hidden"
    case let .mixed(kinds): "one of: " + kinds.map(\.summary).joined(separator: "; ")
    case let .quadrants(observed): "\(observed) quadrant\(observed == 1 ? "" : "s") observed"
    }
  }

  /// Checks the parameters against square images of `side`; the message names the allowed range.
  public func validate(side: Int) throws(CorruptionError) { try validate(height: side, width: side) }

  /// Checks the parameters against images of `height` x `width`: a square or rectangle
  /// side fits the shorter one. The message names the allowed range.
  public func validate(height: Int, width: Int) throws(CorruptionError) {
    let side = min(height, width)
    func within(_ value: Double, _ range: ClosedRange<Double>, _ what: String) throws(CorruptionError) {
      guard range.contains(value), value.isFinite else {
        throw .levelOutOfRange(kind: name.rawValue, what: what, value: "\(value)", allowed: "\(range.lowerBound)...\(range.upperBound)")
      }
    }
    switch self {
    case let .gaussian(sigma): try within(sigma, 0...2, "sigma")
    case let .saltPepper(fraction): try within(fraction, 0...1, "fraction")
    case let .zero(fraction): try within(fraction, 0...1, "fraction")
    case let .band(_, fraction): try within(fraction, 0...1, "fraction")
    case let .square(size, _):
      guard (1...side).contains(size) else {
        throw .levelOutOfRange(kind: name.rawValue, what: "size", value: "\(size)", allowed: "1...\(side)")
      }
    case let .rectangles(count, sizes):
      guard (1...64).contains(count) else {
        throw .levelOutOfRange(kind: name.rawValue, what: "count", value: "\(count)", allowed: "1...64")
      }
      guard sizes.lowerBound >= 1, sizes.upperBound <= side else {
        throw .levelOutOfRange(kind: name.rawValue, what: "sizes", value: "\(sizes.lowerBound)-\(sizes.upperBound)", allowed: "1...\(side)")
      }
    case .half: break
    case let .quadrants(observed):
      guard (1...3).contains(observed) else {
        throw .levelOutOfRange(kind: name.rawValue, what: "observed quadrants", value: "\(observed)", allowed: "1...3")
      }
    case let .mixed(kinds):
      guard !kinds.isEmpty else { throw .emptyMixture }
      for kind in kinds {
        if case .mixed = kind { throw .nestedMixture }
        try kind.validate(height: height, width: width)
      }
    }
  }
}
