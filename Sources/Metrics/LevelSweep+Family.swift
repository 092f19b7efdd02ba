import Corruptions
import DataFiles

extension LevelSweep {
  /// A corruption kind whose strength is one number, the level, with its other parameters
  /// fixed: what `vae-corrupt --kind K --level L` means for each L.
  ///
  /// Kinds with a level: gaussian (sigma, 0...2), salt-pepper and zero (fraction of pixels,
  /// 0...1), square (side in pixels, 1...28, whole), rectangles (how many, 1...64, whole),
  /// band (width as a fraction of the side, 0...1). half and mixed have none.
  public struct Family: Equatable, Sendable, CustomStringConvertible {
    public var kind: CorruptionKind.Name
    /// square: centred, or at a random place per image.
    public var centred = true
    /// rectangles: the range of their sides, in pixels.
    public var sizes = 4...10
    /// band: the side it runs along.
    public var side = CorruptionKind.Side.right

    /// `kind` with vae-corrupt's defaults for everything but the level.
    /// Throws `MetricError.noLevel` for a kind without a level.
    public init(kind: CorruptionKind.Name) throws(MetricError) {
      guard kind != .half, kind != .mixed else {
        throw .noLevel(
          kind: kind.rawValue, withLevel: CorruptionKind.Name.allCases.filter { $0 != .half && $0 != .mixed && $0 != .quadrants }.map(\.rawValue))
      }
      self.kind = kind
    }

    /// The corruption at `level` of images of `height` x `width` (MNIST's 28 x 28 unless
    /// given); throws `MetricError` when the level is out of the kind's range, or not a
    /// whole number for square and rectangles.
    public func corruption(level: Double, height: Int = DigitSet.side, width: Int = DigitSet.side) throws(MetricError) -> CorruptionKind {
      // init(kind:) refuses the kinds without a level, so `level` is used as given.
      guard let corruption = kind.corruption(level: level, centred: centred, sizes: sizes, side: side) else {
        throw .notWhole(levelName: levelName, kind: kind.rawValue, level: level)
      }
      do { try corruption.validate(height: height, width: width) } catch { throw .levelOutOfRange(error) }
      return corruption
    }

    /// What the level measures, for the plot's x axis.
    public var levelName: String {
      switch kind {
      case .gaussian: "sigma of the gaussian noise (intensities 0-1)"
      case .saltPepper: "fraction of pixels set to 0 or 255"
      case .zero: "fraction of pixels set to 0"
      case .square: "side of the black square (pixels)"
      case .rectangles: "number of black rectangles"
      case .band: "width of the black band (fraction of the side)"
      case .half, .mixed, .quadrants: "level"
      }
    }

    /// A level as the CSV and the manifest spell it: whole kinds without a fraction.
    public func text(_ level: Double) -> String {
      kind == .square || kind == .rectangles ? String(Int(level)) : String(level)
    }

    /// The kind with its fixed parameters, in words: "gaussian noise", "a centred square",
    /// "rectangles with sides 4-10", "a band along the right".
    public var description: String {
      switch kind {
      case .gaussian: "gaussian noise"
      case .saltPepper: "salt-and-pepper noise"
      case .zero: "zeroed pixels"
      case .square: centred ? "a centred square" : "a square at a random place"
      case .rectangles: "rectangles with sides \(sizes.lowerBound)-\(sizes.upperBound)"
      case .band: "a band along the \(side.rawValue)"
      case .half, .mixed, .quadrants: kind.rawValue
      }
    }

    /// The family `corruption` belongs to, with its fixed parameters; nil for half and mixed,
    /// which have no level.
    public init?(_ corruption: CorruptionKind) {
      switch corruption {
      case .gaussian: kind = .gaussian
      case .saltPepper: kind = .saltPepper
      case .zero: kind = .zero
      case let .square(_, centred): (kind, self.centred) = (.square, centred)
      case let .rectangles(_, sizes): (kind, self.sizes) = (.rectangles, sizes)
      case let .band(side, _): (kind, self.side) = (.band, side)
      case .half, .mixed, .quadrants: return nil
      }
    }

    /// The family of the corruption a vae-corrupt `spec.json` holds, and the seed it used.
    /// Throws `CorruptionError` when the file cannot be read (an old spec.json included) and
    /// `MetricError.specKindHasNoLevel` for half and mixed.
    static func described(by path: String) throws -> (family: Family, seed: UInt64) {
      let spec = try CorruptionSpec.read(from: path)
      guard let family = Family(spec.corruption) else {
        throw MetricError.specKindHasNoLevel(kind: spec.corruption.name.rawValue, spec: path)
      }
      return (family, spec.seed)
    }
  }
}
