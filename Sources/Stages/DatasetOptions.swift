import ArgumentParser
import DataFiles
import Fetching

/// The `--dataset` option every data stage shares.
public struct DatasetOptions: ParsableArguments {
  @Option(help: "Which data set: mnist, fashion-mnist or kmnist.")
  public var dataset: Dataset = .mnist

  public init() {}
}

extension Dataset: ExpressibleByArgument {}
