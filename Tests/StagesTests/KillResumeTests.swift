import Checkpoints
import Foundation
import Runs
import Testing
import TestSupport

/// vae-train killed with SIGKILL (no chance to save) at several moments, then resumed
/// each time, ends bitwise where an uninterrupted run ends.
@Suite struct KillResumeTests {
  @Test func sigkillBeforeDuringAndAfterCheckpointsThenResumeIsBitwiseIdentical() throws {
    let folder = try TemporaryFolder("sigkill")
    defer { folder.remove() }
    let options = try trainUninterrupted(in: folder)

    let run = folder.file("killed")
    let checkpoints = run + "/checkpoints"
    func files() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? [] }
    let moments: [(String, () -> Bool)] = [
      ("before the first checkpoint", { Files.exists(run + "/config.json") }),
      ("after a checkpoint", { files().contains { $0.hasPrefix("step-") } }),
      ("during a checkpoint write", { files().contains { $0.contains(".tmp-") } }),
      ("later in training", { (try? CheckpointFolder(path: checkpoints).list().last?.step ?? 0).map { $0 >= 200 } ?? false }),
    ]
    var landed: [String] = []
    for (index, (name, moment)) in moments.enumerated() {
      let arguments = index == 0 ? options + ["--run", run] : ["--run", run, "--resume"]
      if try StageRun.interrupt("vae-train", arguments, in: folder.path, with: SIGKILL, when: moment).landed { landed.append(name) }
    }
    print("KillResumeTests: kills that landed: \(landed)")
    #expect(landed.contains("before the first checkpoint"), "kills that landed: \(landed)")
    let finished = try StageRun.run("vae-train", ["--run", run, "--resume"], in: folder.path)
    #expect(finished.status == 0, "\(finished.stderr)")

    try expectSameNewestCheckpoint(folder.file("reference"), run, "after the kills (\(landed))")
    let logA = try TrainingLog.read(from: folder.file("reference") + "/log.csv")
    let logB = try TrainingLog.read(from: run + "/log.csv")
    #expect(logA.rows.map(\.train) == logB.rows.map(\.train) && logA.rows.map(\.test) == logB.rows.map(\.test))
    #expect(!files().contains { $0.contains(".tmp-") }, "no temporary is left behind")
  }
}
