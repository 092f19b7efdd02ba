import Corruptions

/// Faults in what a measurement was asked to do; today, the level sweep's plan.
///
/// Every case is a usage fault (the levels or the kind chosen), which the command
/// layer reports as a usage error (exit 64); the messages name the option at fault.
public enum MetricError: Error, Equatable, CustomStringConvertible {
  /// The level list names no level.
  case noLevels
  /// A level is not a finite number.
  case notANumber(String)
  /// --levels lists more levels than the limit.
  case tooManyLevels(Int, limit: Int)
  /// A level appears twice.
  case repeatedLevel(String)
  /// The kind asked for has no level (half, mixed); `withLevel` lists the kinds that have one.
  case noLevel(kind: String, withLevel: [String])
  /// The test input's spec.json names a kind without a level.
  case specKindHasNoLevel(kind: String, spec: String)
  /// square and rectangles take whole levels.
  case notWhole(levelName: String, kind: String, level: Double)
  /// A level outside the kind's range.
  case levelOutOfRange(CorruptionError)
  /// Neither a kind nor a spec.json to take one from; `why` says which input is missing.
  case noKind(why: String)

  public var description: String {
    switch self {
    case .noLevels: "--levels needs at least one level, e.g. --levels 0.1,0.3,0.5"
    case let .tooManyLevels(count, limit): "--levels lists \(count) levels, more than the limit of \(limit)"
    case let .notANumber(part): "--levels: \"\(part)\" is not a number (give levels separated by commas, e.g. 0.1,0.3,0.5)"
    case let .repeatedLevel(part): "--levels lists \(part) twice"
    case let .noLevel(kind, withLevel): "--levels: \(kind) has no level to sweep; kinds with one: " + withLevel.joined(separator: ", ")
    case let .specKindHasNoLevel(kind, spec):
      "--levels: the test input was corrupted by \(kind) (\(spec)), which has no level; choose a kind with --levels-kind"
    case let .notWhole(levelName, kind, level): "--levels: \(levelName) is a whole number for \(kind), got \(level)"
    case let .levelOutOfRange(error): "--levels: \(error.description)"
    case let .noKind(why): "--levels needs a corruption kind: \(why); choose one with --levels-kind"
    }
  }
}
