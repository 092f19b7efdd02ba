import Checkpoints
import Foundation
import Runs
import Stages
import Testing
import TestSupport

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The body rows of the report's table, as XMLParser reads them (so the page must be well-formed).
private final class ReportRows: NSObject, XMLParserDelegate {
  struct Cell {
    var text = ""
    var attributes: [String: String]
    var hrefs: [String] = []
    var isMissing: Bool { attributes["class"] == "missing" }
  }
  struct Row {
    var attributes: [String: String]
    var cells: [Cell] = []
    var isNote: Bool { attributes["class"]?.split(separator: " ").contains("note") ?? false }
    var isFlagged: Bool { attributes["class"]?.split(separator: " ").contains("flagged") ?? false }
  }

  private(set) var rows: [Row] = []
  private var inBody = false
  private var inCell = false

  static func parse(_ text: String) throws -> [Row] {
    let collector = ReportRows()
    let parser = XMLParser(data: Data(text.utf8))
    parser.delegate = collector
    guard parser.parse() else {
      throw ReaderFailure(message: "not well-formed XML at line \(parser.lineNumber): \(String(describing: parser.parserError))")
    }
    return collector.rows
  }

  func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
    switch name {
    case "tbody": inBody = true
    case "tr" where inBody: rows.append(Row(attributes: attributes))
    case "td" where inBody:
      rows[rows.count - 1].cells.append(Cell(attributes: attributes))
      inCell = true
    case "a" where inCell:
      if let href = attributes["href"] { rows[rows.count - 1].cells[rows[rows.count - 1].cells.count - 1].hrefs.append(href) }
    default: break
    }
  }

  func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
    if name == "tbody" { inBody = false }
    if name == "td" { inCell = false }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if inCell { rows[rows.count - 1].cells[rows[rows.count - 1].cells.count - 1].text += string }
  }
}

/// The report's columns, by name (RunTable.header has the same order).
private enum Column: Int {
  case run, dataset, model, task, arch, latent, epochs, total, recon, kl, iw, k, baseline, psnr, psnrBaseline, ssim, ssimBaseline
  case judge, judged, time, status
}

private extension ReportRows.Row {
  subscript(_ column: Column) -> ReportRows.Cell { cells[column.rawValue] }
}

/// A JSON object read with JSONSerialization, independently of the stage's own types.
private func json(_ path: String) throws -> [String: Any] {
  let object = try JSONSerialization.jsonObject(with: Data(Files.read(path)))
  return try #require(object as? [String: Any], "\(path) is not a JSON object")
}

