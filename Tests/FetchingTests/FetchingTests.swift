import Foundation
import Testing
@testable import Fetching

@Suite struct FetchingTests {
  @Test func mirrorsParseURLsFileURLsAndFolders() {
    #expect(Mirror("https://example.org/mnist") == .http(base: "https://example.org/mnist/"))
    #expect(Mirror("HTTP://x/") == .http(base: "HTTP://x/"))
    #expect(Mirror("file:///srv/mnist") == .folder(path: "/srv/mnist"))
    #expect(Mirror("../shared/data/mnist") == .folder(path: "../shared/data/mnist"))
    #expect(Mirror("../m/").location(of: "a.gz") == "../m/a.gz")
    #expect(Mirror("http://h/p").location(of: "a.gz") == "http://h/p/a.gz")
  }

  @Test func contentRangeParsing() {
    #expect(HTTPTransfer.parseContentRange("bytes 100-199/200")! == (100, 200))
    #expect(HTTPTransfer.parseContentRange("bytes 5-9/*")! == (5, nil))
    #expect(HTTPTransfer.parseContentRange("items 1-2/3") == nil)
    #expect(HTTPTransfer.parseContentRange("bytes */200") == nil)
  }

  @Test func allMirrorsFailedNamesEachMirror() {
    let error = FetchError.allMirrorsFailed(
      path: "raw/a.gz",
      failures: [.init(mirror: "http://x/", reason: "HTTP 404 not found"), .init(mirror: "/m", reason: "no such folder")])
    #expect(error.description == "raw/a.gz: could not be fetched, all 2 mirrors failed: http://x/ (HTTP 404 not found); /m (no such folder)")
  }
}
