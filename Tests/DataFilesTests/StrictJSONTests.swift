import Foundation
import Testing
@testable import DataFiles

/// The strict parser against Foundation's on valid JSON, and its strictness on invalid JSON.
@Suite struct StrictJSONTests {
  @Test func agreesWithJSONSerializationOnValidText() throws {
    let texts = [
      #"{"a":[1,-2,3.5,1e3,-0.25E-2],"b":{"c":true,"d":false,"e":null},"f":"x\"y\\z\/\b\f\n\r\t\u00e9\ud83d\ude00"}"#,
      " { } ", "[]", #"{"":""}"#, #"{"é":"ü 日本"}"#,
    ]
    for text in texts {
      let ours = try StrictJSON.parse(Array(text.utf8))
      let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
      #expect(Self.same(ours, theirs), "\(text): \(ours) vs \(theirs)")
    }
  }

  @Test func keepsMembersInOrderWithDuplicates() throws {
    let value = try StrictJSON.parse(Array(#"{"b":1,"a":2,"b":3}"#.utf8))
    guard case let .object(members) = value else { Issue.record("not an object"); return }
    #expect(members.map(\.key) == ["b", "a", "b"])
  }

  @Test func refusesWhatRFC8259Refuses() {
    for text in ["", "{", "{\"a\"}", "{\"a\":}", "[1,]", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]", "[NaN]", "[tru]",
      "\"\\x\"", "\"\\u12\"", "\"\\udc00\"", "\"\\ud800x\"", "\"a\u{01}\"", "{} {}", "{'a':1}"]
    {
      #expect(throws: StrictJSON.ParseError.self, "\(text)") { try StrictJSON.parse(Array(text.utf8)) }
    }
  }

  @Test func integersOnlyWithoutFractionOrExponent() throws {
    #expect(StrictJSON.Value.number("12").integer == 12)
    #expect(StrictJSON.Value.number("-0").integer == 0)
    #expect(StrictJSON.Value.number("1.0").integer == nil)
    #expect(StrictJSON.Value.number("1e2").integer == nil)
    #expect(StrictJSON.Value.number("99999999999999999999").integer == nil)
    #expect(StrictJSON.Value.bool(true).integer == nil)
  }

  /// Structural equality of our value and Foundation's, numbers compared as Double.
  static func same(_ ours: StrictJSON.Value, _ theirs: Any) -> Bool {
    switch ours {
    case let .object(members):
      guard let dict = theirs as? [String: Any], dict.count == members.count else { return false }
      return members.allSatisfy { member in dict[member.key].map { same(member.value, $0) } ?? false }
    case let .array(items):
      guard let list = theirs as? [Any], list.count == items.count else { return false }
      return zip(items, list).allSatisfy { same($0, $1) }
    case let .string(text): return (theirs as? String) == text
    case let .number(text): return (theirs as? NSNumber).map { $0.doubleValue == Double(text) } ?? false
    case let .bool(flag): return (theirs as? Bool) == flag
    case .null: return theirs is NSNull
    }
  }
}

extension StrictJSONTests {
  /// Found by the malformed-input campaign: a checkpoint's config with a trailing comma
  /// (`"learningRate": 0.001, }`) or a key twice was accepted by JSONDecoder.
  @Test func checkRefusesTrailingCommasAndDuplicateKeysAnywhere() {
    #expect(throws: StrictJSON.ParseError.self) { try StrictJSON.check(Array(#"{"a":{"b":1,}}"#.utf8)) }
    #expect(throws: StrictJSON.ParseError(detail: "the key \"b\" appears twice in one object", offset: 0)) {
      try StrictJSON.check(Array(#"{"a":[{"b":1,"c":2,"b":1}]}"#.utf8))
    }
    #expect(throws: Never.self) { try StrictJSON.check(Array(#"{"a":{"b":1},"c":{"b":1}}"#.utf8)) }
  }
}