private func number(_ object: [String: Any], _ keys: String...) throws -> Double {
  var value: Any = object
  for key in keys { value = try #require((value as? [String: Any])?[key], "no \(keys.joined(separator: "."))") }
  return try #require((value as? NSNumber)?.doubleValue, "\(keys.joined(separator: ".")) is not a number")
}

private func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

/// The sum of log.csv's `seconds` column, read by hand.
private func loggedSeconds(_ path: String) throws -> Double {
  let lines = String(decoding: try Files.read(path), as: UTF8.self).split(separator: "\n")
  let column = try #require(lines.first?.split(separator: ",").firstIndex(of: "seconds"))
  return lines.dropFirst().reduce(0) { $0 + (Double($1.split(separator: ",")[column]) ?? .nan) }
}

/// A small artifacts folder: runs trained, evaluated and rendered by the real executables.
private struct Artifacts {
  let folder: TemporaryFolder
  var path: String { folder.file("artifacts") }
  func run(_ name: String) -> String { path + "/runs/" + name }

  func stage(_ name: String, _ arguments: [String]) throws {
    let result = try StageRun.run(name, arguments, in: folder.path)
    #expect(result.status == 0, "vae-\(name) \(arguments): \(result.stderr)")
  }

  /// A plain run "plain" (2 epochs, evaluated with an IW bound, rendered to render/plain and
  /// render/plain small); with `all`, also "denoise" (1 epoch on gaussian noise, evaluated,
  /// rendered to render/denoise-look), "fresh" (a copy of plain that was never evaluated),
  /// "cvae" and "inpaint" (1 epoch each, evaluated; the inpaint run on centre squares,
  /// against plain).
  static func make(_ label: String, all: Bool) throws -> Artifacts {
    let artifacts = Artifacts(folder: try TemporaryFolder(label))
    let data = try makeDataFolder(in: artifacts.folder, train: 300, test: 40)
    try artifacts.stage("vae-train", ["--data", data, "--run", artifacts.run("plain"), "--epochs", "2"] + smallModel)
    try artifacts.stage("vae-eval", ["--run", artifacts.run("plain"), "--iw-samples", "3", "--threads", "1"])
    try artifacts.stage("vae-render", ["--run", artifacts.run("plain"), "--out", artifacts.path + "/render/plain", "--threads", "1"])
    try artifacts.stage(
      "vae-render", ["--run", artifacts.run("plain"), "--out", artifacts.path + "/render/plain small", "--count", "2", "--rows", "1", "--threads", "1"])
    guard all else { return artifacts }
    for (split, seed) in [("train", "1"), ("test", "2")] {
      try artifacts.stage(
        "vae-corrupt",
        ["--images", data + "/\(split)-images.idx", "--kind", "gaussian", "--level", "0.5", "--seed", seed,
         "--out", artifacts.folder.file("noisy-\(split)"), "--threads", "1"])
    }
    try artifacts.stage(
      "vae-train",
      ["--data", data, "--run", artifacts.run("denoise"), "--epochs", "1", "--input", artifacts.folder.file("noisy-train/images.idx"),
       "--test-input", artifacts.folder.file("noisy-test/images.idx")] + smallModel)
    try artifacts.stage("vae-eval", ["--run", artifacts.run("denoise"), "--threads", "1"])
    // vae-eval has no judge option yet: the judge's section is added the way it will write it.
    var metrics = try RunMetrics.read(from: artifacts.run("denoise") + "/metrics.json")
    metrics.judge = RunMetrics.JudgeScores(checkpoint: "judge.safetensors", clean: 0.9, corrupted: 0.5, restored: 0.625)
    try metrics.write(to: artifacts.run("denoise") + "/metrics.json")
    try artifacts.stage("vae-render", ["--run", artifacts.run("denoise"), "--out", artifacts.path + "/render/denoise-look", "--threads", "1"])
    try FileManager.default.copyItem(atPath: artifacts.run("plain"), toPath: artifacts.run("fresh"))
    try FileManager.default.removeItem(atPath: artifacts.run("fresh") + "/metrics.json")

    try artifacts.stage("vae-train", ["--data", data, "--run", artifacts.run("cvae"), "--model", "cvae", "--epochs", "1"] + smallModel)
    try artifacts.stage("vae-eval", ["--run", artifacts.run("cvae"), "--threads", "1"])
    var cvae = try RunMetrics.read(from: artifacts.run("cvae") + "/metrics.json")
    let perLabel = (0..<10).map { Double($0) / 16 }
    cvae.judge = RunMetrics.JudgeScores(
      checkpoint: "judge.safetensors", clean: 0.875,
      generation: .init(samplesPerLabel: 16, perLabel: perLabel, overall: perLabel.reduce(0, +) / 10))
    try cvae.write(to: artifacts.run("cvae") + "/metrics.json")

    try artifacts.stage("vae-train", ["--data", data, "--run", artifacts.run("inpaint"), "--model", "inpaint", "--epochs", "1"] + smallModel)
    try artifacts.stage(
      "vae-corrupt", ["--images", data + "/test-images.idx", "--kind", "square", "--level", "10", "--out", artifacts.folder.file("square")])
    try artifacts.stage(
      "vae-eval",
      ["--run", artifacts.run("inpaint"), "--test-input", artifacts.folder.file("square/images.idx"), "--compare-run", artifacts.run("plain"),
       "--threads", "1"])
    return artifacts
  }

  /// Runs `vae-render --report` and returns its result and the rows of the page written to `out`.
  func report(_ extra: [String] = [], out: String? = nil) throws -> (ProcessResult, [ReportRows.Row]) {
    let result = try StageRun.run("vae-render", ["--report", path] + extra, in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let page = (out ?? path + "/report") + "/index.html"
    return (result, try ReportRows.parse(String(decoding: try Files.read(page), as: UTF8.self)))
  }
}

@Suite struct RunTableReportTests {
  @Test func eachRowShowsTheNumbersOfItsRunsFilesAndLinksItsPages() throws {
    let artifacts = try Artifacts.make("report", all: true)
    defer { artifacts.folder.remove() }
    let (result, rows) = try artifacts.report()
    #expect(result.stdout.contains("wrote \(artifacts.path)/report/index.html: 5 runs, 0 unreadable"), "\(result.stdout)")
    #expect(!result.stdout.contains("warning") && !result.stderr.contains("warning"), "\(result.stdout)\(result.stderr)")
    #expect(rows.count == 5 && rows.allSatisfy { !$0.isFlagged && !$0.isNote && $0.cells.count == 21 }, "\(rows)")
    guard rows.count == 5 else { return }
    // By kind (vae, cvae, inpaint), then name.
    let (denoise, fresh, plain, cvae, inpaint) = (rows[0], rows[1], rows[2], rows[3], rows[4])
    #expect(denoise[.run].text == "denoise" && fresh[.run].text == "fresh", "sorted by name")
    #expect(cvae[.run].text == "cvae" && inpaint[.run].text == "inpaint", "kinds in order")
    #expect(plain[.run].text == "plainalso plain small", "the other rendering under the main link: \(plain[.run].text)")

    // Links resolve, from the report's folder, to the pages vae-render wrote.
    let reportFolder = artifacts.path + "/report"
    #expect(denoise[.run].hrefs == ["../render/denoise-look/index.html"], "the manifest names the run: \(denoise[.run].hrefs)")
    #expect(plain[.run].hrefs == ["../render/plain/index.html", "../render/plain%20small/index.html"], "\(plain[.run].hrefs)")
    for href in denoise[.run].hrefs + plain[.run].hrefs {
      let path = reportFolder + "/" + (href.removingPercentEncoding ?? href)
      #expect(FileManager.default.fileExists(atPath: path), "\(href)")
    }
    #expect(fresh[.run].hrefs.isEmpty, "fresh was never rendered")

    // A render folder without a manifest belongs to the run of its name.
    try Files.makeFolder(artifacts.path + "/render/fresh")
    try Files.write(Array("<html/>".utf8), to: artifacts.path + "/render/fresh/index.html")
    let (_, named) = try artifacts.report()
    #expect(named.count == 5 && named[1][.run].hrefs == ["../render/fresh/index.html"], "\(named.map { $0[.run].hrefs })")

    for (row, name) in [(denoise, "denoise"), (fresh, "fresh"), (plain, "plain"), (cvae, "cvae"), (inpaint, "inpaint")] {
      let config = try json(artifacts.run(name) + "/config.json")
      let model = try #require(config["model"] as? [String: Any])
      let hidden = try #require(model["hidden"] as? [Int])
      #expect(row[.model].text == config["kind"] as? String)
      let dataset = try #require(config["dataset"] as? [String: Any], "config.json records its data set")
      #expect(row[.dataset].text == dataset["title"] as? String, "\(row[.dataset].text)")
      #expect(row[.arch].text == "mlp\u{00A0}" + hidden.map(String.init).joined(separator: "\u{2013}"), "\(row[.arch].text)")
      try #expect(row[.latent].text == String(Int(number(config, "model", "latent"))), "\(row[.latent].text)")
      let planned = Int(try number(config, "training", "epochs"))
      #expect(row[.epochs].text == "\(planned) / \(planned)", "\(row[.epochs].text)")
      try #expect(row[.time].text == fixed(loggedSeconds(artifacts.run(name) + "/log.csv"), 1), "\(row[.time].text)")
      for column in [Column.latent, .epochs, .time] { #expect(row[column].attributes["class"] == "number") }
    }

    // The denoising run: ELBO, restoration against the median filter, judge on restored images.
    let metrics = try json(artifacts.run("denoise") + "/metrics.json")
    let spec = try json(artifacts.folder.file("noisy-test/spec.json"))
    #expect(denoise[.task].text == "denoising: " + (try #require(spec["description"] as? String)), "\(denoise[.task].text)")
    try #expect(denoise[.total].text == fixed(number(metrics, "elbo", "total"), 2), "\(denoise[.total].text)")
    try #expect(denoise[.recon].text == fixed(number(metrics, "elbo", "recon"), 2), "\(denoise[.recon].text)")
    try #expect(denoise[.kl].text == fixed(number(metrics, "elbo", "kl"), 2), "\(denoise[.kl].text)")
    #expect(denoise[.baseline].text == "median\u{00A0}3\u{00D7}3")
    try #expect(denoise[.psnr].text == fixed(number(metrics, "denoise", "restored", "psnr"), 2), "\(denoise[.psnr].text)")
    try #expect(denoise[.psnrBaseline].text == fixed(number(metrics, "denoise", "median3x3", "psnr"), 2))
    try #expect(denoise[.ssim].text == fixed(number(metrics, "denoise", "restored", "ssim"), 3), "\(denoise[.ssim].text)")
    try #expect(denoise[.ssimBaseline].text == fixed(number(metrics, "denoise", "median3x3", "ssim"), 3))
    try #expect(denoise[.judge].text == fixed(100 * (number(metrics, "judge", "restored")), 1) && denoise[.judged].text == "restored")
    #expect(denoise[.iw].isMissing && denoise[.iw].text == "\u{2013}" && (denoise[.iw].attributes["title"] ?? "").contains("--iw-samples"))
    #expect(denoise[.status].text == "trained, evaluated", "\(denoise[.status].text)")

    // The plain run: an IW bound, no restoration, no judge.
    let plainMetrics = try json(artifacts.run("plain") + "/metrics.json")
    #expect(plain[.task].text == "clean images")
    try #expect(plain[.total].text == fixed(number(plainMetrics, "elbo", "total"), 2), "\(plain[.total].text)")
    try #expect(plain[.iw].text == fixed(number(plainMetrics, "iw_nll"), 2) && plain[.k].text == "3", "\(plain[.iw].text) \(plain[.k].text)")
    for column in [Column.baseline, .psnr, .psnrBaseline, .ssim, .ssimBaseline] {
      #expect(plain[column].isMissing && (plain[column].attributes["title"] ?? "").contains("no corrupted test images"), "\(column)")
    }
    #expect(plain[.judge].isMissing && (plain[.judge].attributes["title"] ?? "").contains("judge"))

    // The cvae: the judge scores its label-conditioned samples; no IW bound, no restoration.
    let cvaeMetrics = try json(artifacts.run("cvae") + "/metrics.json")
    #expect(cvae[.task].text == "generation by label")
    try #expect(cvae[.total].text == fixed(number(cvaeMetrics, "elbo", "total"), 2), "\(cvae[.total].text)")
    try #expect(cvae[.judge].text == fixed(100 * number(cvaeMetrics, "judge", "generation", "overall"), 1), "\(cvae[.judge].text)")
    #expect(cvae[.judged].text == "generated")
    #expect(cvae[.iw].isMissing && (cvae[.iw].attributes["title"] ?? "").contains("plain VAEs"))
    #expect(cvae[.psnr].isMissing)

    // The inpaint run: hole scores at z = 0 against the plain VAE, no SSIM for them.
    let inpaintMetrics = try json(artifacts.run("inpaint") + "/metrics.json")
    let square = try json(artifacts.folder.file("square/spec.json"))
    #expect(inpaint[.task].text == "inpainting: " + (try #require(square["description"] as? String)), "\(inpaint[.task].text)")
    #expect(inpaint[.baseline].text == "plain\u{00A0}VAE")
    try #expect(inpaint[.psnr].text == fixed(number(inpaintMetrics, "inpaint", "prior_mean", "psnr"), 2), "\(inpaint[.psnr].text)")
    try #expect(inpaint[.psnrBaseline].text == fixed(number(inpaintMetrics, "inpaint", "plain_vae", "psnr"), 2))
    #expect(inpaint[.ssim].isMissing && (inpaint[.ssim].attributes["title"] ?? "").contains("hole"))
    #expect(inpaint[.judge].isMissing)

    // The run never evaluated: every metric is a dash saying so.
    for column in [Column.total, .recon, .kl, .iw, .k, .baseline, .psnr, .psnrBaseline, .ssim, .ssimBaseline, .judge, .judged] {
      #expect(fresh[column].isMissing && (fresh[column].attributes["title"] ?? "").hasPrefix("not evaluated yet"), "\(column)")
    }
    #expect(fresh[.status].text == "trained, not evaluated", "\(fresh[.status].text)")

    // --out moves the page; the links still lead to the same pages.
    let out = artifacts.folder.file("elsewhere/report")
    let (moved, movedRows) = try artifacts.report(["--out", out], out: out)
    #expect(moved.stdout.contains("wrote \(out)/index.html"), "\(moved.stdout)")
    let href = try #require(movedRows.first?[.run].hrefs.first)
    #expect(
      URL(fileURLWithPath: out + "/" + href).standardizedFileURL.path
        == URL(fileURLWithPath: artifacts.path + "/render/denoise-look/index.html").standardizedFileURL.path, "\(href)")

    // Not evaluated, the corruption comes from the spec.json beside the config's input, whose
    // path is relative to the folder holding artifacts/ even when the report runs elsewhere.
    let copy = artifacts.run("denoise-copy")
    try FileManager.default.copyItem(atPath: artifacts.run("denoise"), toPath: copy)
    try FileManager.default.removeItem(atPath: copy + "/metrics.json")
    var config = try RunConfig.parse(String(decoding: try Files.read(copy + "/config.json"), as: UTF8.self), source: copy)
    (config.input, config.testInput) = ("noisy-train/images.idx", "noisy-test/images.idx")
    try Files.write(Array(config.json().utf8), to: copy + "/config.json")
    let inside = try StageRun.run("vae-render", ["--report", "."], in: artifacts.path)
    #expect(inside.status == 0, "\(inside.stderr)")
    let insideRows = try ReportRows.parse(String(decoding: try Files.read(artifacts.path + "/report/index.html"), as: UTF8.self))
    let copied = try #require(insideRows.first { $0[.run].text == "denoise-copy" })
    #expect(copied[.task].text == denoise[.task].text, "\(copied[.task].text)")
    #expect(copied[.total].isMissing && copied[.status].text == "trained, not evaluated", "\(copied[.status].text)")
  }

  @Test func aDamagedRunIsAnUnreadableRowWithItsReasonAndTheOthersStayShown() throws {
    let artifacts = try Artifacts.make("report-damage", all: false)
    defer { artifacts.folder.remove() }
    let plain = artifacts.run("plain")
    func damaged(_ name: String, _ damage: (String) throws -> Void) throws {
      try FileManager.default.copyItem(atPath: plain, toPath: artifacts.run(name))
      try damage(artifacts.run(name))
    }
    try damaged("bad-config") { try Files.write(Array("{\"format\": \"digitvae.run/1\", ".utf8), to: $0 + "/config.json") }
    try damaged("bad-metrics") { try Files.write(Array("[1, 2]\n".utf8), to: $0 + "/metrics.json") }
    try damaged("bad-log") { try Files.write(Array((TrainingLog.header + "\n1,469,oops\n").utf8), to: $0 + "/log.csv") }
    try damaged("no-log") { try FileManager.default.removeItem(atPath: $0 + "/log.csv") }
    var cut = ""
    try damaged("cut-checkpoint") { run in
      let newest = try #require(Files.list(run + "/checkpoints").filter { $0.hasSuffix(".safetensors") }.sorted().last)
      cut = "checkpoints/" + newest
      let bytes = try Files.read(run + "/" + cut)
      try Files.write(Array(bytes.prefix(bytes.count / 2)), to: run + "/" + cut)
    }
    // Not damaged: metrics of an older checkpoint.
    try FileManager.default.copyItem(atPath: plain, toPath: artifacts.run("stale"))
    var stale = try RunMetrics.read(from: artifacts.run("stale") + "/metrics.json")
    stale.step = 1
    try stale.write(to: artifacts.run("stale") + "/metrics.json")
    let newestStep = try #require(Files.list(plain + "/checkpoints").compactMap(CheckpointFolder.step(fromFileName:)).max())
    let expected: [String: (file: String, reason: String)] = [
      "bad-config": ("config.json", "not valid JSON"),
      "bad-metrics": ("metrics.json", "not a DigitVAE metrics file"),
      "bad-log": ("log.csv", "line 2: expected 10 numeric fields"),
      "no-log": ("log.csv", "missing"),
      "cut-checkpoint": (cut, "truncated"),
    ]

    let (result, rows) = try artifacts.report()
    // Warnings go to stderr, one line per damaged run, and nothing else does.
    #expect(result.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("vae-render: warning: ") }, "\(result.stderr)")
    let warnings = result.stderr.split(separator: "\n").filter { $0.contains("warning") }
    #expect(warnings.count == expected.count, "\(result.stderr)")
    #expect(result.stdout.contains("7 runs, 5 unreadable"), "\(result.stdout)")
    for (name, fault) in expected {
      let line = warnings.first { $0.contains(artifacts.run(name) + " ") }
      #expect(line?.contains("\(fault.file): ") == true && line?.contains(fault.reason) == true, "\(name): \(line ?? "no warning")")

      let index = try #require(rows.firstIndex { !$0.isNote && $0[.run].text.hasPrefix(name) }, "no row for \(name)")
      let row = rows[index]
      #expect(row.isFlagged && row[.status].text == "unreadable", "\(name): \(row[.status].text)")
      let note = try #require(rows.indices.contains(index + 1) ? rows[index + 1] : nil)
      #expect(note.isNote && note.isFlagged && note.cells.count == 1 && note.cells[0].attributes["colspan"] == "21")
      let text = note.cells.first?.text ?? ""
      #expect(text.hasPrefix(fault.file + ": ") && text.contains(fault.reason) && !text.contains(artifacts.path), "\(name): \(text)")
    }

    // What could still be read is shown: the bad-metrics run keeps its config columns, the
    // cut checkpoint's run its metrics, and the healthy run everything.
    let healthy = try #require(rows.first { !$0.isNote && $0[.run].text.hasPrefix("plain") })
    let metrics = try json(plain + "/metrics.json")
    try #expect(!healthy.isFlagged && healthy[.total].text == fixed(number(metrics, "elbo", "total"), 2), "\(healthy[.total].text)")
    let badMetrics = try #require(rows.first { !$0.isNote && $0[.run].text == "bad-metrics" })
    #expect(badMetrics[.latent].text == "4" && badMetrics[.total].isMissing, "\(badMetrics[.latent].text)")
    #expect((badMetrics[.total].attributes["title"] ?? "").contains("metrics.json cannot be read"))
    let cutRow = try #require(rows.first { !$0.isNote && $0[.run].text == "cut-checkpoint" })
    #expect(cutRow[.total].text == healthy[.total].text)
    let staleRow = try #require(rows.first { !$0.isNote && $0[.run].text == "stale" })
    #expect(!staleRow.isFlagged && staleRow[.status].text == "trained, metrics of step 1, newest checkpoint step \(newestStep)", "\(staleRow[.status].text)")
    let badConfig = try #require(rows.first { !$0.isNote && $0[.run].text == "bad-config" })
    #expect(badConfig[.model].isMissing && rows.last(where: { !$0.isNote })?[.run].text == "bad-config", "an unreadable config sorts last")
  }

  @Test func reportWithRunIsAUsageError() throws {
    let folder = try TemporaryFolder("report-usage")
    defer { folder.remove() }
    for other in [["--run", "artifacts/runs/x"], ["--checkpoint", "x.safetensors"]] {
      let result = try StageRun.run("vae-render", ["--report", "artifacts"] + other, in: folder.path)
      #expect(result.status == 64, "\(result.status) \(result.stderr)")
      #expect(result.stderr.contains("--report") && result.stderr.contains(other[0]), "\(result.stderr)")
    }
    let empty = try StageRun.run("vae-render", ["--report", ""], in: folder.path)
    #expect(empty.status == 64 && empty.stderr.contains("--report needs a folder"), "\(empty.status) \(empty.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.file("artifacts")))
  }

  @Test func aFolderWithoutRunsIsOneLineAndWritesNothing() throws {
    let folder = try TemporaryFolder("report-noruns")
    defer { folder.remove() }
    try Files.makeFolder(folder.file("artifacts/render"))
    let result = try StageRun.run("vae-render", ["--report", "artifacts"], in: folder.path)
    #expect(result.status == 1)
    StageRun.expectOneLineFailure(result, naming: "artifacts/runs", ["no runs folder"])
    #expect(!FileManager.default.fileExists(atPath: folder.file("artifacts/report")))
  }

  @Test func anEmptyRunsFolderGivesAPageSayingSo() throws {
    let folder = try TemporaryFolder("report-empty")
    defer { folder.remove() }
    try Files.makeFolder(folder.file("artifacts/runs"))
    let result = try StageRun.run("vae-render", ["--report", "artifacts/"], in: folder.path)
    #expect(result.status == 0 && result.stdout.contains("wrote artifacts/report/index.html: 0 runs"), "\(result.stdout) \(result.stderr)")
    let page = String(decoding: try Files.read(folder.file("artifacts/report/index.html")), as: UTF8.self)
    #expect(page.contains("artifacts/runs holds no runs yet") && !page.contains("<table"), "\(page)")
  }
}
