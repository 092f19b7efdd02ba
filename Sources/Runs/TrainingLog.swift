import DataFiles
import Foundation
import Models

/// The rows of a run's `log.csv`, one per finished epoch (see docs/FORMATS.md, "log.csv").
public struct TrainingLog: Equatable, Sendable {
  public struct Row: Equatable, Sendable {
    public var epoch: Int
    public var step: Int
    public var train: LossReport
    public var test: LossReport
    public var seconds: Double
    public var samplesPerSecond: Double

    public init(epoch: Int, step: Int, train: LossReport, test: LossReport, seconds: Double, samplesPerSecond: Double) {
      self.epoch = epoch
      self.step = step
      self.train = train
      self.test = test
      self.seconds = seconds
      self.samplesPerSecond = samplesPerSecond
    }
  }

  public static let header =
    "epoch,step,train_loss,train_recon,train_kl,test_loss,test_recon,test_kl,seconds,samples_per_s"

  public var rows: [Row] = []

  public init(rows: [Row] = []) { self.rows = rows }

  public func csv() -> String {
    var text = Self.header + "\n"
    for row in rows {
      let fields = [
        String(row.epoch), String(row.step),
        Self.format(row.train.total), Self.format(row.train.recon), Self.format(row.train.kl),
        Self.format(row.test.total), Self.format(row.test.recon), Self.format(row.test.kl),
        Self.format(row.seconds), Self.format(row.samplesPerSecond),
      ]
      text += fields.joined(separator: ",") + "\n"
    }
    return text
  }

  /// Parses `log.csv`; `source` names the file in errors.
  public static func parse(_ text: String, source: String) throws -> TrainingLog {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    guard let first = lines.first, first == header else {
      throw RunError.badLog(path: source, line: 1, reason: "expected the header \"\(header)\"")
    }
    lines.removeFirst()
    var log = TrainingLog()
    for (index, line) in lines.enumerated() {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      let numbers = fields.compactMap(Double.init)
      guard fields.count == 10, numbers.count == 10, let epoch = Int(fields[0]), let step = Int(fields[1]) else {
        throw RunError.badLog(path: source, line: index + 2, reason: "expected 10 numeric fields, found \"\(line)\"")
      }
      log.rows.append(
        Row(
          epoch: epoch, step: step, train: LossReport(total: numbers[2], recon: numbers[3], kl: numbers[4]),
          test: LossReport(total: numbers[5], recon: numbers[6], kl: numbers[7]), seconds: numbers[8],
          samplesPerSecond: numbers[9]))
    }
    return log
  }

  /// Reads `path`, or an empty log when the file does not exist.
  public static func read(from path: String) throws -> TrainingLog {
    guard FileManager.default.fileExists(atPath: path) else { return TrainingLog() }
    guard let bytes = try? FileReader.contents(of: path), let text = String(validating: bytes, as: UTF8.self) else {
      throw RunError.badLog(path: path, line: 0, reason: "cannot be read as UTF-8 text")
    }
    return try parse(text, source: path)
  }

  public func write(to path: String) throws {
    try AtomicFile.write(text: csv(), to: path)
  }

  /// Enough digits to round-trip the losses shown in reports, without locale effects.
  public static func format(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    return String(format: "%.4f", value)
  }
}
