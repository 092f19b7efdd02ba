import DataFiles
import Foundation
import Runs
import Testing
import TestSupport

/// The pipelines with `--dataset fashion-mnist --quick`, fetching from a local mirror the
/// test makes: a small synthetic set in Fashion-MNIST's file layout, with its own SHA-256
/// list (the CI machine has no Fashion-MNIST, and the synthetic files cannot match its sums).
@Suite struct DatasetPipelineTests {
  /// The mirror folder: the four .gz files under Fashion-MNIST's names and a SHA256SUMS of them.
  static func fashionMirror(in folder: TemporaryFolder) throws -> String {
    let mirror = folder.file("fashion-mirror")
    try Files.makeFolder(mirror)
    var sums = ""
    for (name, count, seed) in [("train", 700, UInt64(1)), ("t10k", 200, UInt64(2))] {
      let set = SyntheticIDX.patterned(count: count, height: 28, width: 28, classes: 10, seed: seed)
      for (member, rank, bytes) in [
        ("images-idx3-ubyte", [count, 28, 28], set.images), ("labels-idx1-ubyte", [count], set.labels),
      ] {
        let file = "\(name)-\(member).gz"
        let gz = try SyntheticIDX.gzip(SyntheticIDX.uint8(shape: rank, values: bytes))
        try Files.write(gz, to: mirror + "/" + file)
        sums += Hex.string(SHA256.hash(gz)) + "  " + file + "\n"
      }
    }
    try Files.write(Array(sums.utf8), to: mirror + "/SHA256SUMS")
    return mirror
  }

  /// A copy of the scripts in a temporary folder, so its artifacts/ is its own.
  static func scratch(_ name: String) throws -> TemporaryFolder {
    let folder = try TemporaryFolder(name)
    for part in ["pipelines", "scripts"] {
      try FileManager.default.copyItem(atPath: Files.packageRoot() + "/" + part, toPath: folder.file(part))
    }
    return folder
  }

  func text(_ path: String) throws -> String { String(decoding: try Files.read(path), as: UTF8.self) }

  @Test func denoiseAndGenerateSpeakOfClothesWithAFashionJudgeAndReportRows() throws {
    let folder = try Self.scratch("fashion-pipelines")
    defer { folder.remove() }
    let mirror = try Self.fashionMirror(in: folder)
    let environment = ["DIGITVAE_BIN": ProcessRunner.productsFolder]
    let common = ["--dataset", "fashion-mnist", "--quick", "--mirror", mirror, "--checksums", mirror + "/SHA256SUMS", "--threads", "2"]
    let denoise = try ProcessRunner.run(
      folder.file("pipelines/denoise.sh"), common + ["--levels", "0.3,0.6"], in: folder.path, environment: environment, timeout: 600)
    #expect(denoise.status == 0, "\(denoise.stdout)\n\(denoise.stderr)")
    #expect(try DatasetDescriptor.read(folder: folder.file("artifacts/data/fashion-mnist")) == .fashionMNIST)
    let judge = try Judge.load(folder.file("artifacts/judge/fashion-mnist-quick.safetensors"))
    #expect(judge.dataset == .fashionMNIST, "one judge per data set, recording it")
    #expect(!Files.exists(folder.file("artifacts/judge/mnist-quick.safetensors")), "no MNIST judge for a Fashion run")
    let run = folder.file("artifacts/runs/fashion-mnist-denoise-gaussian-quick")
    #expect(try RunMetrics.read(from: run + "/metrics.json").dataset == .fashionMNIST)
    let scatter = try text(folder.file("artifacts/render/fashion-mnist-denoise-gaussian-quick/latent-scatter.svg"))
    #expect(scatter.contains(">T-shirt/top<") && scatter.contains(">Ankle boot<") && !scatter.contains("digit"), "the legend names clothes")

    let generate = try ProcessRunner.run(folder.file("pipelines/generate.sh"), common, in: folder.path, environment: environment, timeout: 600)
    #expect(generate.status == 0, "\(generate.stdout)\n\(generate.stderr)")
    #expect(generate.stdout.contains("vae-fetch: Fashion-MNIST is up to date"), "fetched once: \(generate.stdout)")
    let page = try text(folder.file("artifacts/render/fashion-mnist-cvae-quick/index.html"))
    #expect(page.contains("T-shirt/top (top), Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot (bottom)"))
    #expect(page.contains("<th>garment</th><th>T-shirt/top</th>"), "the judge's table names the classes")
    #expect(!page.lowercased().replacingOccurrences(of: "digitvae", with: "").contains("digit"), "no digits in a Fashion page")

    // The report: one group, every row marked Fashion-MNIST.
    let report = try text(folder.file("artifacts/report/index.html"))
    #expect(report.contains("grouped by data set (Fashion-MNIST: 2)"), "\(report.prefix(3000))")
    #expect(report.components(separatedBy: "<td>Fashion-MNIST</td>").count - 1 == 2, "a data-set cell per run")

    // An unknown name lists the known ones and writes nothing.
    let unknown = try ProcessRunner.run(
      folder.file("pipelines/denoise.sh"), ["--dataset", "cifar", "--quick"], in: folder.path, environment: environment, timeout: 60)
    #expect(unknown.status == 64 && unknown.stderr.contains("unknown data set 'cifar'; known: mnist, fashion-mnist, kmnist"), "\(unknown.stderr)")
    #expect(!Files.exists(folder.file("artifacts/runs/cifar-denoise-gaussian-quick")))
  }
}
