/// An 8-bit colour image with alpha (PNG colour type 6): r, g, b, a bytes per pixel.
///
/// Alpha is straight (not premultiplied): 0 is fully transparent, 255 opaque.
public struct RGBAImage: RasterImage {
  public static let channels = 4
  public static let pngColourType: UInt8 = 6

  public let width: Int
  public let height: Int
  /// Row-major, top row first, `width * height * 4` bytes (r, g, b, a, ...).
  public private(set) var pixels: [UInt8]

  /// Wraps interleaved r, g, b, a bytes.
  /// - Throws: `ImagingError.badSize` or `.pixelCountMismatch`.
  public init(width: Int, height: Int, pixels: [UInt8]) throws {
    try validateImage(width: width, height: height, channels: 4, count: pixels.count)
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// This image with every pixel repeated as a `k` x `k` block (nearest neighbour); `k >= 1`.
  public func scaled(by k: Int) -> RGBAImage {
    RGBAImage(unchecked: width * k, height * k, upscaleNearest(pixels, width: width, height: height, channels: 4, by: k))
  }

  init(unchecked width: Int, _ height: Int, _ pixels: [UInt8]) {
    self.width = width
    self.height = height
    self.pixels = pixels
  }
}
