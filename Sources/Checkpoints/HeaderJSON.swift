import Foundation

/// The two pieces of JSON handling `JSONSerialization` does not offer: writing
/// a string literal byte-for-byte reproducibly, and listing an object's
/// top-level keys in order (it silently keeps only the last of duplicates).
enum HeaderJSON {
  /// `text` as a JSON string literal: `"` and `\` escaped, control characters
  /// as `\n`-style or `\u00XX` escapes, everything else as plain UTF-8.
  static func quote(_ text: String) -> String {
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

  /// The keys of the top-level object in `json`, in order, unescaped.
  ///
  /// Call only on bytes `JSONSerialization` has already parsed as an object:
  /// this scanner trusts the structure and only tracks strings and nesting.
  static func topLevelKeys(_ json: [UInt8]) -> [String] {
    var keys: [String] = []
    var depth = 0
    var expectingKey = false
    var index = 0
    while index < json.count {
      let byte = json[index]
      switch byte {
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        depth += 1
        expectingKey = depth == 1
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        depth -= 1
      case UInt8(ascii: ","):
        expectingKey = depth == 1
      case UInt8(ascii: "\""):
        var end = index + 1
        while end < json.count, json[end] != UInt8(ascii: "\"") {
          end += json[end] == UInt8(ascii: "\\") ? 2 : 1
        }
        if depth == 1, expectingKey, end < json.count {
          let literal = Data(json[index...end])
          if let key = try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed) as? String {
            keys.append(key)
          }
          expectingKey = false
        }
        index = end
      default:
        break
      }
      index += 1
    }
    return keys
  }
}
