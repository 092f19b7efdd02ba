import ArgumentParser
import DataFiles
import Foundation
import Terminal

extension StageError {
  /// Runs a stage's body so that whatever it throws reaches the user as one line.
  ///
  /// swift-argument-parser prints `Error: ` + `String(describing: error)`;
  /// Foundation errors describe themselves over several lines, so every
  /// error other than the parser's own is flattened into `StageError`.
  /// An active progress bar is cleared first so the message starts a line.
  public static func reporting<T>(console: Console = .standard, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as ExitCode {
      throw error
    } catch let error as ValidationError {
      throw error
    } catch let error as CleanExit {
      throw error
    } catch {
      console.clearBar()
      throw StageError.flattening(error)
    }
  }

  /// The error as a `StageError` whose description is a single line.
  public static func flattening(_ error: any Error) -> StageError {
    if let error = error as? StageError {
      if case .other = error {} else if !error.description.contains("\n") { return error }
    }
    return .other(Console.oneLine(describing: error))
  }
}
