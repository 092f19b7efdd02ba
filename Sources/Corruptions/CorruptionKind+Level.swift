extension CorruptionKind.Name {
  /// The level `vae-corrupt` uses when none is given; nil for the kinds without one (half, mixed).
  public var defaultLevel: Double? {
    switch self {
    case .gaussian: 0.5
    case .saltPepper: 0.25
    case .zero: 0.5
    case .square: 10
    case .rectangles: 3
    case .band: 0.3
    case .quadrants: 1
    case .half, .mixed: nil
    }
  }

  /// The corruption of this kind at `level` (its default when nil), with the parameters a
  /// level does not set: the square's placement, the rectangles' sides, the half's or band's
  /// side (default bottom for half, right for band). Nil when the level of a square (its side)
  /// or of rectangles (their number) is not a whole number. The ranges are checked by
  /// `CorruptionKind.validate(side:)`, not here.
  public func corruption(level: Double?, centred: Bool, sizes: ClosedRange<Int>, side: CorruptionKind.Side?) -> CorruptionKind? {
    let level = level ?? defaultLevel ?? 0
    let whole = level.rounded() == level && abs(level) < 1e6 ? Int(level) : nil
    switch self {
    case .gaussian: return .gaussian(sigma: level)
    case .saltPepper: return .saltPepper(fraction: level)
    case .zero: return .zero(fraction: level)
    case .square: return whole.map { .square(size: $0, centred: centred) }
    case .rectangles: return whole.map { .rectangles(count: $0, sizes: sizes) }
    case .half: return .half(side ?? .bottom)
    case .band: return .band(side ?? .right, fraction: level)
    case .mixed: return .mixed(CorruptionKind.defaultMixture)
    case .quadrants: return whole.map { .quadrants(observed: $0) }
    }
  }
}
