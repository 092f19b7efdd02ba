import Foundation
import Imaging
import Runs
import Stages
import Testing
import TestSupport

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The elements of an XML document, as Foundation's XMLParser reports them;
/// parsing fails unless the text is well-formed.
private final class XMLElements: NSObject, XMLParserDelegate {
  struct Element {
    let name: String
    let attributes: [String: String]
    var text = ""
  }

  private(set) var elements: [Element] = []
  private var open: [Int] = []

  /// Parses `text`; throws with the parser's line when it is not well-formed.
  static func parse(_ text: String) throws -> [Element] {
    let collector = XMLElements()
    let parser = XMLParser(data: Data(text.utf8))
    parser.delegate = collector
    guard parser.parse() else {
      throw ReaderFailure(message: "not well-formed XML at line \(parser.lineNumber): \(String(describing: parser.parserError))")
    }
    return collector.elements
  }

  func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
    elements.append(Element(name: name, attributes: attributes))
    open.append(elements.count - 1)
  }

  func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
    open.removeLast()
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    // Text belongs to every open element, so a figure's text includes its caption's.
    for index in open { elements[index].text += string }
  }
}

/// `image`'s 28 x 28 tile at (x0, y0), each pixel a k x k block: the first mismatch, or nil.
private func tileDifference(_ image: PNGDecoding.Image, x0: Int, y0: Int, k: Int, expected: ArraySlice<UInt8>) -> String? {
  let base = expected.startIndex
  for y in 0..<(28 * k) {
    for x in 0..<(28 * k) where image[x0 + x, y0 + y] != expected[base + (y / k) * 28 + x / k] {
      return "pixel (\(x0 + x), \(y0 + y)) is \(image[x0 + x, y0 + y]), expected \(expected[base + (y / k) * 28 + x / k])"
    }
  }
  return nil
}

@Suite struct RenderCommandTests {
  @Test func rendersEveryFigureWithTheRightLayoutAndAWellFormedPage() throws {
    let folder = try TemporaryFolder("render")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder)
    let testInput = try #require(trained.testInput)
    let eval = try StageRun.run("vae-eval", ["--run", trained.run], in: folder.path)
    #expect(eval.status == 0, "\(eval.stderr)")
    let out = folder.file("figures")
    let (count, rows, k) = (4, 2, 3)
    let options = ["--run", trained.run, "--out", out, "--count", String(count), "--rows", String(rows), "--scale", String(k)]
    let result = try StageRun.run("vae-render", options, in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.isEmpty, "\(result.stderr)")
    let figures = ["triplets.png", "reconstructions.png", "samples.png", "loss.svg", "loss-parts.svg", "latent-scatter.svg", "interpolation.png"]
    #expect(Files.list(out).filter { !$0.hasPrefix(".") } == (figures + ["index.html"]).sorted(), "\(Files.list(out))")

    // Layout, with separators s = 1, tiles w = 28k, group gap g = 6 (ImageGrid's documented default):
    // width = s + count (w + s); height = rows (w + s) + groups s + (groups - 1) g.
    let w = 28 * k, s = 1, g = 6
    let width = s + count * (w + s)
    func height(rowsPerGroup: Int) -> Int { rows * rowsPerGroup * (w + s) + rows * s + (rows - 1) * g }
    let clean = try idxPayload(trained.data + "/test-images.idx").bytes
    let noisy = try idxPayload(testInput).bytes

    let triplets = try PNGDecoding.read(out + "/triplets.png", scratch: folder)
    #expect(triplets.colourType == 0)
    #expect(triplets.width == width && triplets.height == height(rowsPerGroup: 3), "triplets are \(triplets.width)x\(triplets.height)")
    // Group 0: clean image 0 at the top left, its corrupted copy one row down; group 1 starts with image `count`.
    #expect(tileDifference(triplets, x0: s, y0: s, k: k, expected: clean[0..<784]) == nil)
    #expect(tileDifference(triplets, x0: s, y0: s + (w + s), k: k, expected: noisy[0..<784]) == nil)
    let group1 = s + 3 * (w + s) + g + s
    #expect(tileDifference(triplets, x0: s, y0: group1, k: k, expected: clean[count * 784..<(count + 1) * 784]) == nil)
    // The restored row holds the model's decode(mu(corrupted image 0)), quantised.
    let model = try TrainedModel.load(run: trained.run, checkpoint: nil, threads: 1)
    let restored = PixelQuantisation.bytes(model.restore(noisy[0..<784], count: 1))
    #expect(tileDifference(triplets, x0: s, y0: s + 2 * (w + s), k: k, expected: restored[...]) == nil)
    // Separators stay one pixel wide at any scale: the column between the first two tiles is grey, its neighbours are tile.
    #expect((s..<(s + w)).allSatisfy { triplets[w + s, $0] == 128 }, "separator column at x = \(w + s)")

