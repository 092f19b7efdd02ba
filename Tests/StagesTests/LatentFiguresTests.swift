import Foundation
import Imaging
import Reports
import Runs
import Stages
import Testing
import TestSupport

/// Options of a tiny plain (not denoising) training run with snapshots.
private func snapshotRun(_ data: String, _ run: String, epochs: Int, extra: [String] = []) -> [String] {
  ["--data", data, "--run", run, "--epochs", String(epochs)] + smallModel + extra
}

/// The APNG's acTL frame count and its number of fcTL chunks, read by python (struct only).
private func apngFrames(_ path: String) throws -> (declared: Int, controls: Int) {
  let output = try ProcessRunner.python(
    """
    import struct, sys
    data = open(sys.argv[1], "rb").read()
    pos, declared, controls = 8, -1, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"acTL": declared = struct.unpack(">I", data[pos + 8:pos + 12])[0]
        if kind == b"fcTL": controls += 1
        pos += 12 + length
    print(declared, controls)
    """, [path])
  let fields = output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
  guard fields.count == 2 else { throw ReaderFailure(message: "unexpected APNG reader output: \(output)") }
  return (fields[0], fields[1])
}

@Suite struct ReconstructionSnapshotTests {
  @Test func snapshotsLeaveTheWeightsBitwiseUnchangedAndBecomeOneFramePerEpoch() throws {
    let folder = try TemporaryFolder("snapshots")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 600, test: 50)
    let plain = try StageRun.run("vae-train", snapshotRun(data, folder.file("plain"), epochs: 3), in: folder.path)
    #expect(plain.status == 0, "\(plain.stderr)")
    let run = folder.file("snap")
    let snapped = try StageRun.run("vae-train", snapshotRun(data, run, epochs: 3, extra: ["--snapshot-images", "6"]), in: folder.path)
    #expect(snapped.status == 0, "\(snapped.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.file("plain") + "/snapshots.idx"), "off by default")

    try expectSameNewestCheckpoint(folder.file("plain"), run, "with snapshots on")

    let (shape, bytes) = try idxPayload(run + "/snapshots.idx")
    #expect(shape == [3, 6, 28, 28], "\(shape)")
    // The last frame is decode(mu) of test images 0-5 under the final weights, quantised.
    let model = try TrainedModel.load(run: run, checkpoint: nil, threads: 1)
    let clean = try idxPayload(data + "/test-images.idx").bytes
    let last = PixelQuantisation.bytes(model.restore(clean[0..<(6 * 784)], count: 6))
    #expect(Array(bytes[(2 * 6 * 784)...]) == last, "frame 3 should be the final model's reconstructions")
    #expect(Array(bytes[0..<(6 * 784)]) != last, "frame 1 should differ from frame 3")

