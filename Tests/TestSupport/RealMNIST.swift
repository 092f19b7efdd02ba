import Foundation

/// The real MNIST files, for the tests that use them: the folder of the four
/// original `.gz` files, `$MNIST_MIRROR` when it names a folder, else
/// `../shared/data/mnist` beside the checkout.
public enum RealMNIST {
  public static var folder: String {
    if let mirror = ProcessInfo.processInfo.environment["MNIST_MIRROR"], !mirror.contains("://") { return mirror }
    return Files.packageRoot() + "/../shared/data/mnist"
  }

  /// True when the training images are there (tests that need them are enabled by this).
  public static var isPresent: Bool { Files.exists(folder + "/train-images-idx3-ubyte.gz") }

  /// Why a test that needs the files is skipped.
  public static var absence: String { "needs the MNIST .gz files in \(folder) ($MNIST_MIRROR or ../shared/data/mnist)" }
}

/// Tests run by hand through an environment variable (benchmarks, profiling loops).
public enum ManualRun {
  /// The value of `name` when it is set and not "0".
  public static func setting(_ name: String) -> String? {
    guard let value = ProcessInfo.processInfo.environment[name], value != "0" else { return nil }
    return value
  }
}
