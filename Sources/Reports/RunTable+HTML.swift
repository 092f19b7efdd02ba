import Foundation
import Imaging
import Runs

extension RunTable {
  /// The column headers, in order (see `columnGroups` for the headings above them).
  static let header = [
    "run", "data set", "model", "task", "arch", "latent", "epochs",
    "total", "recon", "KL",
    "nats", "k",
    "baseline", "model", "baseline", "model", "baseline",
    "%", "of",
    "time (s)", "status",
  ]

  static let columnGroups: [HTMLPage.ColumnGroup] = [
    .init(nil, columns: 7), .init("test ELBO (nats)", columns: 3), .init("IW bound", columns: 2),
    .init(nil, columns: 1), .init("PSNR (dB)", columns: 2), .init("SSIM", columns: 2), .init("judge accuracy", columns: 2),
    .init(nil, columns: 2),
  ]

  /// The report page; links to the runs' pages are relative to `folder`, where the page is written.
  public func page(folder: String) -> HTMLPage {
    let damaged = rows.filter(\.isDamaged).count
    let evaluated = rows.filter { $0.metrics != nil }.count
    var page = HTMLPage(
      title: "DigitVAE runs",
      subtitle: "vae-render --report \(artifacts): \(rows.count) run\(rows.count == 1 ? "" : "s") in \(Self.runsFolder(artifacts)), "
        + "\(evaluated) evaluated, \(damaged) unreadable.")
    page.wide = true
    var runs = HTMLPage.Section(title: "Runs")
    if rows.isEmpty {
      runs.add(.paragraph("\(Self.runsFolder(artifacts)) holds no runs yet; vae-train --run \(Self.runsFolder(artifacts))/NAME makes one."))
    } else {
      let groups = Self.byDataset(rows)
      runs.add(
        .paragraph(
          "One row per run folder, grouped by data set (\(groups.map { "\($0.title): \($0.rows.count)" }.joined(separator: ", "))), "
            + "then sorted by model kind and name. Numbers come from each run's metrics.json (vae-eval), "
            + "config.json and log.csv; a dash means the value is not there (hover over it to see why). "
            + "Rows in red have a file that cannot be read; the line under such a row says which and why."))
      for group in groups {
        if groups.count > 1 { runs.add(.paragraph("\(group.title): \(group.rows.count) run\(group.rows.count == 1 ? "" : "s")")) }
        let flagged = Set(group.rows.indices.filter { group.rows[$0].isDamaged })
        var notes: [Int: String] = [:]
        for i in flagged { notes[i] = group.rows[i].problems.map(\.description).joined(separator: "; ") }
        runs.add(
          .table(
            HTMLPage.Table(
              header: Self.header, rows: group.rows.map { cells(of: $0, folder: folder) }, groups: Self.columnGroups,
              flaggedRows: flagged, notes: notes)))
      }
      runs.add(.paragraph("The columns:"))
      runs.add(.keyValues(Self.legend))
    }
    page.add(runs)
    return page
  }

  /// The rows grouped by their data set, in the order the data sets first appear
  /// (rows are sorted by data set already); runs whose config cannot be read last.
  static func byDataset(_ rows: [RunTableRow]) -> [(title: String, rows: [RunTableRow])] {
    var groups: [(title: String, rows: [RunTableRow])] = []
    for row in rows {
      let title = row.config?.datasetDescriptor.title ?? "data set unknown (config.json cannot be read)"
      if let last = groups.indices.last, groups[last].title == title {
        groups[last].rows.append(row)
      } else {
        groups.append((title, [row]))
      }
    }
    return groups
  }

