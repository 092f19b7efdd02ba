import Foundation
import Testing
import TestSupport

/// pipelines/sweep.sh through the real workflow engine (Snakemake, installed by
/// scripts/setup.sh): a two-point grid on a tiny synthetic data set served as a
/// local mirror, then the same sweep again, which must do nothing.
@Suite struct SweepTests {
  /// A copy of pipelines/ and scripts/ in a temporary folder, so its artifacts/ and .snakemake/ are its own.
  static func checkout() throws -> TemporaryFolder {
    let folder = try TemporaryFolder("sweep")
    for part in ["pipelines", "scripts"] {
      try FileManager.default.copyItem(atPath: Files.packageRoot() + "/" + part, toPath: folder.file(part))
    }
    return folder
  }

  /// Fails the test, with the command that installs it, when Snakemake is missing: a sweep test
  /// that silently skipped would pass without ever running the engine.
  static func requireEngine() throws {
    let version = try #require(engine, "could not start python3")
    try #require(
      version.status == 0,
      "Snakemake is not installed (python3 -m snakemake: \(version.stderr.prefix(200))); run scripts/setup.sh --with-python")
  }

  /// `python3 -m snakemake --version`, run once for all the tests here.
  static let engine = try? ProcessRunner.run("/usr/bin/env", ["python3", "-m", "snakemake", "--version"], in: NSTemporaryDirectory())

  static func sweep(_ arguments: [String], in folder: TemporaryFolder) throws -> ProcessResult {
    try ProcessRunner.run(
      folder.file("pipelines/sweep.sh"), arguments, in: folder.path,
      environment: ["DIGITVAE_BIN": ProcessRunner.productsFolder], timeout: 600)
  }

  /// Every file under `folder` and its modification time, in nanoseconds.
  static func stamps(_ folder: String) throws -> [String: Int64] {
    var out: [String: Int64] = [:]
    for case let name as String in FileManager.default.enumerator(atPath: folder) ?? FileManager.DirectoryEnumerator() {
      let path = folder + "/" + name
      var info = stat()
      guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
      out[name] = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
    return out
  }

  @Test func aTwoPointSweepRunsEveryStageAndTheRerunDoesNothing() throws {
    try Self.requireEngine()
    let folder = try Self.checkout()
    defer { folder.remove() }
    // 30 training and 10 test images in MNIST's layout, with their own SHA-256 list.
    let raw = try SyntheticIDX.rawDataset(train: 30, test: 10)
    try Files.makeFolder(folder.file("mirror"))
    for (name, bytes) in raw { try Files.write(bytes, to: folder.file("mirror/" + name)) }
    try SyntheticIDX.sums(raw).write(toFile: folder.file("SHA256SUMS"), atomically: true, encoding: .utf8)
    try """
      grid:
        dataset: [mnist]
        kind: [vae, cvae]
        corruption: [gaussian]
        level: [0.5]
        latent: [2]
        beta: [1]
        seed: [3]
      budget:
        epochs: 1
        hidden: 16
        judge_epochs: 1
        judge_samples: 10
      sources:
        mnist: {mirror: mirror, checksums: SHA256SUMS}
      """.write(toFile: folder.file("grid.yaml"), atomically: true, encoding: .utf8)
    let runs = ["mnist-vae-gaussian-0.5-z2-b1-s3", "mnist-cvae-gaussian-0.5-z2-b1-s3"]

    let first = try Self.sweep(["--grid", "grid.yaml", "-j", "2", "--cores", "2"], in: folder)
    try #require(first.status == 0, "\(first.stdout)\n\(first.stderr)")
    // Snakemake reports on stderr, the stages on stdout.
    let log = first.stdout + first.stderr
    #expect(log.contains("sweep: 2 runs from grid.yaml"), "\(log)")
    #expect(log.contains("--threads 1 per job"), "-j 2 on 2 cores: one thread each")
    // Every stage ran as a rule, with the explicit paths and one thread per job.
    for rule in ["fetch", "decompress", "corrupt", "judge", "train", "evaluate", "render", "report"] {
      #expect(log.contains("rule \(rule):"), "rule \(rule) should have run")
    }
    #expect(log.contains("vae-corrupt --images artifacts/data/mnist/test-images.idx"), "\(log)")
    #expect(log.contains("--seed 1003"), "the test set's corruption seed is the run's + 1000")
    #expect(log.contains("vae-classify --data artifacts/data/mnist --out artifacts/judge/mnist.safetensors"))
    #expect(log.contains("--judge artifacts/judge/mnist.safetensors"))
    for run in runs {
      #expect(Files.exists(folder.file("artifacts/runs/\(run)/metrics.json")), "\(run) evaluated")
      #expect(Files.exists(folder.file("artifacts/render/\(run)/index.html")), "\(run) rendered")
      #expect(log.contains("trained artifacts/runs/\(run) to 1 epochs"), "\(run) trained")
      // The grid point reached vae-train: kind, latent size, beta, seed; and one thread per job.
      let data = try Data(contentsOf: URL(fileURLWithPath: folder.file("artifacts/runs/\(run)/config.json")))
      let config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
      let model = try #require(config["model"] as? [String: Any]), training = try #require(config["training"] as? [String: Any])
      #expect(config["kind"] as? String == (run.contains("-cvae-") ? "cvae" : "vae"))
      #expect(model["latent"] as? Int == 2 && model["hidden"] as? [Int] == [16], "\(model)")
      #expect(training["beta"] as? Double == 1 && training["seed"] as? Int == 3 && training["threads"] as? Int == 1, "\(training)")
    }
    // The report is the last rule and lists both runs.
    let report = try String(contentsOfFile: folder.file("artifacts/report/index.html"), encoding: .utf8)
    for run in runs { #expect(report.contains(run), "the report should list \(run)") }
    #expect(log.contains("2 runs, 0 unreadable"), "\(log)")

    let before = try Self.stamps(folder.file("artifacts"))
    let second = try Self.sweep(["--grid", "grid.yaml", "-j", "2", "--cores", "2"], in: folder)
    try #require(second.status == 0, "\(second.stdout)\n\(second.stderr)")
    let again = second.stdout + second.stderr
    #expect(again.contains("Nothing to be done"), "\(again)")
    let stageLines = again.split(separator: "\n").filter { $0.hasPrefix("vae-") || $0.hasPrefix("Shell command:") }
    #expect(stageLines.isEmpty, "no stage may run again: \(stageLines)")
    let after = try Self.stamps(folder.file("artifacts"))
    #expect(after.keys.sorted() == before.keys.sorted(), "no file added or removed")
    let touched = after.filter { before[$0.key] != $0.value }.map(\.key).sorted()
    #expect(touched.isEmpty, "files rewritten by the rerun: \(touched)")
    #expect(before.count > 20, "\(before.keys.sorted())")
  }

  /// A grid that cannot be run stops before anything is built or written, with one line naming the file and the fault.
  @Test(arguments: [
    ("grid:\n  dataset: [mnist]\n  kind: [vae]\n  corruption: [none]\n  latnt: [2]\n", "unknown key 'latnt'"),
    ("grid:\n  dataset: [mnist]\n  kind: [gan]\n  corruption: [none]\n", "unknown kind 'gan'"),
    ("grid:\n  dataset: [cifar]\n  kind: [vae]\n  corruption: [none]\n", "unknown dataset 'cifar' (known: mnist, fashion-mnist, kmnist"),
    ("grid:\n  dataset: [mnist]\n  kind: [vae]\n  corruption: [gaussian]\n  level: [3]\n", "level 3 is not valid for gaussian"),
    ("grid:\n  dataset: [mnist]\n  kind: [vae]\n  corruption: [none]\n  latent: [0]\n", "latent must be a whole number >= 1"),
    ("grid:\n  dataset: [mnist]\n  kind: [inpaint]\n  corruption: [gaussian]\n", "its corruption must be one of"),
    ("grid:\n  dataset: [mnist]\n  kind: [vae]\n  corruption: [none]\nbudget:\n  epoch: 2\n", "unknown budget key 'epoch'"),
    ("grid: [\n", "not valid YAML"),
    ("tag: a b\ngrid:\n  dataset: [mnist]\n  kind: [vae]\n  corruption: [none]\n", "tag must be letters, digits or '_'"),
  ])
  func aBadGridIsOneLine(grid: String, fault: String) throws {
    try Self.requireEngine()
    let folder = try Self.checkout()
    defer { folder.remove() }
    try grid.write(toFile: folder.file("bad.yaml"), atomically: true, encoding: .utf8)
    let result = try Self.sweep(["--grid", "bad.yaml"], in: folder)
    #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
    #expect(result.stderrLines.count == 1, "\(result.stderr)")
    let line = result.stderrLines.first ?? ""
    #expect(line.hasPrefix("sweep: bad.yaml: "), "\(line)")
    #expect(line.contains(fault), "\(line) should contain \(fault)")
    #expect(!Files.exists(folder.file("artifacts")) && !Files.exists(folder.file(".snakemake")), "nothing written")
  }
}
