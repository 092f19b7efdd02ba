import Testing
import TestSupport
@testable import Imaging

@Suite struct AnimationTests {
  /// Four 30x20 frames of a digit fading in, each different.
  func frames() -> [GreyImage] {
    (0..<4).map { step in
      var image = GreyImage(width: 30, height: 20, filledWith: UInt8(step * 10))
      let tile = PixelQuantisation.bytes(SyntheticDigits.digit(step, seed: 3).map { $0 * Float(step + 1) / 4 })
      for y in 0..<20 { for x in 0..<28 { image[x, y] = max(image[x, y], tile[(y + 4) * 28 + x]) } }
      return image
    }
  }

  @Test func framesSequenceNumbersAndDelaysReadBack() throws {
    let frames = frames()
    let animation = Animation(frames: frames, delayMs: 250, finalDelayMs: 1500, loopCount: 3)
    // Small chunks so later frames take several fdAT chunks each.
    let png = try PNGEncoder.animated(animation, compressionLevel: 0, chunkLimit: 200)
    let folder = try TemporaryFolder("imaging-apng")
    defer { folder.remove() }
    let decoded = try PythonPNGReader.read(png, in: folder)
    let report = decoded.report

    #expect(report.animation?.frames == 4)
    #expect(report.animation?.plays == 3)
    #expect(Array(report.chunks.prefix(4)) == ["IHDR", "acTL", "fcTL", "IDAT"])
    let fdats = report.chunks.filter { $0 == "fdAT" }.count
    #expect(fdats > 3, "expected several fdAT chunks per frame, found \(fdats)")
    // One counter across fcTL and fdAT, in file order, from 0.
    #expect(report.sequence == Array(0..<(4 + fdats)))
    #expect(report.frames.map(\.control.delayNum) == [250, 250, 250, 1500])
    #expect(report.frames.allSatisfy { $0.control.delayDen == 1000 })
    #expect(report.frames.allSatisfy { $0.control.width == 30 && $0.control.height == 20 })
    #expect(report.frames.allSatisfy { $0.control.xOffset == 0 && $0.control.yOffset == 0 })
    #expect(report.frames.allSatisfy { $0.control.disposeOp == 0 && $0.control.blendOp == 0 })
    #expect(framesDifference(decoded.frames, frames.map(\.pixels)) == nil, "\(framesDifference(decoded.frames, frames.map(\.pixels)) ?? "")")
    #expect(decoded.still == frames[0].pixels)
    if report.pillow.available {
      #expect(report.pillow.frames == 4)
      #expect(framesDifference(decoded.pillowFrames, frames.map(\.pixels)) == nil, "Pillow: \(framesDifference(decoded.pillowFrames, frames.map(\.pixels)) ?? "")")
    }
  }

  @Test func defaultAnimationLoopsForeverWithOneChunkPerFrame() throws {
    let png = try Animation(frames: frames(), delayMs: 100).pngData()
    let folder = try TemporaryFolder("imaging-apng")
    defer { folder.remove() }
    let report = try PythonPNGReader.read(png, in: folder).report
    #expect(report.animation?.plays == 0)
    #expect(report.chunks == ["IHDR", "acTL", "fcTL", "IDAT", "fcTL", "fdAT", "fcTL", "fdAT", "fcTL", "fdAT", "IEND"])
    #expect(report.sequence == Array(0..<7))
  }

  @Test func oneFrameIsAValidAnimation() throws {
    let frame = GreyImage(width: 3, height: 2, filledWith: 9)
    let folder = try TemporaryFolder("imaging-apng")
    defer { folder.remove() }
    let decoded = try PythonPNGReader.read(try Animation(frames: [frame]).pngData(), in: folder)
    #expect(decoded.report.animation?.frames == 1)
    #expect(decoded.frames == [frame.pixels])
  }

  @Test func noFramesIsRejected() {
    #expect(throws: ImagingError.noFrames) { try Animation(frames: []).pngData() }
  }

  @Test func framesOfDifferentSizesAreRejected() {
    let a = GreyImage(width: 4, height: 4, filledWith: 0)
    let b = GreyImage(width: 4, height: 5, filledWith: 0)
    #expect(throws: ImagingError.frameSizeMismatch(frame: 2, expectedWidth: 4, expectedHeight: 4, foundWidth: 4, foundHeight: 5)) {
      try Animation(frames: [a, a, b]).pngData()
    }
  }

  @Test func delaysOutsideSixteenBitsAreRejected() {
    let a = GreyImage(width: 2, height: 2, filledWith: 0)
    #expect(throws: ImagingError.delayOutOfRange(milliseconds: 65536)) { try Animation(frames: [a], delayMs: 65536).pngData() }
    #expect(throws: ImagingError.delayOutOfRange(milliseconds: -1)) { try Animation(frames: [a], delayMs: -1).pngData() }
    #expect(throws: ImagingError.delayOutOfRange(milliseconds: 70000)) {
      try Animation(frames: [a], delayMs: 100, finalDelayMs: 70000).pngData()
    }
    #expect(throws: Never.self) { try Animation(frames: [a], delayMs: 65535, finalDelayMs: 0).pngData() }
  }

  @Test func negativeLoopCountIsRejected() {
    let a = GreyImage(width: 2, height: 2, filledWith: 0)
    #expect(throws: ImagingError.loopCountOutOfRange(-1)) { try Animation(frames: [a], loopCount: -1).pngData() }
  }

  @Test func writePNGWritesTheAnimation() throws {
    let folder = try TemporaryFolder("imaging-apng")
    defer { folder.remove() }
    let animation = Animation(frames: frames())
    try animation.writePNG(to: folder.file("a.png"))
    let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder.file("a.png"))))
    #expect(onDisk == (try animation.pngData()))
  }
}

import Foundation
