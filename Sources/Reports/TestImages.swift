import DataFiles

/// The test images a page's figures show: the clean ones and, for a run with
/// corrupted (or occluded) test inputs, their corrupted copies, of the same shape.
public struct TestImages {
  /// [N, 28, 28] bytes.
  public var clean: IDXArray<UInt8>
  /// [N, 28, 28] bytes, nil when the run has no corrupted test inputs.
  public var corrupted: IDXArray<UInt8>?

  public init(clean: IDXArray<UInt8>, corrupted: IDXArray<UInt8>?) {
    self.clean = clean
    self.corrupted = corrupted
  }

  /// N.
  public var count: Int { clean.itemCount }
}