    let pairs = try PNGDecoding.read(out + "/reconstructions.png", scratch: folder)
    #expect(pairs.width == width && pairs.height == height(rowsPerGroup: 2), "reconstructions are \(pairs.width)x\(pairs.height)")
    #expect(tileDifference(pairs, x0: s + (w + s), y0: s, k: k, expected: clean[784..<2 * 784]) == nil, "clean image 1, top row")
    let reconstructed = PixelQuantisation.bytes(model.restore(clean[784..<2 * 784], count: 1))
    #expect(tileDifference(pairs, x0: s + (w + s), y0: s + (w + s), k: k, expected: reconstructed[...]) == nil)

    // A denoising model's interpolation starts at decode(mu(corrupted image 0)): the encoder sees what it was trained on.
    let path = try PNGDecoding.read(out + "/interpolation.png", scratch: folder)
    let start = PixelQuantisation.bytes(model.vae.decode(model.encode(noisy[0..<784], count: 1), count: 1))
    #expect(tileDifference(path, x0: s + (w + s), y0: s, k: k, expected: start[...]) == nil, "interpolation row 0, step 0")

    let samples = try PNGDecoding.read(out + "/samples.png", scratch: folder)
    #expect(samples.width == s + 10 * (w + s) && samples.height == s + 10 * (w + s), "samples are \(samples.width)x\(samples.height)")

    // Both plots are well-formed SVG with a line per series (two epochs: two points each).
    for (name, lines) in [("loss.svg", 2), ("loss-parts.svg", 4)] {
      let svg = try XMLElements.parse(try String(contentsOfFile: out + "/" + name, encoding: .utf8))
      #expect(svg.first?.name == "svg")
      #expect(svg.filter { $0.name == "polyline" }.count == lines, "\(name) should draw \(lines) lines")
    }

    let page = try XMLElements.parse(try String(contentsOfFile: out + "/index.html", encoding: .utf8))
    let sources = page.filter { $0.name == "img" }.compactMap { $0.attributes["src"] }
    #expect(Set(sources) == Set(figures), "the page shows \(sources)")
    let checkpointName = URL(fileURLWithPath: try newestCheckpoint(trained.run)).lastPathComponent
    for figure in page.filter({ $0.name == "figure" }) {
      #expect(figure.text.contains("epoch"), "caption should say which epoch: \(figure.text)")
      if !figure.text.contains("per epoch") {
        #expect(figure.text.contains(checkpointName), "caption should name the checkpoint: \(figure.text)")
      }
    }
    let tripletCaption = try #require(page.first { $0.name == "figcaption" }).text
    #expect(tripletCaption.contains("gaussian noise, sigma 0.5") && tripletCaption.contains("0\u{2013}7"), "\(tripletCaption)")
    // The metrics table shows vae-eval's numbers, and the log table has a row per epoch.
    let metrics = try RunMetrics.read(from: trained.run + "/metrics.json")
    let denoise = try #require(metrics.denoise)
    let cells = page.filter { $0.name == "td" }.map(\.text)
    for value in [denoise.restored.psnr, denoise.corrupted.psnr, denoise.median3x3.psnr, metrics.elbo.total] {
      #expect(cells.contains(String(format: "%.2f", value)), "the page should show \(value)")
    }
    let tables = page.filter { $0.name == "tr" }.count
    #expect(tables >= 2 + 3 + 2 + 3, "metrics, config and log tables: \(tables) rows")

