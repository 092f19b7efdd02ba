import Foundation

/// What a data set is, as every stage needs to know it: its name, the names of
/// its classes, the size of its images, and what one item is called.
///
/// The built-in sets (``mnist``, ``fashionMNIST``, ``kmnist``) are described
/// here; `vae-decompress` writes the descriptor beside the IDX files as
/// `dataset.json`, and a folder a user made is described from its own files
/// (``read(folder:)``). Runs carry it in `config.json`, the judge in its
/// metadata, and `vae-eval` in `metrics.json`, so that every page can name the
/// classes ("T-shirt/top", not "digit 0") and a judge trained on one data set
/// is never used on another.
public struct DatasetDescriptor: Codable, Equatable, Sendable {
  /// The short name: `mnist`, `fashion-mnist`, `kmnist`, or a user folder's name.
  public var name: String
  /// The name for people: "MNIST", "Fashion-MNIST".
  public var title: String
  /// One name per label, label k being `classes[k]`; empty for images without labels.
  public var classes: [String]
  /// Image rows.
  public var height: Int
  /// Image columns.
  public var width: Int
  /// What one item is: "digit", "garment", "character", "class".
  public var noun: String

  public init(name: String, title: String, classes: [String], height: Int, width: Int, noun: String) {
    self.name = name
    self.title = title
    self.classes = classes
    self.height = height
    self.width = width
    self.noun = noun
  }

  /// The descriptor's file in a data folder.
  public static let fileName = "dataset.json"
  /// The optional class names of a user folder, one per line.
  public static let classesFileName = "classes.txt"
  /// The most classes a label (one byte) can tell apart.
  public static let maxClasses = 256
  /// The longest side, and the most pixels, an image may have.
  public static let maxSide = 4096
  public static let maxPixels = 1 << 20
  /// The longest name, class name or noun.
  public static let maxNameLength = 64

  /// Pixels per image.
  public var pixels: Int { height * width }
  /// K, the number of labels.
  public var classCount: Int { classes.count }
  /// The side of a square image, nil otherwise.
  public var side: Int? { height == width ? height : nil }
  /// True for the digit sets, whose classes are best named "digit k".
  public var isDigits: Bool { noun == "digit" }
  /// The plural of ``noun``.
  public var nouns: String { noun.hasSuffix("s") ? noun + "es" : noun + "s" }
  /// "28 x 28".
  public var sizeText: String { "\(height) x \(width)" }

  /// How label `k` reads on a page: "digit 3" for digits, "class 3" for a class named by
  /// its number only, the class name otherwise.
  public func labelText(_ k: Int) -> String {
    guard classes.indices.contains(k) else { return "\(noun) \(k)" }
    return isDigits || classes[k] == String(k) ? "\(noun) \(classes[k])" : classes[k]
  }

  /// A one-line summary: "Fashion-MNIST (28 x 28, 10 classes)", with the name after the
  /// title when it is not the title in lower case ("Kuzushiji-MNIST (kmnist; ...)").
  public var summary: String {
    "\(title) (\(title.lowercased() == name ? "" : "\(name); ")\(sizeText), \(classes.isEmpty ? "no labels" : "\(classCount) classes"))"
  }

  /// The data sets `vae-fetch` knows, by name.
  public static let builtIn: [DatasetDescriptor] = [mnist, fashionMNIST, kmnist]

  /// The built-in data set named `name`, nil for any other.
  public static func builtIn(named name: String) -> DatasetDescriptor? { builtIn.first { $0.name == name } }

  /// LeCun, Cortes and Burges' handwritten digits.
  public static let mnist = DatasetDescriptor(
    name: "mnist", title: "MNIST", classes: (0...9).map(String.init), height: 28, width: 28, noun: "digit")

  /// Zalando's clothing images (Xiao, Rasul and Vollgraf, 2017), classes as its README names them.
  public static let fashionMNIST = DatasetDescriptor(
    name: "fashion-mnist", title: "Fashion-MNIST",
    classes: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    height: 28, width: 28, noun: "garment")

  /// Kuzushiji-MNIST (Clanuwat et al., 2018): ten cursive hiragana, with their romanisation.
  public static let kmnist = DatasetDescriptor(
    name: "kmnist", title: "Kuzushiji-MNIST",
    classes: ["お (o)", "き (ki)", "す (su)", "つ (tsu)", "な (na)", "は (ha)", "ま (ma)", "や (ya)", "れ (re)", "を (wo)"],
    height: 28, width: 28, noun: "character")

  /// The reason this descriptor cannot be used, nil when every field is in range.
  public var problem: String? {
    if !Self.isName(name) { return "name \"\(name.prefix(80))\" is not 1...\(Self.maxNameLength) letters, digits, '.', '_' or '-'" }
    if title.isEmpty || title.count > Self.maxNameLength || title.contains(where: \.isNewline) {
      return "title must be 1...\(Self.maxNameLength) characters on one line"
    }
    if classes.count > Self.maxClasses {
      return "\(classes.count) classes, expected at most \(Self.maxClasses) (0 for images without labels)"
    }
    if let bad = classes.firstIndex(where: { $0.isEmpty || $0.count > Self.maxNameLength || $0.contains(where: \.isNewline) }) {
      return "class \(bad) has an empty, multi-line or over-long name"
    }
    if !(1...Self.maxSide).contains(height) || !(1...Self.maxSide).contains(width) || height * width > Self.maxPixels {
      return "images of \(height) x \(width) pixels; sides must be 1...\(Self.maxSide) and at most \(Self.maxPixels) pixels in all"
    }
    if noun.isEmpty || noun.count > Self.maxNameLength || noun.contains(where: \.isNewline) {
      return "noun must be 1...\(Self.maxNameLength) characters on one line"
    }
    return nil
  }

  /// True for a name that can be a folder name under `artifacts/`.
  public static func isName(_ text: String) -> Bool {
    !text.isEmpty && text.count <= maxNameLength && text != "." && text != ".."
      && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
  }

  /// Compact, key-sorted JSON (the same descriptor always gives the same bytes).
  public func json(pretty: Bool = false) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    // Plain strings and numbers always encode.
    guard let data = try? encoder.encode(self) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
  }

  /// Parses and checks a descriptor's JSON; `source` names the file in the error.
  public static func parse(_ text: String, source: String) throws -> DatasetDescriptor {
    do { try StrictJSON.check(Array(text.utf8)) } catch {
      throw DataFileError.badDataset(path: source, reason: "not valid JSON (\(error.detail))")
    }
    guard let descriptor = try? JSONDecoder().decode(DatasetDescriptor.self, from: Data(text.utf8)) else {
      throw DataFileError.badDataset(path: source, reason: "not a data-set descriptor (needs name, title, classes, height, width, noun)")
    }
    if let problem = descriptor.problem { throw DataFileError.badDataset(path: source, reason: problem) }
    return descriptor
  }
}
