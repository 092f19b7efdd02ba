import CKernels
import Compute

// Legend: C = channels, L = the length of one channel's row (B images times their pixels).
// A planar map is [C, L]: each channel's values for the whole batch in one row (ImageColumns.swift).

/// The element-wise passes and the layout changes of the convolutions' channel-major maps.
enum PlanarMaps {
  /// `values[c, i] = f(values[c, i] + bias[c])` over `channels` rows of `length` (no `f` without an activation).
  ///
  /// The same operations per element as ``Linear/addBias(_:to:rows:columns:activation:parallel:)``
  /// on the channels-last layout, so the same bits.
  static func addBias(
    _ bias: UnsafePointer<Float>, to values: UnsafeMutablePointer<Float>, channels: Int, length: Int,
    activation: Activation?, parallel: Parallel
  ) {
    activation.withKernel { f in
      parallel.forEachRange(count: channels, alignment: 1, work: channels * length) { range in
        for c in range {
          let row = values + c * length
          let b = Vector(repeating: bias[c])
          strideVectors(length) { i, width in store(f(load(row + i, width) + b), row + i, width) }
        }
      }
    }
  }

  /// `grad *= f'(output)` (skipped without an activation), then `sums[c]` = the sum of row c
  /// of `grad`, added in order from 0.
  ///
  /// Each channel's sum is one chain in the order of the pixels, as the channels-last
  /// column sums were (``Linear/activationBackwardAndColumnSums(grad:output:columnSums:rows:columns:activation:parallel:)``
  /// summed each column down the rows): the same bits (C kernel `dv_row_sums`).
  static func activationBackwardAndRowSums(
    grad: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, sums: UnsafeMutablePointer<Float>, channels: Int,
    length: Int, activation: Activation?, parallel: Parallel
  ) {
    if let activation {
      parallel.forEachRange(count: channels, alignment: 1, work: channels * length) { range in
        for c in range {
          activation.backward(grad: grad + c * length, output: output + c * length, count: length)
        }
      }
    }
    // Groups of 16 channels (the C kernel's block) split across threads.
    let groups = Parallel.chunks(count: channels, size: 16)
    let g = UnsafePointer(grad)
    parallel.forEachChunk(groups, work: channels * length) { group in
      let first = group * 16
      dv_row_sums(Int64(min(16, channels - first)), Int64(length), g + first * length, sums + first)
    }
  }

  /// `dst [columns, rows] = src [rows, columns]^T`, the rows of `src` split across threads.
  static func transpose(
    _ src: UnsafePointer<Float>, rows: Int, columns: Int, into dst: UnsafeMutablePointer<Float>, parallel: Parallel
  ) {
    parallel.forEachRange(count: rows, alignment: 16, work: rows * columns) { range in
      dv_transpose(
        Int64(range.count), Int64(columns), src + range.lowerBound * columns, Int64(columns), dst + range.lowerBound,
        Int64(rows))
    }
  }
}
