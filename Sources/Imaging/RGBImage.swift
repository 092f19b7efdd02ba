/// An 8-bit colour image (PNG colour type 2): red, green, blue bytes interleaved per pixel.
public struct RGBImage: RasterImage {
  public static let channels = 3
  public static let pngColourType: UInt8 = 2

  public let width: Int
  public let height: Int
  /// Row-major, top row first, `width * height * 3` bytes (r, g, b, r, g, b, ...).
  public private(set) var pixels: [UInt8]

  /// Wraps interleaved r, g, b bytes.
  /// - Throws: `ImagingError.badSize` or `.pixelCountMismatch`.
  public init(width: Int, height: Int, pixels: [UInt8]) throws {
    try validateImage(width: width, height: height, channels: 3, count: pixels.count)
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// An image of one colour; sizes are the caller's own, so they are preconditions.
  public init(width: Int, height: Int, filledWith colour: (red: UInt8, green: UInt8, blue: UInt8)) {
    precondition(width >= 1 && height >= 1, "image size must be at least 1x1, got \(width)x\(height)")
    self.width = width
    self.height = height
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for i in stride(from: 0, to: pixels.count, by: 3) {
      pixels[i] = colour.red
      pixels[i + 1] = colour.green
      pixels[i + 2] = colour.blue
    }
    self.pixels = pixels
  }

  /// The grey image with each level copied to all three channels.
  public init(_ grey: GreyImage) {
    width = grey.width
    height = grey.height
    var pixels = [UInt8](repeating: 0, count: grey.pixels.count * 3)
    for (i, v) in grey.pixels.enumerated() {
      pixels[3 * i] = v
      pixels[3 * i + 1] = v
      pixels[3 * i + 2] = v
    }
    self.pixels = pixels
  }

  /// The colour at column `x`, row `y` (0, 0 is the top left).
  public subscript(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
    get {
      precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
      let i = 3 * (y * width + x)
      return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
    set {
      precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
      let i = 3 * (y * width + x)
      pixels[i] = newValue.red
      pixels[i + 1] = newValue.green
      pixels[i + 2] = newValue.blue
    }
  }

  /// This image with every pixel repeated as a `k` x `k` block (nearest neighbour); `k >= 1`.
  public func scaled(by k: Int) -> RGBImage {
    RGBImage(unchecked: width * k, height * k, upscaleNearest(pixels, width: width, height: height, channels: 3, by: k))
  }

  init(unchecked width: Int, _ height: Int, _ pixels: [UInt8]) {
    self.width = width
    self.height = height
    self.pixels = pixels
  }
}
