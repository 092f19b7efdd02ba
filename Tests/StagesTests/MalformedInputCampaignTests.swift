import Foundation
import Testing
import TestSupport

/// The small version of scripts/campaign.py: malformed gz, IDX, safetensors, JSON and
/// command lines made by mutating real files, each run through the stage that reads it.
/// No run may crash (signal, Swift trap, backtrace, more than one line on stderr) and no
/// input the script's oracle calls invalid may be accepted. The full campaign (2,000
/// inputs per format) is `scripts/campaign.sh`; see docs/RELIABILITY.md.
@Suite struct MalformedInputCampaignTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  @Test func fortyMalformedInputsPerFormat() throws {
    let folder = try TemporaryFolder("campaign")
    defer { folder.remove() }
    var environment = ["DIGITVAE_BIN": ProcessRunner.productsFolder]
    if let mirror = ProcessInfo.processInfo.environment["MNIST_MIRROR"] { environment["MNIST_MIRROR"] = mirror }
    let seeds = try ProcessRunner.run(
      "/bin/bash", [Self.root + "/scripts/fuzz-seeds.sh", folder.file("seeds")], in: Self.root, environment: environment, timeout: 300)
    try #require(seeds.status == 0, "fuzz-seeds.sh failed: \(seeds.stderr)")
    let campaign = try ProcessRunner.run(
      "/usr/bin/env",
      [
        "python3", Self.root + "/scripts/campaign.py", "--bin", ProcessRunner.productsFolder, "--seeds", folder.file("seeds/real"),
        "--count", "40", "--seed", "7", "--keep", folder.file("failures"),
      ],
      in: folder.path, timeout: 600)
    #expect(campaign.status == 0, "\(campaign.stdout)\(campaign.stderr)")
    #expect(campaign.stdout.contains("campaign: 200 inputs, 0 crashes or accepted-invalid"), "\(campaign.stdout)")
  }
}
