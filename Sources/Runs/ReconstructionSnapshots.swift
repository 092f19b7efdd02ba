import DataFiles
import Foundation
import Imaging
import Models

/// `<run>/snapshots.idx`: decode(mu(x)) of the same N test images at the end of
/// every epoch, so vae-render can animate how the reconstructions formed.
///
/// IDX UInt8 of shape [epochs, N, H, W] (28 x 28 for MNIST; see docs/FORMATS.md, "snapshots.idx"):
/// frame e is the state after epoch e + 1, pixels are `PixelQuantisation.byte`
/// of the decoder's probabilities. The images are the first N test inputs the
/// run is scored on (the corrupted ones of a denoising run).
///
/// It is rewritten atomically at each epoch end, after log.csv and before the
/// checkpoint, and trimmed on resume to the checkpoint's epochs as log.csv is,
/// so the file always has one frame per epoch of the run it sits in. Making a
/// frame uses only decode(mu) (no sampling, no dropout, no generator draws)
/// and so leaves training bitwise unchanged.
public struct ReconstructionSnapshots: Sendable, Equatable {
  public static let fileName = "snapshots.idx"
  /// The most images a snapshot may hold.
  public static let maxImages = 100

  /// Images per frame (N).
  public var images: Int
  /// The images' rows and columns.
  public var height: Int
  public var width: Int
  /// Frames one after another, each [N, H * W].
  public var pixels: [UInt8]

  public init(images: Int, height: Int = DigitSet.side, width: Int = DigitSet.side, pixels: [UInt8] = []) {
    precondition(images >= 1 && height >= 1 && width >= 1, "at least one image of at least one pixel")
    precondition(pixels.count % (images * height * width) == 0, "pixels must be [frames, images, height * width]")
    self.images = images
    self.height = height
    self.width = width
    self.pixels = pixels
  }

  /// Pixels per image.
  var imageSize: Int { height * width }

  /// The number of frames (epochs).
  public var frames: Int { pixels.count / (images * imageSize) }

  /// Frame `index`'s images, each H * W grey levels.
  public func frame(_ index: Int) -> [[UInt8]] {
    precondition((0..<frames).contains(index), "frame \(index) outside 0..<\(frames)")
    let d = imageSize
    let start = index * images * d
    return (0..<images).map { Array(pixels[(start + $0 * d)..<(start + ($0 + 1) * d)]) }
  }

  /// Keeps the first `count` frames.
  public mutating func trim(toFrames count: Int) {
    pixels.removeLast(max(0, frames - count) * images * imageSize)
  }

  /// Reads `path`, checked to hold snapshots of the run's `height` x `width` images.
  public static func read(from path: String, height: Int, width: Int) throws -> ReconstructionSnapshots {
    let array: IDXArray<UInt8>
    do { array = try IDX.read(UInt8.self, from: path) } catch {
      throw RunError.dataMismatch(path: path, reason: "not a readable UInt8 IDX file (\(error))")
    }
    guard array.shape.count == 4, (1...maxImages).contains(array.shape[1]), array.shape[2] == height, array.shape[3] == width else {
      throw RunError.dataMismatch(
        path: path,
        reason: "expected reconstruction snapshots of shape [epochs, 1...\(maxImages), \(height), \(width)], found "
          + "[\(array.shape.map(String.init).joined(separator: ", "))]; delete it or train again with --force")
    }
    return ReconstructionSnapshots(images: array.shape[1], height: array.shape[2], width: array.shape[3], pixels: array.scalars)
  }

  /// Writes the file atomically.
  public func write(to path: String) throws {
    try IDX.write(IDXArray(shape: [frames, images, height, width], scalars: pixels), to: path)
  }

  /// Writes the file, or removes it when there are no frames (an IDX of no frames would say nothing).
  func save(to path: String) throws {
    if frames > 0 { try write(to: path) } else { try? FileManager.default.removeItem(atPath: path) }
  }

  /// Appends decode(mu(x)) of `inputs` ([images, H * W] grey levels) under `model`.
  public mutating func append(model: VAE, inputs: ArraySlice<UInt8>) {
    precondition(inputs.count == images * imageSize, "inputs must be [images, height * width]")
    let x = inputs.map { Float($0) * (1 / 255) }
    pixels += PixelQuantisation.bytes(model.reconstruct(x, count: images))
  }
}

extension ReconstructionSnapshots {
  /// Keeps `<run>/snapshots.idx` in step with a training session.
  public final class Recorder {
    let path: String
    var snapshots: ReconstructionSnapshots
    let inputs: ArraySlice<UInt8>

    /// Prepares the file for a session that starts after `epochsDone` epochs.
    /// `requested` is the `--snapshot-images` value: nil continues an existing
    /// file on resume and records nothing otherwise; 0 records nothing.
    /// Returns nil when nothing is to be recorded.
    public static func start(
      path: String, requested: Int?, epochsDone: Int, resuming: Bool, testInputs: [UInt8], testCount: Int, height: Int, width: Int
    ) throws -> Recorder? {
      let exists = FileManager.default.fileExists(atPath: path)
      if !resuming, exists { try FileManager.default.removeItem(atPath: path) }
      var existing: ReconstructionSnapshots?
      if resuming, exists { existing = try read(from: path, height: height, width: width) }
      guard let n = requested ?? existing?.images, n > 0 else {
        // Not recording: an old file must still not run ahead of the log.
        if var old = existing, old.frames > epochsDone {
          old.trim(toFrames: epochsDone)
          try old.save(to: path)
        }
        return nil
      }
      guard n <= testCount else {
        throw RunError.dataMismatch(path: path, reason: "--snapshot-images \(n) asks for more than the \(testCount) test images")
      }
      var snapshots = ReconstructionSnapshots(images: n, height: height, width: width)
      if let old = existing, epochsDone > 0 {
        guard old.images == n else {
          throw RunError.dataMismatch(
            path: path, reason: "holds \(old.images) images per frame, not the \(n) of --snapshot-images; give --snapshot-images \(old.images) or leave it out")
        }
        guard old.frames >= epochsDone else {
          throw RunError.dataMismatch(
            path: path,
            reason: "holds \(old.frames) frames but the checkpoint is after \(epochsDone) epochs, so one frame per epoch "
              + "cannot be kept; resume without --snapshot-images, or start over with --force")
        }
        snapshots = old
        snapshots.trim(toFrames: epochsDone)
      } else if epochsDone > 0 {
        throw RunError.missingInput(
          path: path,
          hint: "resuming after \(epochsDone) epochs, but the earlier epochs made no snapshots; resume without --snapshot-images, or start over with --force")
      }
      if exists { try snapshots.save(to: path) }
      return Recorder(path: path, snapshots: snapshots, inputs: testInputs[0..<(n * height * width)])
    }

    init(path: String, snapshots: ReconstructionSnapshots, inputs: ArraySlice<UInt8>) {
      self.path = path
      self.snapshots = snapshots
      self.inputs = inputs
    }

    /// Adds the frame for the epoch that just ended and rewrites the file.
    public func record(_ model: VAE) throws {
      snapshots.append(model: model, inputs: inputs)
      try snapshots.write(to: path)
    }
  }
}
