import Foundation
import Testing
import TestSupport

/// pipelines/denoise.sh end to end on the real MNIST files, interrupted the way
/// Ctrl-C does it (SIGINT to the whole process group) and then run again.
@Suite struct PipelineTests {
  @Test(.enabled(if: RealMNIST.isPresent, Comment(rawValue: RealMNIST.absence)))
  func anInterruptedPipelinePicksUpWhereItStopped() throws {
    let root = Files.packageRoot()
    let mnist = RealMNIST.folder
    // A copy of the scripts in a temporary folder, so its artifacts/ is its own.
    let folder = try TemporaryFolder("pipeline")
    defer { folder.remove() }
    for part in ["pipelines", "scripts"] {
      try FileManager.default.copyItem(atPath: root + "/" + part, toPath: folder.file(part))
    }
    let environment = ["DIGITVAE_BIN": ProcessRunner.productsFolder, "MNIST_MIRROR": mnist]
    // A 1-epoch judge and two sweep levels keep the judge's and the sweep's share of the time small.
    let arguments = ["--name", "t", "--epochs", "2", "--threads", "2", "--judge-epochs", "1", "--levels", "0.3,0.6"]
    let checkpoints = folder.file("artifacts/runs/t/checkpoints")

    let first = Process()
    first.executableURL = URL(fileURLWithPath: folder.file("pipelines/denoise.sh"))
    first.arguments = arguments
    first.environment = ProcessRunner.environment(environment)
    first.currentDirectoryURL = URL(fileURLWithPath: folder.path)
    let log = folder.file("first.log")
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    first.standardOutput = handle
    first.standardError = handle
    try first.run()
    let deadline = Date().addingTimeInterval(300)
    while first.isRunning, Date() < deadline,
      (try? FileManager.default.contentsOfDirectory(atPath: checkpoints).contains { $0.hasSuffix(".safetensors") }) != true
    {
      Thread.sleep(forTimeInterval: 0.01)
    }
    // Foundation starts every child as the leader of its own process group, so
    // this reaches the script and vae-train alike, as Ctrl-C in a terminal would.
    #expect(getpgid(first.processIdentifier) == first.processIdentifier)
    kill(-first.processIdentifier, SIGINT)
    first.waitUntilExit()
    try handle.close()
    let firstLog = try String(contentsOfFile: log, encoding: .utf8)
    #expect(first.terminationStatus != 0, "the interrupted pipeline must fail: \(firstLog)")
    #expect(firstLog.contains("stage 'train' failed"), "\(firstLog)")
    #expect(firstLog.contains("stopped by SIGINT"), "\(firstLog)")
    #expect(!Files.exists(folder.file("artifacts/runs/t/metrics.json")))

    let second = try ProcessRunner.run(
      folder.file("pipelines/denoise.sh"), arguments, in: folder.path, environment: environment, timeout: 300)
    #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
    for stage in ["vae-fetch", "vae-decompress"] {
      #expect(second.stdout.contains("\(stage): "), "\(stage) should report")
    }
    #expect(second.stdout.contains("all 4 files present and verified (skipped)"), "fetch should not copy again")
    #expect(
      second.stdout.components(separatedBy: "(skipped)").count - 1 == 5, "fetch, decompress, both corrupt stages and the judge skip")
    #expect(second.stdout.contains("vae-train: resuming"))
    #expect(second.stdout.contains("trained artifacts/runs/t to 2 epochs"))
    let rows = try String(contentsOfFile: folder.file("artifacts/runs/t/log.csv"), encoding: .utf8)
      .split(separator: "\n").dropFirst().map { $0.split(separator: ",").first.map(String.init) }
    #expect(rows == ["1", "2"], "one log row per epoch, none repeated")
    #expect(Files.exists(folder.file("artifacts/runs/t/metrics.json")))
    #expect(second.stdout.contains("judge accuracy:"), "vae-eval scores with the judge: \(second.stdout)")
    let levels = try String(contentsOfFile: folder.file("artifacts/runs/t/levels.csv"), encoding: .utf8)
    #expect(levels.split(separator: "\n").count == 7, "a header and 2 levels x 3 methods: \(levels)")
    #expect(Files.exists(folder.file("artifacts/render/t/index.html")))
    #expect(Files.exists(folder.file("artifacts/render/t/levels.svg")))
    // No temporary or partial files anywhere.
    let leftovers = FileManager.default.enumerator(atPath: folder.file("artifacts"))?.compactMap { $0 as? String }
      .filter { $0.contains(".tmp-") || $0.hasSuffix(".part") } ?? []
    #expect(leftovers.isEmpty, "\(leftovers)")
  }
}
