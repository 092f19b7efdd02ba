import Foundation
import Testing
import TestSupport

/// vae-bench's table: the step beside the sgemm and FMA bounds, and the timed vae-train epoch.
@Suite struct BenchCommandTests {
  @Test func printsBothBoundsAndTheTrainerRatio() throws {
    let folder = try TemporaryFolder("bench-bounds")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 64, test: 10)
    let result = try StageRun.run(
      "vae-bench",
      ["--data", data, "--models", "bench", "--threads", "1", "--steps", "1", "--rounds", "1", "--batch", "8", "--checkpoint-every", "3"],
      in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let out = result.stdout
    #expect(out.contains("CPU: ") && out.contains("load average"), "\(out)")
    #expect(out.contains("FMA peak: one core "), "\(out)")
    #expect(out.contains("/sgemm") && out.contains("/FMA") && out.contains("trainer/step"), "\(out)")
    // The bench row has 10 figures: threads, samples/s, step GF/s, sgemm GF/s, sgemm-bound, /sgemm,
    // FMA-bound, /FMA, trainer samples/s, trainer/step.
    let row = out.split(separator: "\n").first { $0.hasPrefix("bench 784-400-20") }
    let figures = row.map { $0.split(separator: " ").dropFirst(2).compactMap { Double($0) } } ?? []
    #expect(figures.count == 10 && figures.allSatisfy { $0 > 0 }, "\(row ?? "no bench row")")
    // The importance-weighted bound's decoding: its own table, rows with 5 figures
    // (threads, rows/s, decoder GF/s, FMA-bound, /FMA).
    let lines = out.split(separator: "\n")
    let header = try #require(lines.firstIndex { $0.hasPrefix("importance-weighted bound's decoding") }, "\(out)")
    let decodingRow = lines[(header + 1)...].first { $0.hasPrefix("bench 784-400-20") }
    let decoding = decodingRow.map { $0.split(separator: " ").dropFirst(2).compactMap { Double($0) } } ?? []
    #expect(decoding.count == 5 && decoding.allSatisfy { $0 > 0 }, "\(decodingRow ?? "no decoding row")")
    let skipped = try StageRun.run(
      "vae-bench", ["--data", data, "--models", "bench", "--threads", "1", "--steps", "1", "--rounds", "1", "--batch", "8", "--epoch-images", "0"],
      in: folder.path)
    #expect(skipped.status == 0, "\(skipped.stderr)")
    // Without the timed epoch the row stops after /FMA: 8 figures.
    let skippedRow = skipped.stdout.split(separator: "\n").first { $0.hasPrefix("bench 784-400-20") }
    #expect(skippedRow.map { $0.split(separator: " ").dropFirst(2).compactMap { Double($0) }.count } == 8, "\(skipped.stdout)")
    let bad = try StageRun.run("vae-bench", ["--data", data, "--epoch-images", "-1"], in: folder.path)
    #expect(bad.status == 64 && bad.stderr.contains("--epoch-images"), "\(bad.stderr)")
  }
}
