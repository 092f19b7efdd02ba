import Foundation
import Models
import Runs
import Testing
import TestSupport

/// vae-train --prior / --gsnn / --loss / --masks and vae-eval's measurements of a learned-prior CVAE.
@Suite struct LearnedPriorStageTests {
  /// Every bad value of the new flags is a usage error (exit 64) naming the flag, and nothing is written.
  @Test func badValuesOfTheNewFlagsAreRefused() throws {
    let folder = try TemporaryFolder("prior-flags")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 40, test: 10)
    let run = folder.file("run")
    let cases: [([String], String)] = [
      (["--model", "inpaint", "--prior", "maybe"], "--prior"),
      (["--model", "inpaint", "--prior", "learned", "--gsnn", "1.5"], "--gsnn must be in [0, 1]"),
      (["--model", "inpaint", "--prior", "learned", "--gsnn=-0.1"], "--gsnn must be in [0, 1]"),
      (["--model", "inpaint", "--loss", "pixels"], "--loss"),
      (["--model", "inpaint", "--masks", "circles"], "--masks must be one of mixture, square"),
      (["--model", "vae", "--prior", "learned"], "--prior learned needs a conditional model"),
      (["--model", "inpaint", "--gsnn", "0.5"], "--gsnn needs --prior learned"),
      (["--model", "cvae", "--loss", "hole"], "--loss hole needs --model inpaint"),
      (["--model", "vae", "--masks", "square"], "--masks applies to --model inpaint"),
    ]
    for (flags, message) in cases {
      let result = try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "1"] + flags + smallModel, in: folder.path)
      #expect(result.status == 64, "\(flags): \(result.stderr)")
      #expect(result.stderr.split(separator: "\n").first?.contains(message) == true, "\(flags): \(result.stderr)")
      #expect(!Files.exists(run), "\(flags) left a run folder")
    }
    for (flag, value) in [("--fill-draws", "0"), ("--fill-draws", "1001"), ("--nll-samples", "0"), ("--nll-samples", "10001")] {
      let result = try StageRun.run("vae-eval", ["--run", run, flag, value], in: folder.path)
      #expect(result.status == 64 && result.stderr.contains("\(flag) must be"), "\(flag) \(value): \(result.stderr)")
      #expect(!Files.exists(run + "/metrics.json"))
    }
  }

  /// A learned-prior CVAE on quadrant masks, a deterministic baseline and a denoising VAE:
  /// vae-eval writes every fill's hole score, the judge-free conditional likelihood (the
  /// baseline's ELBO and IW equal, the CVAE's IW below its ELBO) and the config records the masks.
  @Test func evaluatesFillsAndTheConditionalLikelihood() throws {
    let folder = try TemporaryFolder("prior-eval")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 200, test: 30)
    let cvae = folder.file("cvae"), baseline = folder.file("baseline"), plain = folder.file("plain")
    let common = ["--data", data, "--epochs", "2", "--loss", "hole", "--masks", "quadrants-2", "--model", "inpaint"] + smallModel
    for (run, extra) in [(cvae, ["--prior", "learned"]), (baseline, ["--prior", "none"])] {
      let train = try StageRun.run("vae-train", common + extra + ["--run", run], in: folder.path)
      #expect(train.status == 0, "\(train.stderr)")
    }
    let config = try String(contentsOfFile: cvae + "/config.json", encoding: .utf8)
    #expect(config.contains("\"quadrants\"") && config.contains("\"learned\"") && config.contains("\"hole\""), "\(config)")
    let train = try StageRun.run("vae-train", ["--data", data, "--run", plain, "--epochs", "1"] + smallModel, in: folder.path)
    #expect(train.status == 0, "\(train.stderr)")
    let corrupt = try StageRun.run(
      "vae-corrupt", ["--images", data + "/test-images.idx", "--kind", "quadrants", "--level", "2", "--out", folder.file("q2")],
      in: folder.path)
    #expect(corrupt.status == 0, "\(corrupt.stderr)")
    let test = folder.file("q2") + "/images.idx"
    for run in [cvae, baseline] {
      let eval = try StageRun.run(
        "vae-eval",
        ["--run", run, "--test-input", test, "--denoiser-run", plain, "--compare-run", plain, "--fill-draws", "3", "--nll-samples", "20", "--threads", "1"],
        in: folder.path)
      #expect(eval.status == 0, "\(eval.stderr)")
      #expect(eval.stdout.contains("-log p(hidden | observed)"), "\(eval.stdout)")
    }
    let learned = try #require(try RunMetrics.read(from: cvae + "/metrics.json").inpaint)
    let nll = try #require(learned.conditionalNLL)
    #expect(learned.priorDrawCount == 3 && learned.priorDraws != nil && learned.denoiser != nil && learned.denoiserCheckpoint != nil)
    #expect(nll.elboSamples == 10 && nll.iwSamples == 20 && nll.iw < nll.elbo && nll.iw > 0, "\(nll)")
    #expect(abs(learned.holeFraction - 0.5) < 1e-9, "quadrants 2 hide the right half: \(learned.holeFraction)")
    let baselineFills = try #require(try RunMetrics.read(from: baseline + "/metrics.json").inpaint)
    // No code: every fill is z = 0, scored once, and the printout names a baseline, not a CVAE.
    #expect(baselineFills.prior == Prior.none && learned.prior == Prior.learned)
    #expect(baselineFills.priorSample == nil && baselineFills.priorDraws == nil && baselineFills.priorDrawCount == nil)
    #expect(baselineFills.encoder == baselineFills.priorMean)
    #expect(baselineFills.judge == nil || baselineFills.judge?.priorDraws == nil)
    let printed = try StageRun.run(
      "vae-eval", ["--run", baseline, "--test-input", test, "--out", folder.file("again.json"), "--threads", "1"], in: folder.path)
    #expect(printed.status == 0, "\(printed.stderr)")
    #expect(printed.stdout.contains("deterministic baseline (no z)") && !printed.stdout.contains("inpainting CVAE"), "\(printed.stdout)")
    let deterministic = try #require(baselineFills.conditionalNLL)
    #expect(deterministic.elbo == deterministic.iw && deterministic.elboKL == 0, "\(deterministic)")
    // completions.png: a row per image, 10 columns (observed, truth, baseline, prior mean, 6 draws).
    let out = folder.file("render")
    let render = try StageRun.run(
      "vae-render", ["--run", cvae, "--test-input", test, "--baseline", baseline, "--out", out, "--scale", "1", "--threads", "1"],
      in: folder.path)
    #expect(render.status == 0, "\(render.stderr)")
    let image = try PNGDecoding.read(out + "/completions.png", scratch: folder)
    #expect(image.width == 1 + 10 * 29 && image.height == 1 + 10 * 29, "\(image.width) x \(image.height)")
    let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
    #expect(page.contains("completions.png") && page.contains("the prior network p(z | c)"))
    let notInpaint = try StageRun.run(
      "vae-render", ["--run", cvae, "--test-input", test, "--baseline", plain, "--out", folder.file("r2")], in: folder.path)
    StageRun.expectOneLineFailure(notInpaint, naming: plain, ["--baseline must name an inpaint run"])
    // A --denoiser-run that is not a plain VAE is one line.
    let wrong = try StageRun.run(
      "vae-eval", ["--run", cvae, "--test-input", test, "--denoiser-run", baseline, "--out", folder.file("m.json")], in: folder.path)
    StageRun.expectOneLineFailure(wrong, naming: baseline, ["--denoiser-run must name a plain VAE"])
  }
}
