import Testing
import TestSupport
@testable import Imaging

@Suite struct PNGEncoderTests {
  @Test func tinyGreyImageHasTheGoldenHeaderAndTrailer() throws {
    let png = try GreyImage(width: 2, height: 2, pixels: [0, 85, 170, 255]).pngData()
    // Signature, then IHDR: length 13, "IHDR", width 2, height 2, depth 8,
    // colour type 0, compression 0, filter 0, interlace 0, CRC-32 computed
    // with Python's zlib.crc32 over "IHDR" + the 13 data bytes.
    let golden: [UInt8] = [
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A,
      0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
      0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
      0x08, 0x00, 0x00, 0x00, 0x00,
      0x57, 0xDD, 0x52, 0xF8,
    ]
    #expect(Array(png.prefix(golden.count)) == golden)
    // IEND: length 0, "IEND", its fixed CRC ae 42 60 82.
    #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
  }

  @Test func greyImageDecodesPixelForPixelWithSeveralFilters() throws {
    let image = try Self.mixedGreyImage()
    let folder = try TemporaryFolder("imaging-png")
    defer { folder.remove() }
    let decoded = try PythonPNGReader.read(try image.pngData(), in: folder)
    let header = decoded.report.header
    #expect(header.width == image.width && header.height == image.height)
    #expect(header.depth == 8 && header.colourType == 0)
    #expect(header.compression == 0 && header.filter == 0 && header.interlace == 0)
    #expect(decoded.report.chunks.first == "IHDR" && decoded.report.chunks.last == "IEND")
    #expect(decoded.report.animation == nil)
    #expect(pixelDifference(decoded.still, image.pixels) == nil, "\(pixelDifference(decoded.still, image.pixels) ?? "")")
    let used = Set(decoded.report.stillFilters)
    #expect(used.count >= 3, "filters used per row: \(decoded.report.stillFilters)")
    if decoded.report.pillow.available {
      #expect(decoded.report.pillow.mode == "L")
      #expect(framesDifference(decoded.pillowFrames, [image.pixels]) == nil, "Pillow: \(framesDifference(decoded.pillowFrames, [image.pixels]) ?? "")")
    }
  }

  @Test func rgbImageDecodesPixelForPixelWithSeveralFilters() throws {
    var rng = SplitMix(seed: 7)
    let (width, height) = (40, 30)
    var pixels: [UInt8] = []
    for y in 0..<height {
      for x in 0..<width {
        if y < 10 {
          // Smooth gradients: the differencing filters win here.
          pixels += [UInt8(x * 6), UInt8(y * 8), UInt8((x + y) * 3)]
        } else if y < 20 {
          // Noise: nothing predicts it, so no filter helps much.
          pixels += [rng.byte(), rng.byte(), rng.byte()]
        } else {
          // Vertical stripes: every row repeats the one above (Up).
          pixels += x % 8 < 4 ? [200, 30, 30] : [20, 20, 220]
        }
      }
    }
    let image = try RGBImage(width: width, height: height, pixels: pixels)
    let folder = try TemporaryFolder("imaging-png")
    defer { folder.remove() }
    let decoded = try PythonPNGReader.read(try image.pngData(), in: folder)
    #expect(decoded.report.header.colourType == 2)
    #expect(pixelDifference(decoded.still, pixels) == nil, "\(pixelDifference(decoded.still, pixels) ?? "")")
    #expect(Set(decoded.report.stillFilters).count >= 2, "filters used per row: \(decoded.report.stillFilters)")
    // Stripe rows after the first repeat the row above: Up makes them all zero.
    #expect(decoded.report.stillFilters[21...].allSatisfy { $0 == 2 }, "filters used per row: \(decoded.report.stillFilters)")
    if decoded.report.pillow.available {
      #expect(framesDifference(decoded.pillowFrames, [pixels]) == nil, "Pillow: \(framesDifference(decoded.pillowFrames, [pixels]) ?? "")")
    }
  }

  @Test func rgbaImageDecodesPixelForPixel() throws {
    var pixels: [UInt8] = []
    for y in 0..<9 {
      for x in 0..<13 { pixels += [UInt8(x * 19), UInt8(y * 28), 128, UInt8((x * y * 7) % 256)] }
    }
    let image = try RGBAImage(width: 13, height: 9, pixels: pixels)
    let folder = try TemporaryFolder("imaging-png")
    defer { folder.remove() }
    let decoded = try PythonPNGReader.read(try image.pngData(), in: folder)
    #expect(decoded.report.header.colourType == 6)
    #expect(pixelDifference(decoded.still, pixels) == nil, "\(pixelDifference(decoded.still, pixels) ?? "")")
    if decoded.report.pillow.available {
      #expect(framesDifference(decoded.pillowFrames, [pixels]) == nil, "Pillow: \(framesDifference(decoded.pillowFrames, [pixels]) ?? "")")
    }
  }

  @Test func longStreamsAreSplitIntoSeveralIDATChunks() throws {
    let image = try Self.mixedGreyImage()
    // Level 0 (stored) keeps the stream long; 500-byte chunks force a split.
    let png = try PNGEncoder.still(image, compressionLevel: 0, chunkLimit: 500)
    let folder = try TemporaryFolder("imaging-png")
    defer { folder.remove() }
    let decoded = try PythonPNGReader.read(png, in: folder)
    let idats = decoded.report.chunks.filter { $0 == "IDAT" }.count
    let expected = (image.height * (image.width + 1) + 499) / 500  // at least this many
    #expect(idats >= expected, "IDAT chunks: \(idats), expected at least \(expected)")
    #expect(pixelDifference(decoded.still, image.pixels) == nil, "\(pixelDifference(decoded.still, image.pixels) ?? "")")
  }

  @Test func writePNGPutsTheSameBytesOnDisk() throws {
    let folder = try TemporaryFolder("imaging-png")
    defer { folder.remove() }
    let image = try Self.mixedGreyImage()
    try image.writePNG(to: folder.file("out.png"))
    let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder.file("out.png"))))
    #expect(onDisk == (try image.pngData()))
  }

  @Test func writingIntoAMissingFolderNamesThePath() throws {
    let image = GreyImage(width: 1, height: 1, filledWith: 0)
    #expect(throws: DataFileError.self) { try image.writePNG(to: "/nonexistent-folder-imaging/x.png") }
  }

  /// A 96x64 grey image whose rows favour different filters: digits (flat
  /// background, smooth strokes), a horizontal ramp (Sub), repeated rows (Up)
  /// and noise.
  static func mixedGreyImage() throws -> GreyImage {
    let (width, height) = (96, 64)
    var image = GreyImage(width: width, height: height, filledWith: 0)
    for d in 0..<3 {
      let tile = PixelQuantisation.bytes(SyntheticDigits.digit(d + 3, seed: 1))
      for y in 0..<28 { for x in 0..<28 { image[d * 32 + x, y] = tile[y * 28 + x] } }
    }
    var rng = SplitMix(seed: 99)
    for y in 28..<64 {
      for x in 0..<width {
        switch y {
        case 28..<36: image[x, y] = UInt8(x * 2 + 10)
        case 36..<48: image[x, y] = (x / 6) % 2 == 0 ? 240 : 15
        case 48..<56: image[x, y] = rng.byte()
        default: image[x, y] = UInt8((x * 3 + y * 5) % 256)
        }
      }
    }
    return image
  }
}

import DataFiles
import Foundation
