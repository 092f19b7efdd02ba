/// Turns intensities in [0, 1] (model outputs, pixel means) into 8-bit grey levels.
public enum PixelQuantisation {
  /// `round(255 * v)` after clamping `v` to [0, 1]; halves round away from
  /// zero, so 0.5 gives 128. NaN gives 0.
  public static func byte(_ value: Float) -> UInt8 {
    guard value > 0 else { return 0 }  // also catches NaN
    guard value < 1 else { return 255 }
    return UInt8((value * 255).rounded(.toNearestOrAwayFromZero))
  }

  /// `byte(_:)` of each value, in order.
  public static func bytes(_ values: some Collection<Float>) -> [UInt8] {
    values.map(byte)
  }

  /// A grey level back in [0, 1].
  public static func unit(_ byte: UInt8) -> Float {
    Float(byte) / 255
  }
}