    let out = folder.file("figures")
    let render = try StageRun.run("vae-render", ["--run", run, "--out", out, "--scale", "1", "--threads", "1"], in: folder.path)
    #expect(render.status == 0 && render.stderr.isEmpty, "\(render.stderr)")
    let animation = out + "/reconstructions-over-training.png"
    let frames = try apngFrames(animation)
    #expect(frames.declared == 3 && frames.controls == 3, "acTL says \(frames.declared), \(frames.controls) fcTL chunks")
    // Frame 1 (the IDAT image): clean row on top, epoch 1's reconstructions below, then the progress bar.
    let first = try PNGDecoding.read(animation, scratch: folder)
    let (s, w) = (1, 28)
    #expect(first.width == s + 6 * (w + s) && first.height == s + 2 * (w + s) + 3, "\(first.width)x\(first.height)")
    for i in 0..<6 {
      let x0 = s + i * (w + s)
      var cleanTile: [UInt8] = [], reconTile: [UInt8] = []
      for y in 0..<28 {
        for x in 0..<28 {
          cleanTile.append(first[x0 + x, s + y])
          reconTile.append(first[x0 + x, s + (w + s) + y])
        }
      }
      #expect(cleanTile == Array(clean[(i * 784)..<((i + 1) * 784)]), "clean tile \(i)")
      #expect(reconTile == Array(bytes[(i * 784)..<((i + 1) * 784)]), "frame 1 tile \(i) should be snapshot frame 1 image \(i)")
    }
    // A third of the bar is dark after epoch 1 of 3.
    let barRow = first.height - 1
    #expect(first[0, barRow] == 40 && first[first.width - 1, barRow] == 220, "bar row \(barRow)")
    let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
    #expect(page.contains("reconstructions-over-training.png") && page.contains("one frame per epoch (3 frames"))
  }

  @Test func resumeTrimsTheSnapshotsLikeTheLogAndEndsIdentical() throws {
    let folder = try TemporaryFolder("snapshot-resume")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 600, test: 50)
    let reference = folder.file("reference")
    let straight = try StageRun.run("vae-train", snapshotRun(data, reference, epochs: 3, extra: ["--snapshot-images", "4"]), in: folder.path)
    #expect(straight.status == 0, "\(straight.stderr)")

    // Two epochs, then a third whose checkpoint is lost (as if killed after log.csv and snapshots.idx were written).
    let run = folder.file("run")
    #expect(try StageRun.run("vae-train", snapshotRun(data, run, epochs: 2, extra: ["--snapshot-images", "4"]), in: folder.path).status == 0)
    #expect(try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "3"], in: folder.path).status == 0)
    #expect(try idxPayload(run + "/snapshots.idx").shape == [3, 4, 28, 28])
    try FileManager.default.removeItem(atPath: try newestCheckpoint(run))  // step 57, the end of epoch 3
    // Resuming from epoch 2 without repeating --snapshot-images: the file's 4 images go on; frame 3 is made again.
    let resumed = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "3"], in: folder.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let expected = try Files.read(reference + "/snapshots.idx")
    let seen = try Files.read(run + "/snapshots.idx")
    #expect(seen == expected, "snapshots.idx after resume should equal the straight run's (\(seen.count) vs \(expected.count) bytes)")
    #expect(try TrainingLog.read(from: run + "/log.csv").rows.count == 3)
  }

  @Test func badSnapshotRequestsAreRefused() throws {
    let folder = try TemporaryFolder("snapshot-refusals")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 100, test: 20)
    let tooMany = try StageRun.run("vae-train", snapshotRun(data, folder.file("a"), epochs: 1, extra: ["--snapshot-images", "101"]), in: folder.path)
    #expect(tooMany.status == 64 && tooMany.stderr.contains("--snapshot-images must be 0...100"), "\(tooMany.stderr)")
    let moreThanTest = try StageRun.run("vae-train", snapshotRun(data, folder.file("b"), epochs: 1, extra: ["--snapshot-images", "21"]), in: folder.path)
    StageRun.expectOneLineFailure(moreThanTest, naming: "snapshots.idx", ["20 test images"])

    // A run trained without snapshots cannot start them half-way: frames would no longer match epochs.
    let run = folder.file("c")
    #expect(try StageRun.run("vae-train", snapshotRun(data, run, epochs: 1), in: folder.path).status == 0)
    let late = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "2", "--snapshot-images", "3"], in: folder.path)
    StageRun.expectOneLineFailure(late, naming: run + "/snapshots.idx", ["earlier epochs made no snapshots", "--force"])

    let other = folder.file("d")
    #expect(try StageRun.run("vae-train", snapshotRun(data, other, epochs: 1, extra: ["--snapshot-images", "3"]), in: folder.path).status == 0)
    let changed = try StageRun.run("vae-train", ["--run", other, "--resume", "--epochs", "2", "--snapshot-images", "5"], in: folder.path)
    StageRun.expectOneLineFailure(changed, naming: other + "/snapshots.idx", ["holds 3 images per frame"])
    // A damaged snapshots file is refused on resume, and only warned about by vae-render.
    try Files.write([0, 0, 8, 1, 0, 0, 0, 0], to: other + "/snapshots.idx")
    let damaged = try StageRun.run("vae-train", ["--run", other, "--resume", "--epochs", "2"], in: folder.path)
    StageRun.expectOneLineFailure(damaged, naming: other + "/snapshots.idx", ["[epochs, 1...100, 28, 28]"])
    let render = try StageRun.run("vae-render", ["--run", other, "--out", folder.file("fig"), "--threads", "1"], in: folder.path)
    #expect(render.status == 0 && render.stderr.contains("leaving the reconstructions over training out"), "\(render.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.file("fig") + "/reconstructions-over-training.png"))
  }
}

