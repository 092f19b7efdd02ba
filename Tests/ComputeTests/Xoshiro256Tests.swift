import CKernels
import Foundation
import Testing
@testable import Compute

@Suite struct Xoshiro256Tests {
  /// Runs the reference algorithm, written independently in Python, from a known state.
  static func pythonReference(state: [UInt64], count: Int) throws -> [UInt64] {
    let script = """
      import sys
      M = (1 << 64) - 1
      s = [int(w) for w in sys.argv[1:5]]
      rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
      for _ in range(int(sys.argv[5])):
          print(rotl((s[1] * 5) & M, 7) * 9 & M)
          t = (s[1] << 17) & M
          s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + state.map(String.init) + [String(count)]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { UInt64($0) }
  }

  @Test func matchesTheReferenceAlgorithm() throws {
    let state: [UInt64] = [1, 2, 3, 4]
    var generator = try Xoshiro256(state: state)
    let seen = (0..<20).map { _ in generator.next() }
    let expected = try Self.pythonReference(state: state, count: 20)
    #expect(expected.count == 20)
    #expect(seen == expected, "expected \(expected.prefix(3)) seen \(seen.prefix(3))")
    // The first output for state (1, 2, 3, 4) is rotl(2 * 5, 7) * 9 = 11520 (by hand).
    #expect(seen.first == 11520)
  }

  @Test func splitmixSeedingMatchesTheReference() {
    // splitmix64 from 0: its well-known first outputs.
    var x: UInt64 = 0
    #expect(Xoshiro256.splitmix64(&x) == 0xE220_A839_7B1D_CDAF)
    #expect(Xoshiro256.splitmix64(&x) == 0x6E78_9E6A_A1B9_65F4)
    let generator = Xoshiro256(seed: 0)
    #expect(generator.state[0] == 0xE220_A839_7B1D_CDAF)
  }

  @Test func savedStateResumesExactly() throws {
    var a = Xoshiro256(seed: 42)
    for _ in 0..<7 { _ = a.next() }
    var b = try Xoshiro256(state: a.state)
    let fromA = (0..<10).map { _ in a.nextNormalPair().0 }
    let fromB = (0..<10).map { _ in b.nextNormalPair().0 }
    #expect(fromA == fromB)
  }

  @Test func badStatesAreRejected() {
    #expect(throws: ComputeError.invalidGeneratorState(words: [0, 0, 0, 0])) { try Xoshiro256(state: [0, 0, 0, 0]) }
    #expect(throws: ComputeError.invalidGeneratorState(words: [1, 2, 3])) { try Xoshiro256(state: [1, 2, 3]) }
    #expect(ComputeError.invalidGeneratorState(words: [1]).description.contains("4 words"))
  }

  @Test func streamsDiffer() {
    var a = Xoshiro256(seed: 5, stream: 0)
    var b = Xoshiro256(seed: 5, stream: 1)
    #expect(a.next() != b.next())
  }

  @Test func normalMomentsAreStandard() {
    var generator = Xoshiro256(seed: 1)
    let count = 200_000
    var values = [Float](repeating: 0, count: count)
    values.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
    let mean = values.reduce(0.0) { $0 + Double($1) } / Double(count)
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(count)
    let fourth = values.reduce(0.0) { $0 + pow(Double($1) - mean, 4) } / Double(count)
    // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032; allow ~4.5 sigma.
    #expect(abs(mean) < 0.01, "mean expected 0 seen \(mean)")
    #expect(abs(variance - 1) < 0.015, "variance expected 1 seen \(variance)")
    #expect(abs(fourth - 3) < 0.1, "fourth moment expected 3 seen \(fourth)")
  }

  /// The parallel fill gives the same deviates and leaves the generator where the serial
  /// one does, whatever the count (odd, below and above the threshold) and thread count.
  @Test(arguments: [1, 2, 3])
  func parallelNormalFillMatchesTheSerialOne(threads: Int) {
    for count in [0, 1, 7, 511, 512, 513, 2560, 80_001] {
      var serial = Xoshiro256(seed: 9, stream: 3)
      var parallel = serial
      var expected = [Float](repeating: .nan, count: count)
      var seen = [Float](repeating: .nan, count: count)
      expected.withUnsafeMutableBufferPointer { serial.fillNormal($0) }
      seen.withUnsafeMutableBufferPointer { parallel.fillNormal($0, parallel: Parallel(threads: threads)) }
      #expect(seen.map(\.bitPattern) == expected.map(\.bitPattern), "count \(count), \(threads) threads")
      #expect(parallel.next() == serial.next(), "generator state after count \(count), \(threads) threads")
    }
  }

  /// The vector fill (dv_fill_normal: fdlibm's log, sin and cos in Doubles) against the
  /// definition, libm's Box-Muller pair by pair: the same Floats and the same final state,
  /// over 3 million deviates, and for short counts around its 8-pair blocks.
  @Test func vectorFillMatchesLibmPairByPair() {
    for (seed, count) in [(1, 1_000_001), (2, 1_000_000), (3, 999_999)] + (0...35).map({ (100 + $0, $0) }) {
      var vector = Xoshiro256(seed: UInt64(seed), stream: 7)
      var definition = vector
      var seen = [Float](repeating: .nan, count: count)
      var expected = [Float](repeating: .nan, count: count)
      seen.withUnsafeMutableBufferPointer { vector.fillNormal($0) }
      expected.withUnsafeMutableBufferPointer { definition.fillNormalOneByOne($0) }
      let differing = zip(seen, expected).filter { $0.bitPattern != $1.bitPattern }
      #expect(differing.isEmpty, "seed \(seed), \(count) deviates: \(differing.count) differ, e.g. \(differing.prefix(3))")
      #expect(vector == definition, "generator state after \(count) deviates")
    }
  }

  /// The AVX-512, AVX2 and portable bodies give the same deviates (those this CPU has).
  @Test func everyInstructionSetFillsTheSameDeviates() {
    let count = 100_003
    var results: [[UInt32]] = []
    for isa: Int32 in [0, 1, 2] {
      var state: [UInt64] = Xoshiro256(seed: 4).state
      var out = [Float](repeating: .nan, count: count)
      let ran = dv_fill_normal_isa(isa, &state, Int64(count), &out)
      guard ran == 1 else { continue }
      results.append(out.map(\.bitPattern))
      var generator = Xoshiro256(seed: 4)
      for _ in 0..<(2 * ((count + 1) / 2)) { _ = generator.next() }
      #expect(state == generator.state, "isa \(isa): state after the fill")
    }
    #expect(results.count == 1 + Int(dv_isa()))
    #expect(results.allSatisfy { $0 == results[0] })
  }

  @Test func uniformsAreInRangeAndCentred() {
    var generator = Xoshiro256(seed: 9)
    var sum = 0.0
    for _ in 0..<100_000 {
      let f = generator.nextFloat()
      let d = generator.nextDouble()
      #expect(f >= 0 && f < 1 && d >= 0 && d < 1)
      sum += Double(f)
    }
    #expect(abs(sum / 100_000 - 0.5) < 0.005, "mean expected 0.5 seen \(sum / 100_000)")
  }

  @Test func shuffleIsAPermutationAndUnbiased() {
    var generator = Xoshiro256(seed: 3)
    var counts = [[Int]](repeating: [Int](repeating: 0, count: 4), count: 4)
    for _ in 0..<40_000 {
      var items = [0, 1, 2, 3]
      generator.shuffle(&items)
      #expect(items.sorted() == [0, 1, 2, 3])
      for (position, item) in items.enumerated() { counts[position][item] += 1 }
    }
    // Each item lands in each position 10000 times on average (sd ~87).
    for row in counts { for c in row { #expect(abs(c - 10_000) < 450, "count \(c)") } }
  }
}
