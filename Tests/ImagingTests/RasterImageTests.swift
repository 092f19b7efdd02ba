import Testing
@testable import Imaging

@Suite struct RasterImageTests {
  @Test func wrongPixelCountsAreRejected() {
    #expect(throws: ImagingError.pixelCountMismatch(width: 3, height: 2, channels: 1, found: 5)) {
      try GreyImage(width: 3, height: 2, pixels: [0, 0, 0, 0, 0])
    }
    #expect(throws: ImagingError.pixelCountMismatch(width: 2, height: 2, channels: 3, found: 4)) {
      try RGBImage(width: 2, height: 2, pixels: [0, 0, 0, 0])
    }
    #expect(throws: ImagingError.pixelCountMismatch(width: 1, height: 1, channels: 4, found: 3)) {
      try RGBAImage(width: 1, height: 1, pixels: [0, 0, 0])
    }
  }

  @Test func emptyNegativeAndHugeSizesAreRejected() {
    #expect(throws: ImagingError.badSize(width: 0, height: 3)) { try GreyImage(width: 0, height: 3, pixels: []) }
    #expect(throws: ImagingError.badSize(width: 2, height: -1)) { try GreyImage(width: 2, height: -1, pixels: []) }
    #expect(throws: ImagingError.badSize(width: 1 << 31, height: 1)) { try GreyImage(width: 1 << 31, height: 1, pixels: []) }
  }

  @Test func overflowingSizesAreRejectedNotTrapped() {
    let side = Int(Int32.max)
    #expect(throws: ImagingError.pixelCountMismatch(width: side, height: side, channels: 4, found: 0)) {
      try RGBAImage(width: side, height: side, pixels: [])
    }
  }

  @Test func floatValuesAreQuantised() throws {
    let image = try GreyImage(width: 3, height: 1, values: [0, 0.5, 1])
    #expect(image.pixels == [0, 128, 255])
  }

  @Test func subscriptIsColumnThenRow() {
    var image = GreyImage(width: 3, height: 2, filledWith: 0)
    image[2, 1] = 7
    #expect(image.pixels == [0, 0, 0, 0, 0, 7])
    var colour = RGBImage(width: 2, height: 2, filledWith: (1, 2, 3))
    colour[1, 0] = (9, 8, 7)
    #expect(colour.pixels == [1, 2, 3, 9, 8, 7, 1, 2, 3, 1, 2, 3])
    #expect(colour[1, 0] == (9, 8, 7))
  }

  @Test func greyBecomesRGBWithEqualChannels() throws {
    let rgb = RGBImage(try GreyImage(width: 2, height: 1, pixels: [10, 200]))
    #expect(rgb.pixels == [10, 10, 10, 200, 200, 200])
  }

  @Test func greyScalingRepeatsEachPixelAsABlock() throws {
    let image = try GreyImage(width: 2, height: 2, pixels: [1, 2, 3, 4])
    let big = image.scaled(by: 3)
    #expect(big.width == 6 && big.height == 6)
    #expect(big.pixels == [
      1, 1, 1, 2, 2, 2,
      1, 1, 1, 2, 2, 2,
      1, 1, 1, 2, 2, 2,
      3, 3, 3, 4, 4, 4,
      3, 3, 3, 4, 4, 4,
      3, 3, 3, 4, 4, 4,
    ])
    #expect(image.scaled(by: 1) == image)
  }

  @Test func colourScalingKeepsChannelsTogether() throws {
    let image = try RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
    let big = image.scaled(by: 2)
    #expect(big.width == 4 && big.height == 2)
    #expect(big.pixels == [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
    let rgba = try RGBAImage(width: 1, height: 2, pixels: [1, 2, 3, 4, 5, 6, 7, 8]).scaled(by: 2)
    #expect(rgba.pixels == [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 5, 6, 7, 8, 5, 6, 7, 8])
  }

  @Test func errorMessagesSayWhatWasExpectedAndFound() {
    let text = ImagingError.pixelCountMismatch(width: 28, height: 28, channels: 1, found: 700).description
    #expect(text.contains("784") && text.contains("700") && text.contains("28x28"))
    #expect(ImagingError.badSize(width: 0, height: 5).description.contains("0x5"))
  }
}
