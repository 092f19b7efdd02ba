import Compute

// Legend (arch conv), on top of VAE.swift's:
//   S  = image side (28), n = convolutions (config.channels.count), Ci = config.channels[i]
//   Si = S / 2^(i+1), the side after convolution i; Sf = S(n-1) the feature map's side
//   F  = Sf^2 * C(n-1), the flattened feature map (config.features)
// Maps between the convolutions are channel-major (planar, ImageColumns.swift): [Ci, B Si^2].
// The dense part reads and writes [B, F] with F in (y, x, channel) order, the flattened
// channels-last map: one transpose at each crossing. An image [B, S, S, 1] is both.

extension VAE {
  /// The convolutional front of the encoder and back of the decoder, with their buffers.
  ///
  /// Encoder: x [B, S, S, 1] -> conv 0 -> ... -> conv n-1 -> [B, F]. Decoder: the dense
  /// stack's last layer (`decoder.project`, [B, F]) -> deconv 0 ... deconv n-2 -> `decoder.out`
  /// -> logits [B, S, S, 1] without the (untied, per-pixel) bias.
  final class ConvolutionalLayers {
    /// One convolution with its buffers.
    struct Stage {
      let layer: Convolution
      let cols: FloatBuffer  // [16 C(i-1), Bm Si^2], rows padded (ImageColumns.rowLength): im2col of the input, kept for backward
      let output: FloatBuffer  // [Ci, Bm Si^2]
      let grad: FloatBuffer  // [Ci, Bm Si^2] dL/d(output)
    }

    /// One transposed convolution with its buffers (the output layer has none: logits).
    struct TransposedStage {
      let layer: TransposedConvolution
      let output: FloatBuffer  // [Co, Bm side^2]
      let grad: FloatBuffer  // [Co, Bm side^2]
    }

    let encoder: [Stage]
    let decoder: [TransposedStage]  // deconv 0 ... n-2
    let output: TransposedConvolution  // decoder.out
    let scratch: FloatBuffer  // [Bm * largest column matrix] dcols and the decoder's cols
    let features: FloatBuffer  // [Bm, F] the encoder's last map as the dense part reads it
    let featuresGrad: FloatBuffer  // [Bm, F] dL/d(features), written by the dense part
    let projectMap: FloatBuffer  // [C(n-1), Bm Sf^2] decoder.project's output, planar
    let projectMapGrad: FloatBuffer  // [C(n-1), Bm Sf^2] its gradient

    init(config: VAEConfig, maxBatch: Int, parameters: ParameterSet) {
      let side = config.imageSide ?? 0
      var stages: [Stage] = []
      var largest = 0
      for i in config.channels.indices {
        let layer = Convolution("encoder.conv.\(i)", side: side >> i, in: parameters)
        let cols = layer.geometry.columnMatrixCount(count: maxBatch)
        largest = max(largest, cols)
        let size = maxBatch * layer.outputSize
        stages.append(
          Stage(layer: layer, cols: FloatBuffer(count: cols), output: FloatBuffer(count: size), grad: FloatBuffer(count: size)))
      }
      encoder = stages
      var transposed: [TransposedStage] = []
      let n = config.channels.count
      for j in 0..<(n - 1) {
        let layer = TransposedConvolution("decoder.deconv.\(j)", outputSide: side >> (n - 1 - j), in: parameters)
        largest = max(largest, layer.geometry.columnMatrixCount(count: maxBatch))
        let size = maxBatch * layer.geometry.imageSize
        transposed.append(TransposedStage(layer: layer, output: FloatBuffer(count: size), grad: FloatBuffer(count: size)))
      }
      decoder = transposed
      output = TransposedConvolution("decoder.out", outputSide: side, untiedBias: true, in: parameters)
      largest = max(largest, output.geometry.columnMatrixCount(count: maxBatch))
      scratch = FloatBuffer(count: largest)
      let f = maxBatch * config.features
      features = FloatBuffer(count: f)
      featuresGrad = FloatBuffer(count: f)
      projectMap = FloatBuffer(count: f)
      projectMapGrad = FloatBuffer(count: f)
    }

    /// The convolutions' tensors of `config`, in layout order, before (`encoder`) and after
    /// (`decoder`) the dense part.
    static func tensorLayout(_ config: VAEConfig) -> (encoder: [(name: String, shape: [Int])], decoder: [(name: String, shape: [Int])]) {
      let (k, c, side) = (4, config.channels, config.imageSide ?? 0)
      guard !c.isEmpty else { return ([], []) }  // an invalid config (validate() rejects it)
      var encoder: [(name: String, shape: [Int])] = []
      var inputChannels = 1
      for (i, channels) in c.enumerated() {
        encoder += [("encoder.conv.\(i).weight", [k, k, inputChannels, channels]), ("encoder.conv.\(i).bias", [channels])]
        inputChannels = channels
      }
      var decoder: [(name: String, shape: [Int])] = []
      for j in 0..<(c.count - 1) {
        let (ci, co) = (c[c.count - 1 - j], c[c.count - 2 - j])
        decoder += [("decoder.deconv.\(j).weight", [ci, k, k, co]), ("decoder.deconv.\(j).bias", [co])]
      }
      decoder += [("decoder.out.weight", [c[0], k, k, 1]), ("decoder.out.bias", [side * side])]
      return (encoder, decoder)
    }

