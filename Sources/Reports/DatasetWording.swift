import DataFiles

/// How the pages speak of a data set: its classes by name ("T-shirt/top", not
/// "digit 0"), its image size, and what its items are, so the word "digit" is
/// used for the digit sets only.
extension DatasetDescriptor {
  /// The most classes a per-label figure shows (rows of labels.png, columns of the analogies,
  /// canvases of the label manifolds); a data set with more shows its first ones.
  public static let classesShown = 10

  /// The labels the per-label figures show: 0...min(K, 10) - 1.
  public var shownLabels: Range<Int> { 0..<min(classCount, Self.classesShown) }

  /// "28×28": the tile size of the figures.
  public var tileText: String { "\(height)\u{00D7}\(width)" }

  /// The shown labels as the figures order them: "digits 0 (top) to 9 (bottom)", or
  /// "T-shirt/top (top), Trouser, ..., Ankle boot (bottom)"; `first` and `last` name the ends.
  public func shownLabelsText(first: String, last: String) -> String {
    let labels = shownLabels
    let more = classCount > labels.count ? " (the first \(labels.count) of \(classCount) classes)" : ""
    if isDigits {
      return "\(nouns) \(classes[labels.lowerBound]) (\(first)) to \(classes[labels.upperBound - 1]) (\(last))\(more)"
    }
    let names = labels.map { classes[$0] }
    guard let head = names.first, let tail = names.last, names.count > 1 else { return "\(names.first ?? "") (\(first))\(more)" }
    return "\(head) (\(first)), " + names.dropFirst().dropLast().joined(separator: ", ") + ", \(tail) (\(last))\(more)"
  }

  /// How canvases laid out two to a row read: "Labels 0 and 1 on the top row, 2 and 3 below,
  /// down to 8 and 9." (class names for the sets that are not digits).
  public var pairedLabelsText: String {
    let names = shownLabels.map { classes[$0] }
    let pairs = stride(from: 0, to: names.count, by: 2).map { names[$0..<min($0 + 2, names.count)].joined(separator: " and ") }
    switch pairs.count {
    case 0: return ""
    case 1: return "Labels \(pairs[0]) on the top row."
    case 2: return "Labels \(pairs[0]) on the top row, \(pairs[1]) below."
    default: return "Labels \(pairs[0]) on the top row, \(pairs[1]) below, down to \(pairs[pairs.count - 1])."
    }
  }

  /// What the latent code is left to carry once the label fixes the class.
  public var styleText: String {
    isDigits ? "(slant, stroke width, size)" : "(shape, thickness, size and shading)"
  }

  /// The legend entries of a plot coloured by label: "digit 0", ... or the class names.
  public var legendNames: [String] { classes.indices.map(labelText) }
}
