import Foundation
import Runs
import Testing

@Suite struct InpaintConditionTests {
  /// A 28x28 image of value 200 everywhere.
  static let image = [UInt8](repeating: 200, count: 784)

  func condition(_ source: InpaintCondition, index: Int, epoch: Int) -> [Float] {
    var out = [Float](repeating: -1, count: source.width)
    Self.image.withUnsafeBufferPointer { image in
      out.withUnsafeMutableBufferPointer { out in
        source.write(index: index, epoch: epoch, image: image.baseAddress!, into: out.baseAddress!)
      }
    }
    return out
  }

  /// The condition is a pure function of (seed, epoch, index), fresh across epochs and
  /// images, and consistent: observed pixels keep 200/255 with mask 1, hidden ones 0 and 0.
  @Test func masksAreFreshPerEpochYetReproducible() {
    let source = InpaintCondition(seed: 5, count: 10)
    let a = condition(source, index: 3, epoch: 2)
    #expect(a == condition(InpaintCondition(seed: 5, count: 10), index: 3, epoch: 2))
    #expect(a != condition(source, index: 3, epoch: 3), "a new epoch must draw a new mask")
    #expect(a != condition(source, index: 4, epoch: 2), "another image must draw its own mask")
    #expect(a != condition(InpaintCondition(seed: 6, count: 10), index: 3, epoch: 2))
    var hidden = 0
    for k in 0..<784 {
      let (value, mask) = (a[k], a[784 + k])
      #expect(mask == 0 || mask == 1)
      if mask == 0 {
        hidden += 1
        #expect(value == 0)
      } else {
        #expect(abs(value - 200 / 255) < 1e-6)
      }
    }
    #expect(hidden > 0 && hidden < 784, "\(hidden) hidden pixels")
    // Over many draws every kind of the mixture shows up: hidden counts vary widely.
    let counts = Set((0..<40).map { i in condition(source, index: i, epoch: 0)[784...].filter { $0 == 0 }.count })
    #expect(counts.count > 5, "hidden-pixel counts over 40 images: \(counts.sorted())")
  }

  @Test func theMixtureIsValid() throws {
    try InpaintCondition.mixture.validate(side: 28)
  }

  /// Every `--masks` choice is a valid corruption with a unique name, and the condition draws
  /// the chosen one: quadrants-2 hides exactly the right half, whatever the epoch.
  @Test func namedMasksAreValidAndDrawn() throws {
    for (_, kind) in InpaintCondition.named { try kind.validate(side: 28) }
    #expect(Set(InpaintCondition.named.map(\.name)).count == InpaintCondition.named.count)
    #expect(InpaintCondition.name(of: nil) == "mixture")
    let source = InpaintCondition(seed: 4, count: 3, height: 28, width: 28, kind: .quadrants(observed: 2))
    #expect(source.observedOffset == 784)
    for epoch in 0..<2 {
      let mask = condition(source, index: 1, epoch: epoch)[784...]
      #expect(mask.enumerated().allSatisfy { k, m in m == ((k % 28) < 14 ? 1 : 0) })
    }
  }

  /// The fill keeps every observed pixel and takes the model's value only in the hole.
  @Test func compositeKeepsObservedPixels() {
    let out = TrainedModel.composite([0.1, 0.2, 0.3], occluded: [255, 0, 51], masks: [1, 0, 1])
    // 51 / 255 computed as 51 * (1 / 255) in Float: tolerance 1e-6.
    let expected: [Float] = [1, 0.2, 0.2]
    #expect(zip(out, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "expected \(expected) seen \(out)")
    #expect(out[1] == 0.2, "the hidden pixel takes the model's value exactly")
  }
}