  static let legend: [HTMLPage.KeyValue] = [
    .init("run", "The run folder's name, linked to its page from vae-render --run (other renderings of the same run are listed under it)."),
    .init("data set", "The data set the run was trained on, as its config.json records it (runs from before it was recorded are MNIST's)."),
    .init("model, task", "The model kind (vae, cvae: conditioned on the label, inpaint: on the observed pixels) and what it was trained for, with the corruption of its test input as vae-corrupt's spec.json describes it."),
    .init("arch, latent", "The layer family with its hidden widths (mlp) or convolution channels (conv), and the latent size Z."),
    .init("epochs", "Epochs finished (rows of log.csv) / epochs planned (config.json)."),
    .init("test ELBO", "Minus the evidence lower bound on the clean test images, nats per image, with its reconstruction and KL parts: lower is better."),
    .init("IW bound", "Minus the importance-weighted bound of log p(x) on the clean test images, nats per image, with k samples per image (vae-eval --iw-samples): an upper bound on the test NLL, tighter than the ELBO."),
    .init("baseline, PSNR, SSIM", "How well the model restores corrupted test images, against the clean ones, and the baseline it is compared with. Denoising runs: the model's decode(mu(corrupted)) vs the 3\u{00D7}3 median filter of the corrupted input. Inpainting runs: the hidden pixels only, the inpainting model at the prior mean vs a denoising VAE trained on the same masks (vae-eval --denoiser-run), else a plain VAE given the same occluded input (--compare-run), else the mean training image."),
    .init("judge accuracy", "Share of images the judge classifier (vae-classify) labels as their class (the judge of the run's data set): label-conditioned samples for a cvae, restored images for denoising and inpainting, clean test images otherwise."),
    .init("time (s)", "Seconds of training, the sum of log.csv's seconds column (test passes and restarts excluded)."),
    .init("status", "trained (all planned epochs in log.csv) or at epoch N of M (stopped, or still training); evaluated, not evaluated, or the step the metrics belong to when a newer checkpoint exists; unreadable: some file cannot be read; the line under the row names each such file and what is wrong with it."),
  ]

  /// The cells of one row, in the order of `header`.
  func cells(of row: RunTableRow, folder: String) -> [HTMLPage.Cell] {
    let links = row.pages.enumerated().map { index, page in
      HTMLPage.Link(
        index == 0 ? row.name : URL(fileURLWithPath: page).deletingLastPathComponent().lastPathComponent,
        href: Self.relativePath(from: folder, to: page))
    }
    var cells: [HTMLPage.Cell] = [links.isEmpty ? .text(row.name) : .links(links)]
    cells += configCells(row)
    cells += metricsCells(row)
    cells += [trainingTime(row), status(row)]
    return cells
  }

  /// data set, model, task, arch, latent, epochs.
  func configCells(_ row: RunTableRow) -> [HTMLPage.Cell] {
    guard let config = row.config else {
      let why = HTMLPage.Cell.missing(reason: "config.json cannot be read")
      return [why, why, why, why, why, row.log.map { .number("\($0.rows.last?.epoch ?? 0) / ?") } ?? why]
    }
    let model = config.model
    let arch = model.arch == .conv
      ? "conv\u{00A0}" + model.channels.map(String.init).joined(separator: "\u{2013}")
      : "mlp\u{00A0}" + model.hidden.map(String.init).joined(separator: "\u{2013}")
    let epochs: HTMLPage.Cell = row.log.map { .number("\($0.rows.last?.epoch ?? 0) / \(config.training.epochs)") }
      ?? .missing(reason: "log.csv cannot be read")
    return [
      .text(config.datasetDescriptor.title), .text(config.kind.rawValue), .text(Self.task(row, config)), .text(arch),
      .number(String(model.latent)), epochs,
    ]
  }

  /// What the run was trained for: "clean images", "denoising: gaussian noise, sigma 0.5", ...
  static func task(_ row: RunTableRow, _ config: RunConfig) -> String {
    config.kind.report.task(config: config, corruption: row.corruption)
  }

  /// The ELBO, IW bound, restoration and judge cells.
  func metricsCells(_ row: RunTableRow) -> [HTMLPage.Cell] {
    guard let metrics = row.metrics else {
      let reason = row.problems.contains { $0.file == "metrics.json" }
        ? "metrics.json cannot be read" : "not evaluated yet: no metrics.json (run vae-eval)"
      return Array(repeating: .missing(reason: reason), count: 12)
    }
    func number(_ value: Double, _ digits: Int) -> HTMLPage.Cell { .number(RunMetrics.fixed(value, digits)) }
    var cells = [number(metrics.elbo.total, 2), number(metrics.elbo.recon, 2), number(metrics.elbo.kl, 2)]
    if let iw = metrics.iwNLL, let k = metrics.iwSamples {
      cells += [number(iw, 2), .number(String(k))]
    } else {
      let why = HTMLPage.Cell.missing(
        reason: row.config.map { $0.kind.run.reconstructsFromImageAlone } ?? true
          ? "no IW bound: vae-eval ran without --iw-samples" : "no IW bound: vae-eval --iw-samples is for plain VAEs")
      cells += [why, why]
    }
    cells += restorationCells(row, metrics)
    cells += judgeCells(row, metrics)
    return cells
  }

