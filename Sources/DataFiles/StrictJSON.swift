/// JSON read strictly (RFC 8259) and written reproducibly, for the files DigitVAE reads
/// from outside: the safetensors header (Checkpoints) and, as a syntax check before
/// `JSONDecoder`, run configs.
///
/// The parser keeps object members in file order (duplicates included, so the caller
/// can refuse them), runs in time linear in the text, and stops at fixed ceilings on
/// depth and on the number of values before it allocates more. `JSONSerialization`
/// took 7.6 s and 1.27 GB for a 20 MB safetensors header of 300,000 empty tensors and
/// silently kept only the last of duplicate keys; `JSONDecoder` also accepts trailing
/// commas (`{"a": 1,}`).
public enum StrictJSON {
  /// A parsed JSON value. Numbers keep their text: the header only needs integers,
  /// and messages should show what the file holds.
  public indirect enum Value: Equatable, Sendable {
    case object([Member])
    case array([Value])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// The value as compact JSON, for messages.
    public var rendered: String {
      switch self {
      case let .object(members): return "{" + members.map { quote($0.key) + ":" + $0.value.rendered }.joined(separator: ",") + "}"
      case let .array(items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
      case let .string(text): return quote(text)
      case let .number(text): return text
      case let .bool(flag): return flag ? "true" : "false"
      case .null: return "null"
      }
    }

    /// A JSON integer (no fraction, no exponent) that fits in Int; nil otherwise.
    public var integer: Int? {
      guard case let .number(text) = self, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
      return Int(text)
    }
  }

  /// One object member, in file order.
  public struct Member: Equatable, Sendable {
    public var key: String
    public var value: Value
  }

  /// The ceilings of `parse`.
  public struct Limits: Sendable {
    /// Containers nested deeper than this are refused (the parser recurses once per level).
    public var depth = 64
    /// Values of any kind, containers included, summed over the whole text.
    public var values = 250_000
    /// Members of the outermost object (for safetensors: the tensors and `__metadata__`).
    public var topLevelMembers = Int.max

    public init(depth: Int = 64, values: Int = 250_000, topLevelMembers: Int = Int.max) {
      self.depth = depth
      self.values = values
      self.topLevelMembers = topLevelMembers
    }
  }

  /// Why `parse` refused the text; `offset` counts bytes from the start of the header.
  public struct ParseError: Error, Equatable, Sendable {
    /// What is wrong and where ("... at byte 12").
    public var detail: String
    public var offset: Int
    /// Set when a ceiling of `Limits` stopped the parse, rather than bad syntax.
    public var ceiling: Ceiling? = nil
  }

  public enum Ceiling: Equatable, Sendable {
    case depth, values, topLevelMembers
  }

  /// Parses `bytes` (valid UTF-8, checked by the caller) as one JSON value with
  /// optional whitespace around it.
  public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws(ParseError) -> Value {
    var parser = Parser(bytes: bytes, limits: limits)
    parser.skipWhitespace()
    let value = try parser.value(depth: 0)
    parser.skipWhitespace()
    if parser.index < bytes.count { throw parser.error("unexpected \(parser.describeByte()) after the JSON value") }
    return value
  }

  /// A recursive-descent parser over the bytes; every step advances `index`, so
  /// the work is linear in the input.
  private struct Parser {
    let bytes: [UInt8]
    let limits: Limits
    var index = 0
    var values = 0

    init(bytes: [UInt8], limits: Limits) {
      self.bytes = bytes
      self.limits = limits
    }

    func error(_ detail: String, ceiling: Ceiling? = nil) -> ParseError {
      ParseError(detail: detail + " at byte \(index)", offset: index, ceiling: ceiling)
    }

    func describeByte() -> String {
      guard index < bytes.count else { return "end of the header" }
      let byte = bytes[index]
      return (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    mutating func skipWhitespace() {
      while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
        index += 1
      }
    }

    mutating func value(depth: Int) throws(ParseError) -> Value {
      values += 1
      if values > limits.values { throw error("more than \(limits.values) JSON values (the limit)", ceiling: .values) }
      guard index < bytes.count else { throw error("the header ends where a value should start") }
      switch bytes[index] {
      case UInt8(ascii: "{"): return try object(depth: depth + 1)
      case UInt8(ascii: "["): return try array(depth: depth + 1)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "n"): return try literal("null", .null)
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
      default: throw error("unexpected \(describeByte()) where a value should start")
      }
    }

    mutating func object(depth: Int) throws(ParseError) -> Value {
      if depth > limits.depth { throw error("objects and arrays nested deeper than \(limits.depth) levels", ceiling: .depth) }
      index += 1  // {
      var members: [Member] = []
      skipWhitespace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(members)
      }
      while true {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a quoted key, found \(describeByte())") }
        let key = try string()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a key, found \(describeByte())") }
        index += 1
        skipWhitespace()
        if depth == 1, members.count == limits.topLevelMembers {
          throw error("more than \(limits.topLevelMembers) members in the outermost object", ceiling: .topLevelMembers)
        }
        members.append(Member(key: key, value: try value(depth: depth)))
        skipWhitespace()
        guard index < bytes.count else { throw error("the header ends inside an object") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
          continue
        }
        guard bytes[index] == UInt8(ascii: "}") else { throw error("expected ',' or '}' in an object, found \(describeByte())") }
        index += 1
        return .object(members)
      }
    }

    mutating func array(depth: Int) throws(ParseError) -> Value {
      if depth > limits.depth { throw error("objects and arrays nested deeper than \(limits.depth) levels", ceiling: .depth) }
      index += 1  // [
      var items: [Value] = []
      skipWhitespace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(items)
      }
      while true {
        skipWhitespace()
        items.append(try value(depth: depth))
        skipWhitespace()
        guard index < bytes.count else { throw error("the header ends inside an array") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
          continue
        }
        guard bytes[index] == UInt8(ascii: "]") else { throw error("expected ',' or ']' in an array, found \(describeByte())") }
        index += 1
        return .array(items)
      }
    }