@Suite struct LatentRenderTests {
  @Test func aTwoDimensionalCodeGetsAManifoldCanvasScatterAndInterpolation() throws {
    let folder = try TemporaryFolder("manifold")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 600, test: 60)
    let run = folder.file("run")
    let options = ["--data", data, "--run", run, "--epochs", "2", "--hidden", "48", "--latent", "2", "--batch", "32", "--threads", "1"]
    #expect(try StageRun.run("vae-train", options, in: folder.path).status == 0)
    let out = folder.file("figures")
    let render = try StageRun.run("vae-render", ["--run", run, "--out", out, "--scale", "1", "--manifold-grid", "linear"], in: folder.path)
    #expect(render.status == 0 && render.stderr.isEmpty, "\(render.stderr)")

    let canvas = try PNGDecoding.read(out + "/manifold.png", scratch: folder)
    #expect(canvas.width == 20 * 28 && canvas.height == 20 * 28, "\(canvas.width)x\(canvas.height)")
    // Tile (row r, column c) is decode(z1 = v[c], z2 = v[19 - r]) with v evenly spaced over [-4, 4].
    let model = try TrainedModel.load(run: run, checkpoint: nil, threads: 1)
    for (r, c) in [(0, 0), (19, 0), (7, 13)] {
      let v = ManifoldGrid.linear.values(count: 20)
      let tile = PixelQuantisation.bytes(model.vae.decode([Float(v[c]), Float(v[19 - r])], count: 1))
      var seen: [UInt8] = []
      for y in 0..<28 { for x in 0..<28 { seen.append(canvas[c * 28 + x, r * 28 + y]) } }
      #expect(seen == tile, "tile row \(r), column \(c)")
    }

    let interpolation = try PNGDecoding.read(out + "/interpolation.png", scratch: folder)
    #expect(interpolation.width == 1 + 12 * 29 && interpolation.height == 1 + 8 * 29, "\(interpolation.width)x\(interpolation.height)")
    // Row 2, step 0 decodes mu(image 4) and the last step mu(image 5).
    let clean = try idxPayload(data + "/test-images.idx").bytes
    let mu = model.encode(clean[(4 * 784)..<(6 * 784)], count: 2)
    for (column, code) in [(1, Array(mu[0..<2])), (10, Array(mu[2..<4]))] {
      let tile = PixelQuantisation.bytes(model.vae.decode(code, count: 1))
      var seen: [UInt8] = []
      for y in 0..<28 { for x in 0..<28 { seen.append(interpolation[1 + column * 29 + x, 1 + 2 * 29 + y]) } }
      #expect(seen == tile, "interpolation row 2, column \(column)")
    }

    let svg = try String(contentsOfFile: out + "/latent-scatter.svg", encoding: .utf8)
    #expect(svg.components(separatedBy: "<circle").count - 1 >= 60, "a dot per test image")
    #expect(svg.contains("z1 (mu)") && svg.contains("digit 0"))
    let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
    #expect(page.contains("manifold.png") && page.contains("--manifold-grid linear") && page.contains("over [-4, 4]"))
    // Another mesh is another output: not skipped.
    let quantile = try StageRun.run("vae-render", ["--run", run, "--out", out, "--scale", "1"], in: folder.path)
    #expect(quantile.status == 0 && !quantile.stdout.contains("(skipped)"), "\(quantile.stdout)")
    #expect(try String(contentsOfFile: out + "/index.html", encoding: .utf8).contains("quantiles"))
  }

  @Test func aWiderCodeIsScatteredByPrincipalComponentsAndHasNoCanvas() throws {
    let folder = try TemporaryFolder("pca-render")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 300, test: 40)
    let run = folder.file("run")
    #expect(try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "1"] + smallModel, in: folder.path).status == 0)
    let out = folder.file("figures")
    let render = try StageRun.run("vae-render", ["--run", run, "--out", out], in: folder.path)
    #expect(render.status == 0, "\(render.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out + "/manifold.png"))
    let svg = try String(contentsOfFile: out + "/latent-scatter.svg", encoding: .utf8)
    #expect(svg.contains("PC1 (") && svg.contains("% of variance)"), "axis labels name the components")
    let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
    #expect(page.contains("principal components") && page.contains("computed in Double") && page.contains("No manifold canvas"))
    let bad = try StageRun.run("vae-render", ["--run", run, "--out", out, "--manifold-grid", "spiral"], in: folder.path)
    #expect(bad.status == 64, "\(bad.stderr)")
  }
}

