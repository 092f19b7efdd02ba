/// A corruption as data: its kind's name and its parameters, in spec.json's `corruption`
/// object (docs/FORMATS.md, "spec.json").
///
/// `{"kind": "gaussian", "sigma": 0.5}`, `{"kind": "salt-pepper", "fraction": 0.25}`,
/// `{"kind": "zero", "fraction": 0.5}`, `{"kind": "square", "size": 10, "placement": "centred"}`
/// (or `"random"`), `{"kind": "rectangles", "count": 3, "sizes": [4, 10]}` (smallest and largest
/// side), `{"kind": "half", "side": "bottom"}`, `{"kind": "band", "side": "right", "fraction": 0.3}`,
/// `{"kind": "mixed", "kinds": [...]}` (each one of the others), `{"kind": "quadrants", "observed": 1}`.
///
/// Decoding checks the shape of the parameters (a known kind, every parameter present, sizes
/// in order, a non-empty mixture of plain kinds), not their ranges: `validate(side:)` does that.
extension CorruptionKind: Codable {
  enum CodingKeys: String, CodingKey {
    case kind, sigma, fraction, size, placement, count, sizes, side, kinds, observed
  }

  /// Where a square goes.
  enum Placement: String, Codable {
    case centred, random
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(name, forKey: .kind)
    switch self {
    case let .gaussian(sigma): try container.encode(sigma, forKey: .sigma)
    case let .saltPepper(fraction), let .zero(fraction): try container.encode(fraction, forKey: .fraction)
    case let .square(size, centred):
      try container.encode(size, forKey: .size)
      try container.encode(centred ? Placement.centred : .random, forKey: .placement)
    case let .rectangles(count, sizes):
      try container.encode(count, forKey: .count)
      try container.encode([sizes.lowerBound, sizes.upperBound], forKey: .sizes)
    case let .half(side): try container.encode(side, forKey: .side)
    case let .band(side, fraction):
      try container.encode(side, forKey: .side)
      try container.encode(fraction, forKey: .fraction)
    case let .mixed(kinds): try container.encode(kinds, forKey: .kinds)
    case let .quadrants(observed): try container.encode(observed, forKey: .observed)
    }
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let text = try container.decode(String.self, forKey: .kind)
    guard let name = Name(rawValue: text) else {
      throw DecodingError.dataCorruptedError(
        forKey: .kind, in: container,
        debugDescription: "unknown corruption kind \"\(text)\" (known: \(Name.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    switch name {
    case .gaussian: self = .gaussian(sigma: try container.decode(Double.self, forKey: .sigma))
    case .saltPepper: self = .saltPepper(fraction: try container.decode(Double.self, forKey: .fraction))
    case .zero: self = .zero(fraction: try container.decode(Double.self, forKey: .fraction))
    case .square:
      let placement = try container.decode(Placement.self, forKey: .placement)
      self = .square(size: try container.decode(Int.self, forKey: .size), centred: placement == .centred)
    case .rectangles:
      let sizes = try container.decode([Int].self, forKey: .sizes)
      guard sizes.count == 2, sizes[0] <= sizes[1] else {
        throw DecodingError.dataCorruptedError(
          forKey: .sizes, in: container, debugDescription: "expected [smallest, largest] side, found \(sizes)")
      }
      self = .rectangles(count: try container.decode(Int.self, forKey: .count), sizes: sizes[0]...sizes[1])
    case .half: self = .half(try container.decode(Side.self, forKey: .side))
    case .band: self = .band(try container.decode(Side.self, forKey: .side), fraction: try container.decode(Double.self, forKey: .fraction))
    case .mixed:
      let kinds = try container.decode([CorruptionKind].self, forKey: .kinds)
      guard !kinds.isEmpty, !kinds.contains(where: { $0.name == .mixed }) else {
        throw DecodingError.dataCorruptedError(
          forKey: .kinds, in: container, debugDescription: "a mixture names one or more kinds, none of them a mixture")
      }
      self = .mixed(kinds)
    case .quadrants: self = .quadrants(observed: try container.decode(Int.self, forKey: .observed))
    }
  }
}
