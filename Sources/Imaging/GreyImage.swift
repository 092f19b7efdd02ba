/// An 8-bit greyscale image (PNG colour type 0): one byte per pixel, 0 black, 255 white.
public struct GreyImage: RasterImage {
  public static let channels = 1
  public static let pngColourType: UInt8 = 0

  public let width: Int
  public let height: Int
  /// Row-major, top row first, `width * height` bytes.
  public private(set) var pixels: [UInt8]

  /// Wraps `pixels` (row-major, top row first).
  /// - Throws: `ImagingError.badSize` or `.pixelCountMismatch`.
  public init(width: Int, height: Int, pixels: [UInt8]) throws {
    try validateImage(width: width, height: height, channels: 1, count: pixels.count)
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// Quantises values in [0, 1] (0 black, 1 white) with `PixelQuantisation.byte`.
  public init(width: Int, height: Int, values: [Float]) throws {
    try self.init(width: width, height: height, pixels: PixelQuantisation.bytes(values))
  }

  /// An image of one grey level; sizes are the caller's own, so they are preconditions.
  public init(width: Int, height: Int, filledWith value: UInt8) {
    precondition(width >= 1 && height >= 1, "image size must be at least 1x1, got \(width)x\(height)")
    self.width = width
    self.height = height
    self.pixels = [UInt8](repeating: value, count: width * height)
  }

  /// The grey level at column `x`, row `y` (0, 0 is the top left).
  public subscript(x: Int, y: Int) -> UInt8 {
    get {
      precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
      return pixels[y * width + x]
    }
    set {
      precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
      pixels[y * width + x] = newValue
    }
  }

  /// This image with every pixel repeated as a `k` x `k` block (nearest neighbour); `k >= 1`.
  public func scaled(by k: Int) -> GreyImage {
    GreyImage(unchecked: width * k, height * k, upscaleNearest(pixels, width: width, height: height, channels: 1, by: k))
  }

  init(unchecked width: Int, _ height: Int, _ pixels: [UInt8]) {
    self.width = width
    self.height = height
    self.pixels = pixels
  }
}