@Suite struct ConditionalLatentRenderTests {
  /// A vae and a cvae, both with a 2-D code, trained on the same synthetic digits.
  struct Pair {
    let folder: TemporaryFolder
    let data: String
    let vae: String
    let cvae: String

    static func make(_ name: String) throws -> Pair {
      let folder = try TemporaryFolder(name)
      let data = try makeDataFolder(in: folder, train: 400, test: 40)
      let (vae, cvae) = (folder.file("vae"), folder.file("cvae"))
      for (run, kind) in [(vae, "vae"), (cvae, "cvae")] {
        let options = ["--data", data, "--run", run, "--model", kind, "--epochs", "1", "--hidden", "32", "--latent", "2", "--batch", "32", "--threads", "1"]
        let trained = try StageRun.run("vae-train", options, in: folder.path)
        #expect(trained.status == 0, "\(trained.stderr)")
      }
      return Pair(folder: folder, data: data, vae: vae, cvae: cvae)
    }
  }

  /// Canvas k of the montage (two per row, 12-pixel white gaps, tile scale 1) at tile (r, c).
  static func montageTile(_ image: PNGDecoding.Image, label: Int, row r: Int, column c: Int) -> [UInt8] {
    let (gap, side) = (12, 20 * 28)
    let (x0, y0) = (gap + (label % 2) * (side + gap) + c * 28, gap + (label / 2) * (side + gap) + r * 28)
    var seen: [UInt8] = []
    for y in 0..<28 { for x in 0..<28 { seen.append(image[x0 + x, y0 + y]) } }
    return seen
  }

  @Test func aTwoDimensionalCVAEGetsOneCanvasPerLabelAndAScatterOfMuGivenTheLabel() throws {
    let pair = try Pair.make("cvae-latent")
    defer { pair.folder.remove() }
    let out = pair.folder.file("figures")
    let render = try StageRun.run("vae-render", ["--run", pair.cvae, "--out", out, "--threads", "1"], in: pair.folder.path)
    #expect(render.status == 0 && render.stderr.isEmpty, "\(render.stderr)")
    let montage = try PNGDecoding.read(out + "/manifold-labels.png", scratch: pair.folder)
    #expect(montage.width == 12 + 2 * (560 + 12) && montage.height == 12 + 5 * (560 + 12), "\(montage.width)x\(montage.height)")
    // Canvas k, tile (r, c) is decode(z1 = q[c], z2 = q[19 - r], label k) with q the normal's quantiles.
    let model = try TrainedModel.load(run: pair.cvae, checkpoint: nil, threads: 1)
    let q = ManifoldGrid.quantile.values(count: 20)
    for (label, r, c) in [(0, 0, 0), (3, 19, 5), (9, 8, 14)] {
      let expected = PixelQuantisation.bytes(model.generate(codes: [Float(q[c]), Float(q[19 - r])], labels: [UInt8(label)]))
      #expect(Self.montageTile(montage, label: label, row: r, column: c) == expected, "label \(label), tile (\(r), \(c))")
    }
    // Different labels decode the same code differently (the condition is used).
    #expect(Self.montageTile(montage, label: 1, row: 10, column: 10) != Self.montageTile(montage, label: 7, row: 10, column: 10))
    let svg = try String(contentsOfFile: out + "/latent-scatter.svg", encoding: .utf8)
    #expect(svg.components(separatedBy: "<circle").count - 1 >= 40 && svg.contains("digit 9"))
    let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
    #expect(page.contains("manifold-labels.png") && page.contains("mu(x, y)") && page.contains("Labels 0 and 1 on the top row"))
  }

