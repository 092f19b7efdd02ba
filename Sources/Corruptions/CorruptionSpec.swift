import DataFiles
import Foundation

/// vae-corrupt's `spec.json`: the corruption applied, as data, and where and how it was
/// applied. Every reader of spec.json goes through `read(from:)` (docs/FORMATS.md, "spec.json").
///
/// A file without `"format"` was written by a vae-corrupt that stored the corruption only
/// as prose; it is refused with a line saying to rerun vae-corrupt (which then does rerun:
/// its manifest records the spec format).
public struct CorruptionSpec: Equatable, Sendable {
  /// The value of `"format"` this version writes and reads.
  public static let format = "digitvae.corruption/1"
  /// The file's name, beside images.idx and mask.idx.
  public static let fileName = "spec.json"

  /// The corruption applied to every image.
  public var corruption: CorruptionKind
  /// The seed of the per-image random streams (`Corrupter`).
  public var seed: UInt64
  /// The clean images file, as given to vae-corrupt.
  public var source: String
  /// How many images were corrupted.
  public var count: Int
  /// The fraction of all pixels whose mask is 0 (hidden or replaced).
  public var hiddenFraction: Double

  public init(corruption: CorruptionKind, seed: UInt64, source: String, count: Int, hiddenFraction: Double) {
    self.corruption = corruption
    self.seed = seed
    self.source = source
    self.count = count
    self.hiddenFraction = hiddenFraction
  }

  /// The spec.json beside an images file (`<folder>/spec.json`, or `spec.json` for a bare name).
  public static func path(besideImages images: String) -> String {
    let folder = FilePaths.parent(of: images)
    return folder.isEmpty ? fileName : folder + "/" + fileName
  }

  /// The file's bytes: pretty-printed JSON with sorted keys, then a newline.
  public func encoded() throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return [UInt8](try encoder.encode(File(self))) + [10]
  }

  /// Writes the file atomically (a temporary name, then rename).
  public func write(to path: String) throws {
    try AtomicFile.write(try encoded(), to: path)
  }

  /// Reads and checks `path`; every fault is a `CorruptionError` naming the file.
  public static func read(from path: String) throws(CorruptionError) -> CorruptionSpec {
    let bytes: [UInt8]
    do { bytes = try FileReader.contents(of: path) } catch {
      let why = FileManager.default.fileExists(atPath: path) ? "cannot be read (\(error))" : "no such file"
      throw .badSpec(path: path, reason: why)
    }
    return try decode(Data(bytes), source: path)
  }

  /// Parses the bytes of a spec.json read from `path` (named in errors).
  public static func decode(_ data: Data, source path: String) throws(CorruptionError) -> CorruptionSpec {
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw .badSpec(path: path, reason: "not a JSON object")
    }
    guard let format = object["format"] else { throw .outdatedSpec(path: path) }
    guard let format = format as? String, format == Self.format else {
      throw .unknownSpecFormat(path: path, found: "\(format)")
    }
    do {
      return try JSONDecoder().decode(File.self, from: data).spec
    } catch let error as DecodingError {
      throw .badSpec(path: path, reason: Self.reason(error))
    } catch {
      throw .badSpec(path: path, reason: "\(error)")
    }
  }

  /// A decoding fault in a few words: the key path and what was wrong there.
  static func reason(_ error: DecodingError) -> String {
    func at(_ path: [any CodingKey]) -> String {
      path.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().drop { $0 == "." }.description
    }
    switch error {
    case let .keyNotFound(key, context): return "no \"\(at(context.codingPath + [key]))\""
    case let .typeMismatch(type, context), let .valueNotFound(type, context):
      return "\"\(at(context.codingPath))\" is not a \(type)"
    case let .dataCorrupted(context): return "\"\(at(context.codingPath))\": \(context.debugDescription)"
    @unknown default: return "\(error)"
    }
  }

  /// The file's layout: the spec's fields, the format, and the corruption in words.
  private struct File: Codable {
    var format: String
    var corruption: CorruptionKind
    /// `corruption.summary`, for people reading the file; readers take `corruption`.
    var description: String
    var seed: UInt64
    var source: String
    var count: Int
    var hiddenFraction: Double

    enum CodingKeys: String, CodingKey {
      case format, corruption, description, seed, source, count
      case hiddenFraction = "hidden_fraction"
    }

    init(_ spec: CorruptionSpec) {
      format = CorruptionSpec.format
      corruption = spec.corruption
      description = spec.corruption.summary
      seed = spec.seed
      source = spec.source
      count = spec.count
      hiddenFraction = spec.hiddenFraction
    }

    var spec: CorruptionSpec {
      CorruptionSpec(corruption: corruption, seed: seed, source: source, count: count, hiddenFraction: hiddenFraction)
    }
  }
}
