import Checkpoints
import DataFiles
import Foundation
import Runs

/// One run folder as `vae-render --report` sees it: whatever of its files could
/// be read, and a ``Problem`` for each one that could not.
///
/// Reading never throws: a damaged run still gets a row, so one bad folder
/// cannot hide the others. What counts as damage: `config.json` missing or not
/// a run config, `log.csv` missing (vae-train writes it with the config) or not
/// parsable, `metrics.json` present but not parsable, and the newest checkpoint
/// failing to decode or its CRC-32 check. A run with no `metrics.json` (not
/// evaluated yet) or no checkpoint (nothing trained yet) is not damaged.
public struct RunTableRow: Sendable {
  /// A file of the run that could not be read.
  public struct Problem: Equatable, Sendable, CustomStringConvertible {
    /// The file, relative to the run folder ("config.json", "checkpoints/step-00000047.safetensors").
    public var file: String
    /// What is wrong with it, in one line.
    public var reason: String

    public init(file: String, reason: String) {
      self.file = file
      self.reason = reason
    }

    /// "config.json: not valid JSON".
    public var description: String { "\(file): \(reason)" }
  }

  /// The newest checkpoint in `checkpoints/`.
  public struct Checkpoint: Equatable, Sendable {
    public var step: Int
    public var path: String
  }

  /// The folder's name, e.g. "denoise-gaussian".
  public var name: String
  /// The run folder.
  public var folder: String
  public var config: RunConfig?
  public var log: TrainingLog?
  /// The run's metrics.json, nil when there is none or it is unreadable.
  public var metrics: RunMetrics?
  /// The newest checkpoint file (whether or not it is valid), nil when there is none.
  public var checkpoint: Checkpoint?
  /// What the run's corrupted images are (from metrics.json, else the spec.json beside the
  /// config's test input or input); nil for a run on clean images or when it is not known.
  public var corruption: String?
  /// The files that could not be read, in the order they were tried.
  public var problems: [Problem] = []
  /// The run's rendered pages (index.html paths), its main page first.
  public var pages: [String] = []

  /// True when some file of the run could not be read.
  public var isDamaged: Bool { !problems.isEmpty }

  /// Reads the run in `folder`. `corruption` describes the corrupted inputs named in its
  /// config (from their spec.json); it is asked only when metrics.json does not say.
  public static func read(folder: String, corruption: (RunConfig) -> String?) -> RunTableRow {
    let files = RunFolder(path: folder)
    var row = RunTableRow(name: URL(fileURLWithPath: folder).lastPathComponent, folder: folder)
    let manager = FileManager.default

    if let data = try? FileReader.contents(of: files.config) {
      do {
        row.config = try RunConfig.parse(String(decoding: data, as: UTF8.self), source: files.config)
      } catch {
        row.note(error, file: "config.json")
      }
    } else {
      let exists = manager.fileExists(atPath: files.config)
      row.problems.append(Problem(file: "config.json", reason: exists ? "cannot be read" : "missing (vae-train writes it when a run starts)"))
    }

    if manager.fileExists(atPath: files.log) {
      do {
        row.log = try TrainingLog.read(from: files.log)
      } catch {
        row.note(error, file: "log.csv")
      }
    } else {
      row.problems.append(Problem(file: "log.csv", reason: "missing (vae-train writes it with config.json)"))
    }

    let metricsPath = folder + "/metrics.json"
    if manager.fileExists(atPath: metricsPath) {
      do {
        row.metrics = try RunMetrics.read(from: metricsPath)
      } catch {
        row.note(error, file: "metrics.json")
      }
    }

    do {
      if let newest = try files.checkpoints.list().last {
        row.checkpoint = Checkpoint(step: newest.step, path: newest.path)
        do {
          _ = try SafeTensorsFile.read(from: newest.path, requireChecksum: true)
        } catch {
          row.note(error, file: "checkpoints/" + URL(fileURLWithPath: newest.path).lastPathComponent)
        }
      }
    } catch {
      row.note(error, file: "checkpoints")
    }

    row.corruption = row.metrics?.corruption ?? row.config.flatMap(corruption)
    return row
  }

  init(name: String, folder: String) {
    self.name = name
    self.folder = folder
  }

  /// Records `error` as a problem of `file`, its message shortened to one line without the run's path.
  mutating func note(_ error: any Error, file: String) {
    let full = folder + "/" + file
    var text: String
    if case let RunError.badLog(_, line, reason) = error {
      text = line > 0 ? "line \(line): \(reason)" : reason
    } else {
      text = ReportError.oneLine(error)
      for prefix in [full + ": ", full + " (metadata config): "] where text.hasPrefix(prefix) {
        text = String(text.dropFirst(prefix.count))
      }
    }
    problems.append(Problem(file: file, reason: text.replacingOccurrences(of: folder + "/", with: "")))
  }
}