    let again = try StageRun.run("vae-render", options, in: folder.path)
    #expect(again.status == 0 && again.stdout.contains("(skipped)"), "\(again.stdout)")
    // New metrics make the page stale.
    #expect(try StageRun.run("vae-eval", ["--run", trained.run, "--seed", "9"], in: folder.path).status == 0)
    let fresh = try StageRun.run("vae-render", options, in: folder.path)
    #expect(fresh.status == 0 && !fresh.stdout.contains("(skipped)"), "\(fresh.stdout)")
  }

  @Test func aCleanRunHasNoTripletsAndSaysWhy() throws {
    let folder = try TemporaryFolder("renderclean")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, denoising: false, epochs: 1)
    let out = folder.file("render")
    let result = try StageRun.run("vae-render", ["--run", trained.run, "--out", out, "--scale", "1"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!Files.exists(out + "/triplets.png"))
    let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
    #expect(html.contains("No corrupted test images") && html.contains("No \(trained.run)/metrics.json"))
    let page = try XMLElements.parse(html)
    #expect(Set(page.filter { $0.name == "img" }.compactMap { $0.attributes["src"] }) == ["reconstructions.png", "samples.png", "loss.svg", "loss-parts.svg", "latent-scatter.svg", "interpolation.png"])
    let pairs = try PNGDecoding.read(out + "/reconstructions.png", scratch: folder)
    #expect(pairs.width == 1 + 10 * 29 && pairs.height == 6 * 29 + 3 + 2 * 6, "10 per row, 3 pairs at scale 1: \(pairs.width)x\(pairs.height)")
  }

  @Test func theDefaultOutputFolderIsNamedAfterTheRun() throws {
    let folder = try TemporaryFolder("renderdefault")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, denoising: false, epochs: 1)
    let result = try StageRun.run("vae-render", ["--run", trained.run + "/", "--scale", "1"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(Files.exists(folder.file("artifacts/render/run/index.html")), "\(Files.list(folder.file("artifacts/render")))")
  }

  // MARK: - Bad input

  @Test func scaleZeroIsAUsageError() throws {
    let folder = try TemporaryFolder("renderscale")
    defer { folder.remove() }
    let result = try StageRun.run("vae-render", ["--scale", "0"], in: folder.path)
    #expect(result.status == 64 && result.stderr.contains("--scale must be 1...8, got 0"), "\(result.status) \(result.stderr)")
    let nine = try StageRun.run("vae-render", ["--scale", "9"], in: folder.path)
    #expect(nine.status == 64 && nine.stderr.contains("got 9"), "\(nine.status) \(nine.stderr)")
  }

  @Test func aZeroCountIsAUsageError() throws {
    let folder = try TemporaryFolder("rendercount")
    defer { folder.remove() }
    let result = try StageRun.run("vae-render", ["--count", "0"], in: folder.path)
    #expect(result.status == 64 && result.stderr.contains("--count must be 1...100"), "\(result.status) \(result.stderr)")
  }

  @Test func aMissingRunFolderIsOneLine() throws {
    let folder = try TemporaryFolder("rendernorun")
    defer { folder.remove() }
    let missing = folder.file("runs/none")
    StageRun.expectOneLineFailure(try StageRun.run("vae-render", ["--run", missing], in: folder.path), naming: missing, ["vae-train"])
    #expect(!Files.exists(folder.file("artifacts/render")), "nothing is written for a failed render")
  }

  @Test func anEmptyRunFolderIsOneLineNamingItsCheckpointsFolder() throws {
    let folder = try TemporaryFolder("renderempty")
    defer { folder.remove() }
    let run = folder.file("run")
    try Files.makeFolder(run)
    StageRun.expectOneLineFailure(try StageRun.run("vae-render", ["--run", run], in: folder.path), naming: run + "/checkpoints", ["no checkpoints"])
  }

  @Test func aModelOfAnotherImageSizeIsOneLineNamingTheFiles() throws {
    let folder = try TemporaryFolder("rendersize")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 20, test: 20)
    let checkpoint = try makeHundredPixelCheckpoint(in: folder, data: data)
    let out = folder.file("out")
    let result = try StageRun.run("vae-render", ["--checkpoint", checkpoint, "--run", folder.file("r"), "--out", out], in: folder.path)
    StageRun.expectOneLineFailure(result, naming: data + "/test-images.idx", [checkpoint, "784 pixels", "trained on 100"])
    #expect(!Files.exists(out), "nothing is written for a failed render")
  }

  @Test func corruptedImagesOfAnotherCountAreOneLineNamingTheFile() throws {
    let folder = try TemporaryFolder("rendercount")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, denoising: false, epochs: 1)
    let long = folder.file("long.idx")
    try Files.write(SyntheticIDX.images(count: TrainedRun.testCount + 1), to: long)
    let result = try StageRun.run("vae-render", ["--run", trained.run, "--test-input", long, "--out", folder.file("o")], in: folder.path)
    StageRun.expectOneLineFailure(result, naming: long, ["101x28x28", "100x28x28"])
  }

  @Test func aBadMetricsFileIsAWarningNotAFailure() throws {
    let folder = try TemporaryFolder("rendermetrics")
    defer { folder.remove() }
    let trained = try TrainedRun.make(in: folder, denoising: false, epochs: 1)
    try Files.write(Array("{\"format\": \"something else\"}".utf8), to: trained.run + "/metrics.json")
    let out = folder.file("o")
    let result = try StageRun.run("vae-render", ["--run", trained.run, "--out", out, "--scale", "1"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("warning: leaving the metrics out: \(trained.run)/metrics.json"), "\(result.stderr)")
    #expect(try String(contentsOfFile: out + "/index.html", encoding: .utf8).contains("could not be read"))
  }
}