  /// The baseline's name, PSNR of the model and the baseline, SSIM of both.
  func restorationCells(_ row: RunTableRow, _ metrics: RunMetrics) -> [HTMLPage.Cell] {
    let scored: String, model: DenoiseScore, baseline: DenoiseScore
    if let inpaint = metrics.inpaint {
      // The strongest baseline vae-eval scored: a denoising VAE trained on the same masks, else a plain VAE.
      model = inpaint.priorMean
      if let denoiser = inpaint.denoiser {
        (baseline, scored) = (denoiser, "denoising\u{00A0}VAE")
      } else if let plain = inpaint.plainVAE {
        (baseline, scored) = (plain, "plain\u{00A0}VAE")
      } else {
        (baseline, scored) = (inpaint.meanImage, "mean\u{00A0}image")
      }
    } else if let denoise = metrics.denoise {
      model = denoise.restored
      baseline = denoise.median3x3
      scored = "median\u{00A0}3\u{00D7}3"
    } else {
      let why = HTMLPage.Cell.missing(reason: "no corrupted test images in metrics.json (vae-eval --test-input)")
      return Array(repeating: why, count: 5)
    }
    func psnr(_ s: DenoiseScore) -> HTMLPage.Cell { .number(RunMetrics.fixed(s.psnr, 2)) }
    func ssim(_ s: DenoiseScore) -> HTMLPage.Cell {
      s.ssim.map { .number(RunMetrics.fixed($0, 3)) }
        ?? .missing(reason: metrics.inpaint != nil ? "no SSIM for hole-only scores" : "no SSIM in metrics.json (written before vae-eval measured it)")
    }
    return [.text(scored), psnr(model), psnr(baseline), ssim(model), ssim(baseline)]
  }

  /// Judge accuracy in percent and of which images.
  func judgeCells(_ row: RunTableRow, _ metrics: RunMetrics) -> [HTMLPage.Cell] {
    guard let judge = metrics.judge else {
      let why = HTMLPage.Cell.missing(reason: "no judge scores in metrics.json (vae-eval ran without a judge)")
      return [why, why]
    }
    let value: Double, of: String
    if row.config?.kind.run.needsLabels == true, let generation = judge.generation {
      (value, of) = (generation.overall, "generated")
    } else if let restored = judge.restored, metrics.denoise != nil || metrics.inpaint != nil {
      (value, of) = (restored, "restored")
    } else {
      (value, of) = (judge.clean, "clean")
    }
    return [.number(RunMetrics.fixed(100 * value, 1)), .text(of)]
  }

  func trainingTime(_ row: RunTableRow) -> HTMLPage.Cell {
    guard let log = row.log else { return .missing(reason: "log.csv cannot be read") }
    guard !log.rows.isEmpty else { return .missing(reason: "no epoch finished yet (log.csv has no rows)") }
    return .number(RunMetrics.fixed(log.rows.reduce(0) { $0 + $1.seconds }, 1))
  }

  func status(_ row: RunTableRow) -> HTMLPage.Cell {
    // The reasons go in the note under the row, where they have the table's width.
    if row.isDamaged { return .warning("unreadable") }
    var parts: [String] = []
    let done = row.log?.rows.last?.epoch ?? 0
    let planned = row.config?.training.epochs ?? 0
    if row.checkpoint == nil {
      parts.append("no checkpoint yet")
    } else if done < planned {
      parts.append("at epoch \(done) of \(planned)")
    } else {
      parts.append("trained")
    }
    if let metrics = row.metrics {
      if let checkpoint = row.checkpoint, let step = metrics.step, step != checkpoint.step {
        parts.append("metrics of step \(step), newest checkpoint step \(checkpoint.step)")
      } else {
        parts.append("evaluated")
      }
    } else {
      parts.append("not evaluated")
    }
    return .text(parts.joined(separator: ", "))
  }

  /// `file` as a relative URL path from `folder` (both made absolute first): "/" separators,
  /// each name percent-encoded so that a space, "#" or "?" in a folder name keeps the link working.
  static func relativePath(from folder: String, to file: String) -> String {
    let from = URL(fileURLWithPath: folder).standardizedFileURL.pathComponents
    let to = URL(fileURLWithPath: file).standardizedFileURL.pathComponents
    var shared = 0
    while shared < from.count, shared < to.count - 1, from[shared] == to[shared] { shared += 1 }
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove(charactersIn: "/;")
    let names = to[shared...].map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }
    return (Array(repeating: "..", count: from.count - shared) + names).joined(separator: "/")
  }
}
