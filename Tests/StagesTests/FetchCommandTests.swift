import DataFiles
import Foundation
import Testing
import TestSupport

/// `vae-fetch` end to end: local folders, file:// URLs and a real HTTP server on 127.0.0.1.
@Suite struct FetchCommandTests {
  private static let names = [
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
  ]

  /// A temporary folder with `mirror/` holding four files of random bytes
  /// (the fetcher only checks sums) and `SUMS` listing their SHA-256.
  private struct Fixture {
    let folder: TemporaryFolder
    let files: [String: [UInt8]]
    var mirror: String { folder.file("mirror") }
    var sums: String { folder.file("SUMS") }
    var out: String { folder.file("raw") }

    init(sizes: [Int] = [300_000, 20_000, 60_000, 5_000]) throws {
      folder = try TemporaryFolder("fetch")
      try Files.makeFolder(folder.file("mirror"))
      var rng = SystemRandomNumberGenerator()
      var files: [String: [UInt8]] = [:]
      for (name, size) in zip(FetchCommandTests.names, sizes) {
        files[name] = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
        try Files.write(files[name] ?? [], to: folder.file("mirror/" + name))
      }
      self.files = files
      try SyntheticIDX.sums(files).write(toFile: folder.file("SUMS"), atomically: true, encoding: .utf8)
    }

    /// Runs vae-fetch with the fixture's sums and output folder, quick retries.
    func fetch(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
      try StageRun.run(
        "vae-fetch", ["--checksums", sums, "--out", out, "--retry-delay", "0.01"] + arguments, in: folder.path,
        environment: environment)
    }

    /// Every fetched file equals the mirror's.
    func expectAllFetched(sourceLocation: SourceLocation = #_sourceLocation) throws {
      for name in FetchCommandTests.names {
        #expect(try Files.read(out + "/" + name) == files[name], "\(name)", sourceLocation: sourceLocation)
      }
      #expect(!Files.list(out).contains { $0.hasSuffix(".part") }, sourceLocation: sourceLocation)
    }

    func server(_ behaviour: TestHTTPServer.Behaviour = .init()) throws -> TestHTTPServer {
      try TestHTTPServer(root: mirror, scratch: folder.path, behaviour: behaviour)
    }
  }

