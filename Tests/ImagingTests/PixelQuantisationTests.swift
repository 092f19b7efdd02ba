import Testing
@testable import Imaging

@Suite struct PixelQuantisationTests {
  @Test func roundsClampsAndMapsNaNToBlack() {
    // 0.5 * 255 = 127.5 rounds away from zero to 128; 0.2 * 255 = 51 exactly;
    // 0.999 * 255 = 254.745 -> 255; 0.001 * 255 = 0.255 -> 0.
    let values: [Float] = [0, 0.5, 1, -0.2, 1.7, .nan, 0.2, 0.999, 0.001, .infinity, -.infinity]
    #expect(PixelQuantisation.bytes(values) == [0, 128, 255, 0, 255, 0, 51, 255, 0, 255, 0])
  }

  @Test func everyByteSurvivesARoundTrip() {
    let all = (0...255).map(UInt8.init)
    #expect(all.map { PixelQuantisation.byte(PixelQuantisation.unit($0)) } == all)
  }
}