  @Test func besideDrawsTheOtherRunsCanvasesAndScatterNextToThisOnes() throws {
    let pair = try Pair.make("beside")
    defer { pair.folder.remove() }
    let out = pair.folder.file("figures")
    let render = try StageRun.run(
      "vae-render", ["--run", pair.vae, "--out", out, "--beside", pair.cvae, "--threads", "1"], in: pair.folder.path)
    #expect(render.status == 0 && render.stderr.isEmpty, "\(render.stderr)")
    let own = try PNGDecoding.read(out + "/manifold.png", scratch: pair.folder)
    #expect(own.width == 20 * 28 * 2, "this run's canvas at the default scale 2: \(own.width)")
    let beside = try PNGDecoding.read(out + "/beside-manifold.png", scratch: pair.folder)
    let montagePath = try #require(try Self.renderedCVAEMontage(pair))
    let expected = try PNGDecoding.read(montagePath, scratch: pair.folder)
    #expect(beside.width == expected.width && beside.pixels == expected.pixels, "the cvae's montage, as its own page draws it")
    let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
    let section = try #require(page.range(of: "Side by side with cvae"))
    let rest = page[section.upperBound...]
    // Two rows of two figures each, each figure no wider than its image.
    #expect(rest.components(separatedBy: "<div class=\"figures\">").count - 1 >= 2)
    for file in ["manifold.png", "beside-manifold.png", "latent-scatter.svg", "beside-scatter.svg"] {
      #expect(rest.contains("src=\"\(file)\" ") || rest.contains("src=\"\(file)\""), "\(file) in the side-by-side section")
    }
    #expect(rest.contains("max-width: 520px"))
    // The other run is an input: retraining it re-renders.
    let again = try StageRun.run(
      "vae-render", ["--run", pair.vae, "--out", out, "--beside", pair.cvae, "--threads", "1"], in: pair.folder.path)
    #expect(again.stdout.contains("(skipped)"), "\(again.stdout)")
    let more = try StageRun.run("vae-train", ["--run", pair.cvae, "--resume", "--epochs", "2"], in: pair.folder.path)
    #expect(more.status == 0, "\(more.stderr)")
    let after = try StageRun.run(
      "vae-render", ["--run", pair.vae, "--out", out, "--beside", pair.cvae, "--threads", "1"], in: pair.folder.path)
    #expect(after.status == 0 && !after.stdout.contains("(skipped)"), "\(after.stdout)")
  }

  /// Renders the cvae on its own page and returns its montage's path.
  static func renderedCVAEMontage(_ pair: Pair) throws -> String? {
    let out = pair.folder.file("cvae-page")
    let render = try StageRun.run("vae-render", ["--run", pair.cvae, "--out", out, "--threads", "1"], in: pair.folder.path)
    return render.status == 0 ? out + "/manifold-labels.png" : nil
  }

  @Test func besideRefusesARunWithoutATwoDimensionalCode() throws {
    let pair = try Pair.make("beside-bad")
    defer { pair.folder.remove() }
    let wide = pair.folder.file("wide")
    let trained = try StageRun.run(
      "vae-train", ["--data", pair.data, "--run", wide, "--epochs", "1", "--hidden", "16", "--latent", "3", "--threads", "1"],
      in: pair.folder.path)
    #expect(trained.status == 0, "\(trained.stderr)")
    let result = try StageRun.run(
      "vae-render", ["--run", pair.vae, "--out", pair.folder.file("f"), "--beside", wide], in: pair.folder.path)
    StageRun.expectOneLineFailure(result, naming: try newestCheckpoint(wide), ["--beside needs a vae or cvae with a 2-D code", "3 dimensions"])
    let reversed = try StageRun.run(
      "vae-render", ["--run", wide, "--out", pair.folder.file("g"), "--beside", pair.vae], in: pair.folder.path)
    StageRun.expectOneLineFailure(reversed, naming: try newestCheckpoint(wide), ["--beside compares 2-D latent spaces"])
    #expect(!FileManager.default.fileExists(atPath: pair.folder.file("f") + "/index.html"))
  }
}
