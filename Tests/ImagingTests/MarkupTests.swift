import Testing
@testable import Imaging

@Suite struct MarkupTests {
  @Test func escapesTheFiveSpecialCharacters() {
    #expect(Markup.escape(#"a<b>&"c"'d'"#) == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;")
    #expect(Markup.escape("plain µ text") == "plain µ text")
  }

  @Test func replacesControlCharactersXMLForbids() {
    #expect(Markup.escape("a\u{0}b\u{1B}c\td\ne") == "a\u{FFFD}b\u{FFFD}c\td\ne")
  }

  @Test func numbersHaveAtMostTwoDecimals() {
    #expect(Markup.number(0) == "0")
    #expect(Markup.number(12.5) == "12.5")
    #expect(Markup.number(-3.14159) == "-3.14")
    #expect(Markup.number(2.05) == "2.05")
    #expect(Markup.number(0.004) == "0")
    #expect(Markup.number(0.006) == "0.01")
    #expect(Markup.number(-0.001) == "0")
    #expect(Markup.number(1234567) == "1234567")
    #expect(Markup.number(.nan) == "0" && Markup.number(.infinity) == "0")
  }
}