    /// Draws the encoder's convolutions (`hidden` initialisation).
    func initializeEncoder(_ parameters: ParameterSet, _ hidden: Linear.Initialization, generator: inout Xoshiro256) {
      for stage in encoder { stage.layer.initialize(parameters, hidden, generator: &generator) }
    }

    /// Draws the decoder's transposed convolutions (`hidden` initialisation) and the output layer (`head`).
    func initializeDecoder(
      _ parameters: ParameterSet, _ hidden: Linear.Initialization, _ head: Linear.Initialization, generator: inout Xoshiro256
    ) {
      for stage in decoder { stage.layer.initialize(parameters, hidden, generator: &generator) }
      output.initialize(parameters, head, generator: &generator)
    }

    /// The encoder's convolutions on `input` [B, S, S, 1]; returns the features [B, F].
    func encode(_ input: UnsafePointer<Float>, count: Int, parameters: ParameterSet, activation: Activation, parallel: Parallel)
      -> UnsafeMutablePointer<Float>
    {
      var x = input
      for stage in encoder {
        stage.layer.forward(
          input: x, cols: stage.cols.pointer, output: stage.output.pointer, batch: count, parameters: parameters,
          activation: activation, parallel: parallel)
        x = UnsafePointer(stage.output.pointer)
      }
      let last = encoder[encoder.count - 1].layer
      PlanarMaps.transpose(
        x, rows: last.outputChannels, columns: count * last.geometry.outputPixels, into: features.pointer, parallel: parallel)
      return features.pointer
    }

    /// The decoder's transposed convolutions from `features` [B, F] to `logits` [B, D] (bias not added).
    func decode(
      _ features: UnsafePointer<Float>, into logits: UnsafeMutablePointer<Float>, count: Int, parameters: ParameterSet,
      activation: Activation, parallel: Parallel
    ) {
      let first = decoder.first?.layer ?? output
      PlanarMaps.transpose(
        features, rows: count * first.geometry.outputPixels, columns: first.inputChannels, into: projectMap.pointer,
        parallel: parallel)
      var x = UnsafePointer(projectMap.pointer)
      for stage in decoder {
        stage.layer.forward(
          input: x, scratch: scratch.pointer, output: stage.output.pointer, batch: count, parameters: parameters,
          activation: activation, parallel: parallel)
        x = UnsafePointer(stage.output.pointer)
      }
      output.forward(
        input: x, scratch: scratch.pointer, output: logits, batch: count, parameters: parameters, activation: nil,
        addBias: false, parallel: parallel)
    }

    /// Back-propagates from `dlogits` [B, D] (already holding dL/dlogits, the output bias
    /// gradient written) through the transposed convolutions of the last ``decode``; the
    /// gradient with respect to the features they read ([B, F], what the dense stack
    /// produced) goes to `featuresGrad`.
    func backwardDecoder(
      dlogits: UnsafeMutablePointer<Float>, featuresGrad: UnsafeMutablePointer<Float>, count: Int,
      parameters: ParameterSet, activation: Activation, parallel: Parallel
    ) {
      func input(_ j: Int) -> UnsafePointer<Float> {
        UnsafePointer(j == 0 ? projectMap.pointer : decoder[j - 1].output.pointer)
      }
      func inputGrad(_ j: Int) -> UnsafeMutablePointer<Float> { j == 0 ? projectMapGrad.pointer : decoder[j - 1].grad.pointer }
      let last = decoder.count
      output.backward(
        input: input(last), output: dlogits, outputGrad: dlogits, inputGrad: inputGrad(last), scratch: scratch.pointer,
        batch: count, parameters: parameters, activation: nil, biasDone: true, parallel: parallel)
      for j in decoder.indices.reversed() {
        let stage = decoder[j]
        stage.layer.backward(
          input: input(j), output: stage.output.pointer, outputGrad: stage.grad.pointer, inputGrad: inputGrad(j),
          scratch: scratch.pointer, batch: count, parameters: parameters, activation: activation, parallel: parallel)
      }
      let first = decoder.first?.layer ?? output
      PlanarMaps.transpose(
        projectMapGrad.pointer, rows: first.inputChannels, columns: count * first.geometry.outputPixels,
        into: featuresGrad, parallel: parallel)
    }

    /// Back-propagates through the convolutions, from ``featuresGrad`` (filled by the
    /// caller with dL/dfeatures) to every convolution's weight and bias gradients.
    func backwardEncoder(count: Int, parameters: ParameterSet, activation: Activation, parallel: Parallel) {
      let last = encoder[encoder.count - 1]
      PlanarMaps.transpose(
        featuresGrad.pointer, rows: count * last.layer.geometry.outputPixels, columns: last.layer.outputChannels,
        into: last.grad.pointer, parallel: parallel)
      for i in encoder.indices.reversed() {
        let stage = encoder[i]
        stage.layer.backward(
          cols: stage.cols.pointer, output: stage.output.pointer, outputGrad: stage.grad.pointer,
          inputGrad: i == 0 ? nil : encoder[i - 1].grad.pointer, scratch: i == 0 ? nil : scratch.pointer, batch: count,
          parameters: parameters, activation: activation, parallel: parallel)
      }
    }
  }
}