    mutating func literal(_ word: String, _ value: Value) throws(ParseError) -> Value {
      for expected in word.utf8 {
        guard index < bytes.count, bytes[index] == expected else { throw error("unexpected \(describeByte()) in a literal (expected \(word))") }
        index += 1
      }
      return value
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, kept as text.
    mutating func number() throws(ParseError) -> Value {
      let start = index
      func digits() -> Int {
        let first = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - first
      }
      if bytes[index] == UInt8(ascii: "-") { index += 1 }
      let leadingZero = index < bytes.count && bytes[index] == UInt8(ascii: "0")
      let whole = digits()
      guard whole > 0 else { throw error("a number needs digits") }
      guard !(leadingZero && whole > 1) else { throw error("a number has a leading zero") }
      if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
        index += 1
        guard digits() > 0 else { throw error("a number needs digits after '.'") }
      }
      if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
        index += 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digits() > 0 else { throw error("a number needs digits in its exponent") }
      }
      return .number(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    /// A string literal starting at `index` (a quote); escapes decoded.
    mutating func string() throws(ParseError) -> String {
      index += 1  // opening quote
      let start = index
      // Fast path: no escapes.
      while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
        guard bytes[index] >= 0x20 else { throw error("a control character (byte 0x\(String(bytes[index], radix: 16))) inside a string") }
        index += 1
      }
      guard index < bytes.count else { throw error("the header ends inside a string") }
      var decoded = Array(bytes[start..<index])
      while true {
        guard index < bytes.count else { throw error("the header ends inside a string") }
        let byte = bytes[index]
        if byte == UInt8(ascii: "\"") {
          index += 1
          return String(decoding: decoded, as: UTF8.self)
        }
        if byte < 0x20 { throw error("a control character (byte 0x\(String(byte, radix: 16))) inside a string") }
        guard byte == UInt8(ascii: "\\") else {
          decoded.append(byte)
          index += 1
          continue
        }
        index += 1
        guard index < bytes.count else { throw error("the header ends inside a string") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if (0xD800...0xDBFF).contains(scalar) {
            // A high surrogate must be followed by an escaped low one.
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
              throw error("a \\u escape holds an unpaired surrogate")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("a \\u escape holds an unpaired surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          } else if (0xDC00...0xDFFF).contains(scalar) {
            throw error("a \\u escape holds an unpaired surrogate")
          }
          guard let unicode = Unicode.Scalar(scalar) else { throw error("a \\u escape is not a Unicode scalar") }
          decoded += Array(String(Character(unicode)).utf8)
        default:
          index -= 1
          throw error("unknown escape \\\(describeByte()) in a string")
        }
      }
    }

    /// Four hex digits after \u.
    mutating func hex4() throws(ParseError) -> UInt32 {
      var value: UInt32 = 0
      for _ in 0..<4 {
        guard index < bytes.count, let digit = hexValue(bytes[index]) else { throw error("a \\u escape needs four hex digits") }
        value = value << 4 | UInt32(digit)
        index += 1
      }
      return value
    }

    func hexValue(_ byte: UInt8) -> UInt8? {
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
      default: return nil
      }
    }
  }

  /// Checks that `bytes` are one strict JSON value (valid UTF-8 too) with no object that
  /// names a key twice: the check to make before handing text to `JSONDecoder`, which
  /// accepts trailing commas and keeps one of two duplicate keys without a word.
  public static func check(_ bytes: [UInt8], limits: Limits = Limits()) throws(ParseError) {
    guard String(validating: bytes, as: UTF8.self) != nil else { throw ParseError(detail: "not valid UTF-8", offset: 0) }
    if let key = firstDuplicateKey(try parse(bytes, limits: limits)) {
      throw ParseError(detail: "the key \"\(key)\" appears twice in one object", offset: 0)
    }
  }

  /// The first key found twice in one object, searching depth first.
  static func firstDuplicateKey(_ value: Value) -> String? {
    switch value {
    case let .object(members):
      var seen = Set<String>()
      for member in members {
        if !seen.insert(member.key).inserted { return member.key }
        if let inner = firstDuplicateKey(member.value) { return inner }
      }
      return nil
    case let .array(items):
      for item in items { if let inner = firstDuplicateKey(item) { return inner } }
      return nil
    default:
      return nil
    }
  }

  /// `text` as a JSON string literal: `"` and `\` escaped, control characters
  /// as `\n`-style or `\u00XX` escapes, everything else as plain UTF-8.
  public static func quote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      case _ where scalar.value < 0x20:
        let digits = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
