import Foundation
import Runs
import Testing
import TestSupport
import Models
@testable import Stages

/// Sizes a flag or a file can set are refused in one line naming the limit, before any
/// allocation; and the small command-line faults of issue 14.
@Suite struct ResourceCeilingTests {
  /// `vae-bench --batch 1000000` died with "failed to allocate 3136000000 bytes".
  @Test func benchRefusesABatchOverTheLimit() throws {
    let folder = try TemporaryFolder("ceiling-bench")
    defer { folder.remove() }
    let result = try StageRun.run("vae-bench", ["--batch", "1000000"], in: folder.path)
    #expect(result.status == 64, "\(result.status) \(result.stderr)")
    // A usage error: ArgumentParser's "Error: ..." line, then the usage.
    #expect(result.stderrLines.first == "Error: --batch must be at most 65536 (the limit), got 1000000", "\(result.stderr)")
  }

  /// `vae-bench --models ''` (or `--threads ''`) timed nothing and exited 0.
  @Test(arguments: [["--models", ""], ["--models", "bench,"], ["--threads", ""], ["--threads", "1,,2"]])
  func benchRefusesEmptyListEntries(_ arguments: [String]) throws {
    let folder = try TemporaryFolder("ceiling-bench-list")
    defer { folder.remove() }
    let result = try StageRun.run("vae-bench", arguments, in: folder.path)
    #expect(result.status == 64, "\(result.status) \(result.stderr)")
    #expect(result.stderrLines.first?.hasPrefix("Error: --\(arguments[0].dropFirst(2)): ") == true, "\(result.stderr)")
  }

  /// `--hidden 400,,400` was read as 400,400.
  @Test(arguments: ["400,,400", "400,", ",400", ","]) func trainRefusesEmptyHiddenEntries(_ hidden: String) throws {
    let folder = try TemporaryFolder("ceiling-hidden")
    defer { folder.remove() }
    let result = try StageRun.run("vae-train", ["--hidden", hidden, "--run", folder.file("run")], in: folder.path)
    #expect(result.status == 64, "\(result.status) \(result.stderr)")
    #expect(result.stderr.contains("--hidden must be comma-separated sizes 1...8192"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.file("run")))
  }

  /// `vae-checkpoint info /dev/null` said "Is a directory".
  @Test(arguments: ["info", "verify"]) func checkpointNamesADeviceForWhatItIs(_ action: String) throws {
    let folder = try TemporaryFolder("ceiling-devnull")
    defer { folder.remove() }
    let result = try StageRun.run("vae-checkpoint", [action, "/dev/null"], in: folder.path)
    StageRun.expectOneLineFailure(result, naming: "/dev/null", ["not a regular file (it is a character device)"])
    #expect(!result.stderr.contains("Is a directory"))
  }
}

/// Found by the malformed-input campaign (safetensors-01341, -00963): `vae-checkpoint verify`
/// accepted a checkpoint whose metadata config had a trailing comma or a key twice, since
/// JSONDecoder takes both. RunConfig.parse checks the syntax strictly first.
@Suite struct RunConfigStrictSyntaxTests {
  let good = RunConfig(model: .bench, training: TrainingConfig(), data: "d").json()

  @Test func aTrailingCommaOrADuplicateKeyIsRefused() throws {
    #expect(throws: Never.self) { try RunConfig.parse(good, source: "c.json") }
    let trailing = good.replacingOccurrences(of: "\"threads\" : 1\n", with: "\"threads\" : 1,\n")
    let duplicate = good.replacingOccurrences(of: "\"latent\" : 20", with: "\"latent\" : 20, \"latent\" : 21")
    #expect(trailing != good && duplicate != good)
    for text in [trailing, duplicate] {
      #expect {
        try RunConfig.parse(text, source: "c.json")
      } throws: { error in
        "\(error)".contains("c.json") && "\(error)".contains("not valid JSON")
      }
    }
  }
}

/// Found by the malformed-input campaign (cli-01201): `vae-eval --out ,` crashed with
/// "Illegal instruction" inside NSString.deletingLastPathComponent, which traps on any
/// one-character path in this toolchain's Foundation. The stages use FilePaths.parent.
@Suite struct OneCharacterPathTests {
  @Test(arguments: [",", ".", "a"]) func evalOutputFolderOfAOneCharacterPath(_ out: String) {
    let stage = EvalStage(run: "r", out: out, threads: 1, seed: 1)
    #expect(stage.outputFolder == ".")
  }
}
