/// Points of a latent space with more than two dimensions, projected to a plane
/// for the latent scatter, with the share of the variance each axis keeps.
///
/// Reports does not compute the projection (the principal components are a metric);
/// the stage that draws the page hands in a ``Method``.
public struct LatentProjection: Sendable {
  /// [N] points of two coordinates each.
  public var points: [[Double]]
  /// The variance along each of the two axes.
  public var variances: [Double]
  /// The variance of the points over all dimensions.
  public var totalVariance: Double

  public init(points: [[Double]], variances: [Double], totalVariance: Double) {
    self.points = points
    self.variances = variances
    self.totalVariance = totalVariance
  }

  /// Projects [count, dimensions] row-major points (count, dimensions) to the plane.
  public typealias Method = @Sendable (_ points: [Float], _ count: Int, _ dimensions: Int) -> LatentProjection
}
