import DataFiles

/// A looping greyscale animation written as an animated PNG (APNG), e.g. the
/// reconstructions of one batch after each training epoch, one frame per epoch.
///
/// Viewers without APNG support show frame 0 as a still image. Every frame
/// covers the whole canvas and replaces it (no offsets, no blending), so a
/// frame looks the same whatever came before it.
public struct Animation: Sendable, Equatable {
  /// The frames in order; all of the first frame's size.
  public var frames: [GreyImage]
  /// How long each frame is shown, in milliseconds (0...65535).
  public var delayMs: Int
  /// How long the last frame is held, if different from `delayMs` (lets the
  /// final result be seen before the loop restarts).
  public var finalDelayMs: Int?
  /// How many times the animation plays; 0 loops forever.
  public var loopCount: Int

  public init(frames: [GreyImage], delayMs: Int = 500, finalDelayMs: Int? = nil, loopCount: Int = 0) {
    self.frames = frames
    self.delayMs = delayMs
    self.finalDelayMs = finalDelayMs
    self.loopCount = loopCount
  }

  /// The whole APNG file.
  /// - Throws: `ImagingError.noFrames`, `.frameSizeMismatch`, `.delayOutOfRange`, `.loopCountOutOfRange`.
  public func pngData(compressionLevel: Int32 = 6) throws -> [UInt8] {
    try PNGEncoder.animated(self, compressionLevel: compressionLevel)
  }

  /// Writes the APNG atomically to `path`.
  public func writePNG(to path: String, compressionLevel: Int32 = 6) throws {
    try AtomicFile.write(pngData(compressionLevel: compressionLevel), to: path)
  }

  /// The delay of frame `index`, in milliseconds.
  func delay(ofFrame index: Int) -> Int {
    index == frames.count - 1 ? (finalDelayMs ?? delayMs) : delayMs
  }

  func validate() throws {
    guard let first = frames.first else { throw ImagingError.noFrames }
    for (i, frame) in frames.enumerated() where frame.width != first.width || frame.height != first.height {
      throw ImagingError.frameSizeMismatch(
        frame: i, expectedWidth: first.width, expectedHeight: first.height, foundWidth: frame.width, foundHeight: frame.height)
    }
    for ms in [delayMs] + (finalDelayMs.map { [$0] } ?? []) where !(0...Int(UInt16.max)).contains(ms) {
      throw ImagingError.delayOutOfRange(milliseconds: ms)
    }
    guard (0...Int(UInt32.max)).contains(loopCount) else { throw ImagingError.loopCountOutOfRange(loopCount) }
  }
}

extension PNGEncoder {
  /// An APNG: signature, IHDR, acTL, then fcTL + IDAT... for frame 0 (which is
  /// also the still image), fcTL + fdAT... for each later frame, IEND.
  ///
  /// fcTL and fdAT chunks share one sequence counter, starting at 0 and rising
  /// by one per chunk, in file order.
  static func animated(_ animation: Animation, compressionLevel: Int32, chunkLimit: Int = defaultChunkLimit) throws -> [UInt8] {
    try animation.validate()
    let frames = animation.frames
    var out = signature
    appendChunk("IHDR", header(frames[0]), to: &out)

    var control: [UInt8] = []
    append32(UInt32(frames.count), to: &control)  // num_frames
    append32(UInt32(animation.loopCount), to: &control)  // num_plays, 0 = forever
    appendChunk("acTL", control, to: &out)

    var sequence: UInt32 = 0
    for (index, frame) in frames.enumerated() {
      var frameControl: [UInt8] = []
      append32(sequence, to: &frameControl)  // sequence_number
      append32(UInt32(frame.width), to: &frameControl)  // width of this frame
      append32(UInt32(frame.height), to: &frameControl)  // height of this frame
      append32(0, to: &frameControl)  // x_offset
      append32(0, to: &frameControl)  // y_offset
      append16(UInt16(animation.delay(ofFrame: index)), to: &frameControl)  // delay_num
      append16(1000, to: &frameControl)  // delay_den: the delay is in 1/1000 s
      frameControl.append(0)  // dispose_op 0: leave the canvas as it is
      frameControl.append(0)  // blend_op 0: source, replace the region
      appendChunk("fcTL", frameControl, to: &out)
      sequence += 1

      let stream = try compressedScanlines(frame, level: compressionLevel)
      for piece in pieces(of: stream, limit: chunkLimit) {
        if index == 0 {
          appendChunk("IDAT", piece, to: &out)
        } else {
          var data: [UInt8] = []
          append32(sequence, to: &data)  // sequence_number, then the IDAT-style data
          data += piece
          appendChunk("fdAT", data, to: &out)
          sequence += 1
        }
      }
    }
    appendChunk("IEND", [], to: &out)
    return out
  }
}
