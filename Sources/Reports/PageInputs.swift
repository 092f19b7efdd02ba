/// What a run's page was drawn from, as its captions name it: the checkpoint,
/// how far training had got, and the test images (clean and corrupted).
public struct PageInputs: Sendable {
  /// The checkpoint file the figures were drawn by.
  public var checkpoint: String
  /// "after 5 epochs (step 2345)"; nil for a weights-only export.
  public var position: String?
  /// The clean test images file.
  public var testImages: String
  /// The corrupted (or occluded) test images file, if any.
  public var testInput: String?
  /// The corruption as vae-corrupt's spec.json describes it, if known.
  public var corruption: String?

  public init(checkpoint: String, position: String?, testImages: String, testInput: String?, corruption: String?) {
    self.checkpoint = checkpoint
    self.position = position
    self.testImages = testImages
    self.testInput = testInput
    self.corruption = corruption
  }
}