  @Test func fetchesFromALocalFolderAndSkipsTheSecondTime() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let first = try fixture.fetch(["--mirror", fixture.mirror])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stderr.isEmpty, "no bar when stderr is not a terminal: \(first.stderr)")
    try fixture.expectAllFetched()
    // One plain line per file when stderr is not a terminal.
    #expect(first.stdout.split(separator: "\n").filter { $0.contains("SHA-256 ok") }.count == 4, "\(first.stdout)")

    // Remove the mirror: a second run must not need it.
    try FileManager.default.removeItem(atPath: fixture.mirror)
    let second = try fixture.fetch(["--mirror", fixture.mirror])
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stdout.contains("skipped"), "\(second.stdout)")
  }

  @Test func fileURLAndMNISTMirrorEnvironmentVariable() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let result = try fixture.fetch([], environment: ["MNIST_MIRROR": "file://" + fixture.mirror])
    #expect(result.status == 0, "\(result.stderr)")
    try fixture.expectAllFetched()
    #expect(result.stdout.contains("from " + fixture.mirror), "\(result.stdout)")
  }

  @Test func mirrorFlagComesBeforeTheEnvironment() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let result = try fixture.fetch(["--mirror", fixture.mirror], environment: ["MNIST_MIRROR": "/nonexistent"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!result.stdout.contains("/nonexistent"))
  }

  @Test func fetchesOverHTTPAndTheSecondRunSendsNoRequest() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let server = try fixture.server()
    defer { server.stop() }
    let first = try fixture.fetch(["--mirror", server.url])
    #expect(first.status == 0, "\(first.stderr)")
    try fixture.expectAllFetched()
    #expect(server.requests().map(\.path).sorted() == Self.names.map { "/" + $0 }.sorted())
    #expect(server.requests().allSatisfy { $0.range == nil })

    let second = try fixture.fetch(["--mirror", server.url])
    #expect(second.status == 0)
    #expect(second.stdout.contains("skipped"))
    #expect(server.requests().count == 4, "the second run must not touch the network")
  }

  @Test func resumesAPartFileWithARangeRequest() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let name = "train-images-idx3-ubyte.gz"
    try Files.makeFolder(fixture.out)
    try Files.write(Array((fixture.files[name] ?? []).prefix(123_456)), to: fixture.out + "/" + name + ".part")
    let server = try fixture.server()
    defer { server.stop() }
    let result = try fixture.fetch(["--mirror", server.url])
    #expect(result.status == 0, "\(result.stderr)")
    try fixture.expectAllFetched()
    #expect(server.requests().first { $0.path == "/" + name }?.range == "bytes=123456-")
    #expect(result.stdout.contains("resumed at byte 123456"), "\(result.stdout)")
  }

  @Test func aDroppedConnectionIsRetriedFromWhereItStopped() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let server = try fixture.server(.init(dropAfter: 100_000))
    defer { server.stop() }
    let result = try fixture.fetch(["--mirror", server.url, "--retries", "2"])
    #expect(result.status == 0, "\(result.stderr)")
    try fixture.expectAllFetched()
    let name = "/train-images-idx3-ubyte.gz"
    let ranges = server.requests().filter { $0.path == name }.map(\.range)
    #expect(ranges.count == 2 && ranges[0] == nil, "\(ranges)")
    // The retry asks for the rest; how much arrived before the drop is up to TCP.
    let resumedAt = ranges.last.flatMap { $0 }.flatMap { Int($0.dropFirst("bytes=".count).dropLast()) }
    #expect(resumedAt.map { $0 > 0 && $0 <= 100_000 } == true, "\(ranges)")
    #expect(result.stdout.contains("retry 1 of 2"), "\(result.stdout)")
  }

  @Test func aServerThatIgnoresRangeMakesTheDownloadRestart() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let name = "train-images-idx3-ubyte.gz"
    try Files.makeFolder(fixture.out)
    try Files.write(Array((fixture.files[name] ?? []).prefix(5000)), to: fixture.out + "/" + name + ".part")
    let server = try fixture.server(.init(ignoreRange: true))
    defer { server.stop() }
    let result = try fixture.fetch(["--mirror", server.url])
    #expect(result.status == 0, "\(result.stderr)")
    // A 200 to a Range request means the body is the whole file: appending it would corrupt the result.
    try fixture.expectAllFetched()
    #expect(server.requests().first { $0.path == "/" + name }?.range == "bytes=5000-")
  }

  @Test func aPartFileAsLongAsTheFileStartsOver() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let name = "t10k-labels-idx1-ubyte.gz"
    try Files.makeFolder(fixture.out)
    try Files.write([UInt8](repeating: 7, count: 6000), to: fixture.out + "/" + name + ".part")
    let server = try fixture.server()
    defer { server.stop() }
    let result = try fixture.fetch(["--mirror", server.url])
    #expect(result.status == 0, "\(result.stderr)")
    try fixture.expectAllFetched()
    #expect(server.requests().filter { $0.path == "/" + name }.map(\.range) == ["bytes=6000-", nil])
  }

  @Test func garbageFromTheServerIsRemovedAndNamedWithBothSums() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let server = try fixture.server(.init(garbage: true))
    defer { server.stop() }
    let result = try fixture.fetch(["--mirror", server.url])
    let name = "train-images-idx3-ubyte.gz"
    let expected = Hex.string(SHA256.hash(fixture.files[name] ?? []))
    let html = Array("<!DOCTYPE html><html><body><h1>This page has moved</h1></body></html>".utf8)
    let found = Hex.string(SHA256.hash(html))
    StageRun.expectOneLineFailure(result, naming: name, ["SHA-256 mismatch", expected, found, "HTML", server.url])
    #expect(Files.list(fixture.out).filter { !$0.hasPrefix(".") } == [], "\(Files.list(fixture.out))")
  }

  @Test func checksumMismatchFromALocalFolder() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let name = "t10k-images-idx3-ubyte.gz"
    var bytes = fixture.files[name] ?? []
    bytes[1000] ^= 0xFF
    try Files.write(bytes, to: fixture.mirror + "/" + name)
    let result = try fixture.fetch(["--mirror", fixture.mirror])
    StageRun.expectOneLineFailure(
      result, naming: name, [Hex.string(SHA256.hash(fixture.files[name] ?? [])), Hex.string(SHA256.hash(bytes))])
    #expect(!Files.exists(fixture.out + "/" + name) && !Files.exists(fixture.out + "/" + name + ".part"))
    // The two train files before it were fetched and stay.
    #expect(Files.exists(fixture.out + "/train-labels-idx1-ubyte.gz"))
  }

  @Test func md5OnlySumsAsFashionMNISTAndKMNISTPublish() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let name = "t10k-labels-idx1-ubyte.gz"
    var list = Self.names.map { Hex.string(MD5.hash(fixture.files[$0] ?? [])) + "  " + $0 }
    try list.joined(separator: "\n").write(toFile: fixture.sums, atomically: true, encoding: .utf8)
    let good = try fixture.fetch(["--mirror", fixture.mirror, "--dataset", "kmnist"])
    #expect(good.status == 0, "\(good.stderr)")
    #expect(good.stdout.components(separatedBy: "from \(fixture.mirror), MD5 ok").count == 5, "\(good.stdout)")
    try fixture.expectAllFetched()

    // A wrong MD5 for one file: removed, and both sums named.
    try FileManager.default.removeItem(atPath: fixture.out + "/" + name)
    let wrong = String(repeating: "0", count: 32)
    list[3] = wrong + "  " + name
    try list.joined(separator: "\n").write(toFile: fixture.sums, atomically: true, encoding: .utf8)
    let bad = try fixture.fetch(["--mirror", fixture.mirror, "--dataset", "kmnist"])
    StageRun.expectOneLineFailure(bad, naming: name, ["MD5 mismatch", wrong, Hex.string(MD5.hash(fixture.files[name] ?? []))])
    #expect(!Files.exists(fixture.out + "/" + name))
  }

  @Test func aWrongFileAlreadyPresentIsReplaced() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    try Files.makeFolder(fixture.out)
    try Files.write([1, 2, 3], to: fixture.out + "/train-labels-idx1-ubyte.gz")
    let result = try fixture.fetch(["--mirror", fixture.mirror])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("checksum is wrong"), "\(result.stdout)")
    try fixture.expectAllFetched()
  }

  @Test func aGoodFileAlreadyPresentIsHashedNotFetched() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    try Files.makeFolder(fixture.out)
    for name in Self.names { try Files.write(fixture.files[name] ?? [], to: fixture.out + "/" + name) }
    let server = try fixture.server()
    defer { server.stop() }
    let result = try fixture.fetch(["--mirror", server.url])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(server.requests().isEmpty)
    #expect(result.stdout.contains("already present"), "\(result.stdout)")
  }

  @Test func notFoundFallsThroughToTheNextMirror() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let empty = fixture.folder.file("empty")
    try Files.makeFolder(empty)
    let broken = try TestHTTPServer(root: empty, scratch: fixture.folder.path)
    defer { broken.stop() }
    let result = try fixture.fetch(["--mirror", broken.url, "--mirror", fixture.mirror])
    #expect(result.status == 0, "\(result.stderr)")
    try fixture.expectAllFetched()
    #expect(result.stdout.contains("HTTP 404"), "\(result.stdout)")
    #expect(broken.requests().count == 4, "a 404 is not retried")
  }

  @Test func everyMirrorUnreachableNamesThemAll() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    // A port that was just listening and is now closed: connection refused.
    let gone = try fixture.server()
    let deadURL = gone.url
    gone.stop()
    let empty = fixture.folder.file("empty")
    try Files.makeFolder(empty)
    let notFound = try TestHTTPServer(root: empty, scratch: fixture.folder.path)
    defer { notFound.stop() }
    let result = try fixture.fetch(["--mirror", deadURL, "--mirror", notFound.url, "--mirror", "/nonexistent/mirror", "--retries", "1"])
    StageRun.expectOneLineFailure(
      result, naming: "train-images-idx3-ubyte.gz", ["all 3 mirrors failed", deadURL, notFound.url, "HTTP 404", "/nonexistent/mirror"])
    #expect(Files.list(fixture.out) == [], "\(Files.list(fixture.out))")
  }

  @Test func aStalledDownloadHitsTheReadTimeout() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let server = try fixture.server(.init(stallAfter: 1000))
    defer { server.stop() }
    let result = try fixture.fetch(["--mirror", server.url, "--read-timeout", "0.3", "--retries", "0"])
    StageRun.expectOneLineFailure(result, naming: "train-images-idx3-ubyte.gz", ["no data for 0.30 s"])
    #expect(result.seconds < 20, "the timeout should end the stage, not a hang (took \(result.seconds) s)")
    // What did arrive stays in the .part file for a later resume.
    #expect(Files.size(fixture.out + "/train-images-idx3-ubyte.gz.part") == 1000)
  }

  @Test func aSilentServerHitsTheConnectTimeout() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    let server = try fixture.server(.init(silent: true))
    defer { server.stop() }
    let result = try fixture.fetch(["--mirror", server.url, "--connect-timeout", "0.3", "--retries", "0"])
    StageRun.expectOneLineFailure(result, naming: "train-images-idx3-ubyte.gz", ["no response within 0.30 s"])
    #expect(result.seconds < 20, "the timeout should end the stage, not a hang (took \(result.seconds) s)")
  }

  @Test func anOutputFolderUnderARegularFile() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    try Files.write([0], to: fixture.folder.file("plain"))
    let result = try StageRun.run(
      "vae-fetch", ["--checksums", fixture.sums, "--mirror", fixture.mirror, "--out", "plain/raw"], in: fixture.folder.path)
    StageRun.expectOneLineFailure(result, naming: "plain/raw", ["cannot create folder", "not a folder"])
  }

  @Test func aChecksumListMissingAFile() throws {
    let fixture = try Fixture()
    defer { fixture.folder.remove() }
    try "\(String(repeating: "a", count: 64))  train-images-idx3-ubyte.gz\n".write(toFile: fixture.sums, atomically: true, encoding: .utf8)
    StageRun.expectOneLineFailure(try fixture.fetch(["--mirror", fixture.mirror]), naming: fixture.sums, ["train-labels-idx1-ubyte.gz"])
  }

  @Test func badOptionsAreRejectedByTheParser() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let result = try StageRun.run("vae-fetch", ["--dataset", "cifar"], in: folder.path)
    #expect(result.status == 64)
    #expect(result.stderr.contains("cifar"))
  }

  @Test func helpExplainsEveryOption() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    for stage in ["vae-fetch", "vae-decompress"] {
      let help = try StageRun.run(stage, ["--help"], in: folder.path)
      #expect(help.status == 0)
      #expect(help.stdout.contains("Example: \(stage)"), "\(help.stdout)")
      #expect(help.stdout.contains("--dataset"))
    }
  }
}
