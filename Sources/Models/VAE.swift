import CKernels
import Compute

// Legend:
//   B  = images in the batch (at most Bm, the maximum batch the buffers are sized for)
//   D  = pixels per image (config.inputSize, 784 for MNIST)
//   Hi = width of hidden layer i (config.hidden[i]); H = the last (next to the latent)
//   Z  = latent units (config.latent)
//   C  = condition width (config.condition; 0 for a plain VAE)
//   F  = the flattened feature map of a conv model (config.features; VAE+Convolutional.swift)
// Every buffer is flat, row-major, one image per row: [B, D] is B rows of D Floats.

/// A variational autoencoder (Kingma & Welling, 2014) with MLP or convolutional encoder and decoder.
///
/// Encoder: x [B, D] -> hidden layers -> mu [B, Z] and logVar [B, Z] (two linear
/// heads). Sampling: z = mu + exp(logVar / 2) * eps with eps ~ N(0, I). Decoder:
/// z -> hidden layers (mirrored) -> Bernoulli logits [B, D]. Loss per image:
/// BCE with logits summed over pixels + beta * KL(N(mu, sigma^2) || N(0, I)).
///
/// Convolutional (``Architecture/conv``): x is read as a channels-last image [B, S, S, 1]
/// and goes through stride-2 convolutions (kernel 4, padding 1, each followed by the
/// activation) to a feature map [B, Sf, Sf, C(n-1)] = [B, F] before the hidden layers
/// (`config.hidden`, possibly none) and the heads. The decoder's hidden layers end in a
/// dense layer to [B, F] (`decoder.project`, with the activation and dropout like any hidden
/// layer), then transposed convolutions (kernel 4, stride 2, padding 1) double the side back
/// to S, the last (`decoder.out`) to 1 channel of logits whose bias is untied: one per pixel,
/// added by the loss as for the MLP.
///
/// Conditional VAE (Sohn et al., 2015), when `config.condition` C > 0: every image comes
/// with a condition c [C] (a one-hot label, an occluded image and its mask, ...). The
/// encoder reads [x, c] (D + C columns) and the decoder [z, c] (Z + C columns); only the
/// first layers' weight shapes change. Every method then takes the conditions [B, C].
/// A conv model concatenates c to the flattened features instead ([F, c], F + C columns)
/// and to z at the decoder as the MLP does.
///
/// Targets are pixel intensities in [0, 1] (uint8 / 255), continuous and NOT
/// binarised. The input may differ from the target (denoising: corrupted
/// input, clean target).
///
/// Tensors in ``parameters`` (weights [in, out], y = x @ W + b), with n hidden
/// layers H0 ... H(n-1):
///
///     encoder.<i>.weight     [D + C (i = 0) or H(i-1), Hi]    encoder.<i>.bias  [Hi]
///     encoder.mu.weight      [H(n-1), Z]                      encoder.mu.bias     [Z]
///     encoder.logvar.weight  [H(n-1), Z]                      encoder.logvar.bias [Z]
///     decoder.<j>.weight     [Z + C (j = 0) or H(n-j), H(n-1-j)]  decoder.<j>.bias  [H(n-1-j)]
///     decoder.out.weight     [H0, D]                          decoder.out.bias  [D]
///
/// A learned prior (``Prior/learned``, Sohn et al. 2015) adds, after every other tensor, a
/// prior network p(z | c) from the condition alone, with hidden widths P0 ... P(m-1)
/// (``VAEConfig/priorHidden``):
///
///     prior.<i>.weight       [C (i = 0) or P(i-1), Pi]        prior.<i>.bias    [Pi]
///     prior.mu.weight        [P(m-1), Z]                      prior.mu.bias     [Z]
///     prior.logvar.weight    [P(m-1), Z]                      prior.logvar.bias [Z]
///
/// Its loss is BCE + beta * KL(N(mu, sigma^2) || N(muP, sigmaP^2)) (``GaussianKL``), with an
/// optional GSNN term (see ``computeGradients(input:target:condition:observed:count:beta:gsnn:generator:)``).
/// ``Prior/none`` runs no encoder: z = 0 and the KL is 0.
///
/// A conv model with n convolutions of C0 ... C(n-1) channels (k = 4) has, in this order:
///
///     encoder.conv.<i>.weight    [k, k, C(i-1) (1 for i = 0), Ci]     encoder.conv.<i>.bias  [Ci]
///     encoder.<i>, encoder.mu, encoder.logvar, decoder.<j> as above, with F + C in place of D + C
///     decoder.project.weight     [Z + C or H0, F]                     decoder.project.bias   [F]
///     decoder.deconv.<j>.weight  [C(n-1-j), k, k, C(n-2-j)]           decoder.deconv.<j>.bias [C(n-2-j)]
///     decoder.out.weight         [C0, k, k, 1]                        decoder.out.bias       [D]
///
/// A convolution's weight [k, k, Cin, Cout] is the GEMM operand [k k Cin, Cout], read
/// transposed against its im2col matrix (``Convolution``); a transposed one's
/// [Cin, k, k, Cout] is [Cin, k k Cout] (``TransposedConvolution``). `decoder.project`'s output is the feature map [Sf, Sf, C(n-1)].
///
/// All activations and gradients live in buffers allocated once by `init` for
/// up to ``maxBatch`` images and reused: a training step allocates no memory.
/// An instance is not thread-safe (its methods share those buffers); it uses
/// ``parallel``'s threads inside each call.
///
/// Gradients are those of the batch MEAN of the loss (what ``LossReport`` reports).
public final class VAE {
  public let config: VAEConfig
  /// Bm: the largest batch any method accepts at once (encode/decode/reconstruct loop over larger inputs).
  public let maxBatch: Int
  /// Threads used inside each call.
  public let parallel: Parallel
  /// Values and gradients of every tensor (see the type's documentation for names).
  public let parameters: ParameterSet

  /// One hidden layer with its buffers.
  struct Hidden {
    let linear: Linear
    let output: FloatBuffer  // [Bm, Hi] f(x W + b)
    let mask: FloatBuffer?  // [Bm, Hi] dropout multipliers (nil without dropout)
    let dropped: FloatBuffer?  // [Bm, Hi] output * mask
    let grad: FloatBuffer  // [Bm, Hi] dL/d(this layer's result)

    /// What the next layer reads.
    func result(training: Bool) -> UnsafeMutablePointer<Float> {
      training ? (dropped ?? output).pointer : output.pointer
    }
  }

  let encoder: [Hidden]
  let muHead: Linear
  let logVarHead: Linear
  let decoder: [Hidden]  // with conv, the last is decoder.project
  let outputLayer: Linear?  // decoder.out of an MLP (nil for conv)
  let outputBias: Int  // offset of decoder.out.bias [D], which the loss adds
  let convolutional: ConvolutionalLayers?  // nil for an MLP
  let mu: FloatBuffer  // [Bm, Z]
  let logVar: FloatBuffer  // [Bm, Z]
  let sigma: FloatBuffer  // [Bm, Z] exp(logVar / 2)
  let eps: FloatBuffer  // [Bm, Z]
  let z: FloatBuffer  // [Bm, Z]
  let dz: FloatBuffer  // [Bm, Z]
  let dmu: FloatBuffer  // [Bm, Z]
  let dlogVar: FloatBuffer  // [Bm, Z]
  let logits: FloatBuffer  // [Bm, D] h @ W_out, bias not added
  let dlogits: FloatBuffer  // [Bm, D]
  let encoderInput: FloatBuffer  // [Bm, D + C] x and c side by side ([Bm, F + C] for conv; empty when C = 0)
  let encoderInputGrad: FloatBuffer  // [Bm, F + C] dL/d[features, c] (conv with C > 0 only, else empty)
  let decoderInput: FloatBuffer  // [Bm, Z + C] z and c side by side (empty when C = 0)
  let decoderInputGrad: FloatBuffer  // [Bm, Z + C] dL/d[z, c] (empty when C = 0)
  let partials: UnsafeMutablePointer<Double>  // [ceil(D / 8)] loss per column chunk
  /// The first encoder layer's input [B, D + C] in compressed form, for an MLP (nil for conv).
  let sparseInput: CompressedRows?
  /// True when the last forward pass ran the first encoder layer on ``sparseInput``.
  var firstLayerWasSparse = false
  let flags: FloatBuffer  // [threads * 16] per-thread results of the finiteness check
  // The prior network of a learned prior (empty and nil otherwise; VAE+Prior.swift).
  let priorLayers: [Hidden]
  let priorMuHead: Linear?
  let priorLogVarHead: Linear?
  let muP: FloatBuffer  // [Bm, Z] the prior network's mean
  let logVarP: FloatBuffer  // [Bm, Z] its log variance
  let sigmaP: FloatBuffer  // [Bm, Z] exp(logVarP / 2) (GSNN pass)
  let epsP: FloatBuffer  // [Bm, Z] the GSNN pass's eps
  let dmuP: FloatBuffer  // [Bm, Z]
  let dlogVarP: FloatBuffer  // [Bm, Z]
  let savedGrads: FloatBuffer  // [parameters] the GSNN pass's gradients while the ELBO's are taken

  /// The names and shapes of the tensors of `config`, in layout order.
  public static func tensorLayout(_ config: VAEConfig) -> [(name: String, shape: [Int])] {
    let conv = config.arch == .conv ? ConvolutionalLayers.tensorLayout(config) : nil
    var tensors: [(name: String, shape: [Int])] = conv?.encoder ?? []
    var width = (conv == nil ? config.inputSize : config.features) + config.condition
    for (i, h) in config.hidden.enumerated() {
      tensors += [("encoder.\(i).weight", [width, h]), ("encoder.\(i).bias", [h])]
      width = h
    }
    tensors += [("encoder.mu.weight", [width, config.latent]), ("encoder.mu.bias", [config.latent])]
    tensors += [("encoder.logvar.weight", [width, config.latent]), ("encoder.logvar.bias", [config.latent])]
    width = config.latent + config.decoderCondition
    for (j, h) in config.hidden.reversed().enumerated() {
      tensors += [("decoder.\(j).weight", [width, h]), ("decoder.\(j).bias", [h])]
      width = h
    }
    if let conv {
      tensors += [("decoder.project.weight", [width, config.features]), ("decoder.project.bias", [config.features])]
      tensors += conv.decoder
    } else {
      tensors += [("decoder.out.weight", [width, config.inputSize]), ("decoder.out.bias", [config.inputSize])]
    }
    guard config.prior == .learned else { return tensors }
    width = config.condition
    for (i, h) in config.priorHidden.enumerated() {
      tensors += [("prior.\(i).weight", [width, h]), ("prior.\(i).bias", [h])]
      width = h
    }
    tensors += [("prior.mu.weight", [width, config.latent]), ("prior.mu.bias", [config.latent])]
    tensors += [("prior.logvar.weight", [width, config.latent]), ("prior.logvar.bias", [config.latent])]
    return tensors
  }

  /// A model with freshly initialised weights.
  ///
  /// Parameters follow `config.initialization` (``WeightInitialization``), drawn
  /// layer by layer in layout order from `Xoshiro256(seed: seed, stream: Streams.initialWeights)`.
  ///
  /// Throws ``ModelError/invalidConfiguration(field:value:expected:)`` for a bad
  /// config and ``ModelError/blasUnavailable(_:)`` when OpenBLAS cannot be loaded.
  public init(config: VAEConfig, maxBatch: Int, seed: UInt64, parallel: Parallel = Parallel(threads: 1)) throws(ModelError) {
    try config.validate()
    guard maxBatch >= 1 else {
      throw .invalidConfiguration(field: "maxBatch", value: "\(maxBatch)", expected: "at least 1")
    }
    do { try BLAS.load() } catch { throw .blasUnavailable(error.description) }
    self.config = config
    self.maxBatch = maxBatch
    self.parallel = parallel
    let parameters = ParameterSet(Self.tensorLayout(config))
    self.parameters = parameters
    let withDropout = config.dropout > 0
    func hidden(_ name: String) -> Hidden {
      let linear = Linear(name, in: parameters)
      let size = maxBatch * linear.outputs
      return Hidden(
        linear: linear, output: FloatBuffer(count: size), mask: withDropout ? FloatBuffer(count: size) : nil,
        dropped: withDropout ? FloatBuffer(count: size) : nil, grad: FloatBuffer(count: size))
    }
    encoder = config.hidden.indices.map { hidden("encoder.\($0)") }
    muHead = Linear("encoder.mu", in: parameters)
    logVarHead = Linear("encoder.logvar", in: parameters)
    let conv = config.arch == .conv
    decoder = config.hidden.indices.map { hidden("decoder.\($0)") } + (conv ? [hidden("decoder.project")] : [])
    outputLayer = conv ? nil : Linear("decoder.out", in: parameters)
    outputBias = parameters.entry("decoder.out.bias")?.offset ?? 0
    convolutional = conv ? ConvolutionalLayers(config: config, maxBatch: maxBatch, parameters: parameters) : nil
    let latentSize = maxBatch * config.latent
    (mu, logVar, sigma, eps) = (
      FloatBuffer(count: latentSize), FloatBuffer(count: latentSize), FloatBuffer(count: latentSize),
      FloatBuffer(count: latentSize)
    )
    (z, dz, dmu, dlogVar) = (
      FloatBuffer(count: latentSize), FloatBuffer(count: latentSize), FloatBuffer(count: latentSize),
      FloatBuffer(count: latentSize)
    )
    logits = FloatBuffer(count: maxBatch * config.inputSize)
    let c = config.condition
    let encoderWidth = (conv ? config.features : config.inputSize) + c
    encoderInput = FloatBuffer(count: c == 0 ? 0 : maxBatch * encoderWidth)
    encoderInputGrad = FloatBuffer(count: c == 0 || !conv ? 0 : maxBatch * encoderWidth)
    let dc = config.decoderCondition
    decoderInput = FloatBuffer(count: dc == 0 ? 0 : maxBatch * (config.latent + dc))
    decoderInputGrad = FloatBuffer(count: dc == 0 ? 0 : maxBatch * (config.latent + dc))
    dlogits = FloatBuffer(count: maxBatch * config.inputSize)
    let chunks = Parallel.chunks(count: config.inputSize, size: 8)
    partials = .allocate(capacity: chunks)
    partials.initialize(repeating: 0, count: chunks)
    flags = FloatBuffer(count: parallel.threads * 16)
    sparseInput = conv || config.hidden.isEmpty ? nil : CompressedRows(maxRows: maxBatch, maxColumns: encoderWidth)
    let learned = config.prior == .learned
    priorLayers = learned ? config.priorHidden.indices.map { hidden("prior.\($0)") } : []
    priorMuHead = learned ? Linear("prior.mu", in: parameters) : nil
    priorLogVarHead = learned ? Linear("prior.logvar", in: parameters) : nil
    let priorSize = learned ? latentSize : 0
    (muP, logVarP, sigmaP) = (FloatBuffer(count: priorSize), FloatBuffer(count: priorSize), FloatBuffer(count: priorSize))
    (epsP, dmuP, dlogVarP) = (FloatBuffer(count: priorSize), FloatBuffer(count: priorSize), FloatBuffer(count: priorSize))
    savedGrads = FloatBuffer(count: learned ? parameters.count : 0)
    initializeParameters(seed: seed)
  }

  deinit { partials.deallocate() }

  /// The largest fraction of non-zero inputs for which the first layer runs sparse
  /// (MNIST batches: about 0.19); denser inputs, such as noisy images, take the dense GEMM.
  public static let sparseDensityLimit = 0.4

  /// Named generator streams derived from one seed.
  public enum Streams {
    /// Initial weights.
    public static let initialWeights: UInt64 = 1 << 40
    /// The trainer's generator (dropout masks, eps).
    public static let training: UInt64 = 1 << 41
    /// Evaluation (eps of evaluate).
    public static let evaluation: UInt64 = 1 << 42
  }

  /// Re-draws every weight (see ``init(config:maxBatch:seed:parallel:)``) and zeroes the gradients.
  public func initializeParameters(seed: UInt64) {
    var generator = Xoshiro256(seed: seed, stream: Streams.initialWeights)
    parameters.values.fill(0)
    parameters.grads.fill(0)
    let (hiddenInit, headInit): (Linear.Initialization, Linear.Initialization) =
      switch config.initialization {
      case .fanInUniform: (.fanInUniform, .fanInUniform)
      case .heXavier: (config.activation == .tanh ? .xavier : .he, .xavier)
      }
    // Layout order: convolutions, encoder layers, heads, decoder layers (and decoder.project),
    // transposed convolutions, output layer.
    convolutional?.initializeEncoder(parameters, hiddenInit, generator: &generator)
    for layer in encoder { layer.linear.initialize(parameters, hiddenInit, generator: &generator) }
    muHead.initialize(parameters, headInit, generator: &generator)
    logVarHead.initialize(parameters, headInit, generator: &generator)
    for layer in decoder { layer.linear.initialize(parameters, hiddenInit, generator: &generator) }
    outputLayer?.initialize(parameters, headInit, generator: &generator)
    convolutional?.initializeDecoder(parameters, hiddenInit, headInit, generator: &generator)
    // The prior network comes last, so the other tensors draw what they drew before it existed.
    for layer in priorLayers { layer.linear.initialize(parameters, hiddenInit, generator: &generator) }
    priorMuHead?.initialize(parameters, headInit, generator: &generator)
    priorLogVarHead?.initialize(parameters, headInit, generator: &generator)
  }

  // MARK: - Training

  /// Forward and backward on one batch: fills `parameters.grads` with the gradient of
  /// the batch-mean loss and returns the loss. Does not change the parameters.
  ///
  /// Draws, in this order, from `generator`: the dropout mask of each encoder layer,
  /// eps [B, Z], the dropout mask of each decoder layer (for conv, `decoder.project` last;
  /// the convolutions have no dropout).
  ///
  /// - Parameters:
  ///   - input: x [B, D], what the encoder sees (e.g. a corrupted image)
  ///   - target: t [B, D], what the decoder should produce, intensities in [0, 1]
  ///   - condition: c [B, C] when C > 0, nil for a plain VAE
  ///   - observed: with ``LossScope/hole``, the mask (1 observed, 0 hidden) [B, D] inside the
  ///     condition rows (row stride C): only hidden pixels enter the loss; nil for all pixels
  ///   - count: B, 1...maxBatch
  ///   - beta: the KL weight
  ///   - gsnn: alpha, the GSNN weight of a learned prior (0 for none): the loss becomes
  ///     (1 - alpha) * (BCE(z_q) + beta KL) + alpha * BCE(z_p), z_p = muP + sigmaP epsP. Its
  ///     pass draws epsP [B, Z] after eps, then its decoder's dropout masks, before the ELBO
  ///     pass's.
  public func computeGradients(
    input: UnsafePointer<Float>, target: UnsafePointer<Float>, condition: UnsafePointer<Float>? = nil,
    observed: UnsafePointer<Float>? = nil, count: Int, beta: Float, gsnn: Float = 0, generator: inout Xoshiro256
  ) -> LossReport {
    precondition(count >= 1 && count <= maxBatch, "batch of \(count) outside 1...\(maxBatch)")
    precondition(gsnn == 0 || config.prior == .learned, "the GSNN term needs a learned prior")
    checkCondition(condition)
    let invB = 1 / Float(count)
    if gsnn > 0, let condition {
      let klSum = encodeBatch(input: input, condition: condition, count: count, generator: &generator, sample: true, training: true)
      let gsnnSum = gsnnGradients(
        target: target, condition: condition, observed: observed, count: count, scale: gsnn * invB, generator: &generator)
      restoreSample(count: count)
      decodeLogits(condition: condition, count: count, training: true, generator: &generator)
      let reconSum = reconstructionLoss(target: target, observed: observed, count: count, scale: (1 - gsnn) * invB)
      backward(input: input, condition: condition, count: count, klWeight: (1 - gsnn) * beta * invB)
      addSavedGrads()
      var report = report(reconSum: reconSum, klSum: klSum, count: count, beta: beta)
      report.total = Double(1 - gsnn) * report.total + Double(gsnn) * gsnnSum / Double(count)
      return report
    }
    let klSum = forward(input: input, condition: condition, count: count, training: true, sample: true, generator: &generator)
    let reconSum = reconstructionLoss(target: target, observed: observed, count: count, scale: invB)
    backward(input: input, condition: condition, count: count, klWeight: beta * invB)
    return report(reconSum: reconSum, klSum: klSum, count: count, beta: beta)
  }

  /// The Bernoulli loss of the logits against `target` (over the hidden pixels when `observed`
  /// is given), with dlogits and the output bias's gradient scaled by `scale` (none when nil).
  func reconstructionLoss(target: UnsafePointer<Float>, observed: UnsafePointer<Float>?, count: Int, scale: Float?) -> Double {
    let bias = parameters.values.pointer + outputBias
    let gradient = scale == nil ? nil : dlogits.pointer
    let biasGradient = scale == nil ? nil : parameters.grads.pointer + outputBias
    if let observed {
      return BernoulliLoss.holeLossAndGradient(
        logits: logits.pointer, bias: bias, targets: target, observed: observed, observedStride: config.condition,
        gradient: gradient, biasGradient: biasGradient, scale: scale ?? 1, rows: count, columns: config.inputSize,
        partials: partials, parallel: parallel)
    }
    return BernoulliLoss.lossAndGradient(
      logits: logits.pointer, bias: bias, targets: target, gradient: gradient, biasGradient: biasGradient,
      scale: scale ?? 1, rows: count, columns: config.inputSize, partials: partials, parallel: parallel)
  }

  /// One training step: ``computeGradients(input:target:condition:count:beta:generator:)``, then
  /// `optimizer.update` unless the loss or any gradient is NaN or infinite.
  ///
  /// When the returned report is not finite (``LossReport/isFinite``), the parameters
  /// and the optimizer are unchanged (the generator has still advanced).
  public func trainStep(
    input: UnsafePointer<Float>, target: UnsafePointer<Float>, condition: UnsafePointer<Float>? = nil,
    observed: UnsafePointer<Float>? = nil, count: Int, beta: Float, gsnn: Float = 0, generator: inout Xoshiro256,
    optimizer: Adam
  ) -> LossReport {
    var report = computeGradients(
      input: input, target: target, condition: condition, observed: observed, count: count, beta: beta, gsnn: gsnn,
      generator: &generator)
    guard report.isFinite else { return report }
    guard gradientsAreFinite() else {
      // The loss was finite but a gradient overflowed: report it as a non-finite step.
      report.total = .nan
      return report
    }
    optimizer.update(parameters, parallel: parallel)
    return report
  }

  /// True when no gradient is NaN or infinite.
  public func gradientsAreFinite() -> Bool {
    let g = UnsafePointer(parameters.grads.pointer)
    let count = parameters.count
    let threads = parallel.threads
    let flags = flags.pointer
    parallel.run { t in
      let range = Parallel.part(t, of: threads, count: count, alignment: 16)
      flags[t * 16] = dv_all_finite(Int64(range.count), g + range.lowerBound) == 1 ? 0 : 1
    }
    for t in 0..<threads where flags[t * 16] != 0 { return false }
    return true
  }

  // MARK: - Evaluation and inference

  /// The loss on one batch, with z sampled using `generator` (eps [B, Z] drawn in
  /// order) and no dropout; no gradients, no update.
  public func evaluate(
    input: UnsafePointer<Float>, target: UnsafePointer<Float>, condition: UnsafePointer<Float>? = nil,
    observed: UnsafePointer<Float>? = nil, count: Int, beta: Float, generator: inout Xoshiro256
  ) -> LossReport {
    precondition(count >= 1 && count <= maxBatch, "batch of \(count) outside 1...\(maxBatch)")
    checkCondition(condition)
    let klSum = forward(input: input, condition: condition, count: count, training: false, sample: true, generator: &generator)
    let reconSum = reconstructionLoss(target: target, observed: observed, count: count, scale: nil)
    return report(reconSum: reconSum, klSum: klSum, count: count, beta: beta)
  }

  /// The posterior parameters of `count` images `input` [count, D] (with `conditions`
  /// [count, C] when C > 0): mu and logVar, each [count, Z].
  public func encode(_ input: [Float], conditions: [Float]? = nil, count: Int) -> (mu: [Float], logVar: [Float]) {
    precondition(input.count == count * config.inputSize, "input must hold count x inputSize Floats")
    checkConditions(conditions, count: count)
    let (d, zSize, c) = (config.inputSize, config.latent, config.condition)
    var muOut = [Float](repeating: 0, count: count * zSize)
    var logVarOut = [Float](repeating: 0, count: count * zSize)
    var unused = Xoshiro256(seed: 0)
    withConditions(conditions) { conditions in
      withBases(input, &muOut, &logVarOut) { x, muOut, logVarOut in
        forEachBatch(count) { start, b in
          encodeBatch(input: x + start * d, condition: conditions.map { $0 + start * c }, count: b, generator: &unused, sample: false)
          (muOut + start * zSize).update(from: mu.pointer, count: b * zSize)
          (logVarOut + start * zSize).update(from: logVar.pointer, count: b * zSize)
        }
      }
    }
    return (muOut, logVarOut)
  }

  /// Pixel probabilities sigmoid(logits) [count, D] for latent codes `codes` [count, Z]
  /// (with `conditions` [count, C] when C > 0).
  public func decode(_ codes: [Float], conditions: [Float]? = nil, count: Int) -> [Float] {
    precondition(codes.count == count * config.latent, "codes must hold count x latent Floats")
    checkConditions(conditions, count: count)
    let (d, zSize, c) = (config.inputSize, config.latent, config.condition)
    var out = [Float](repeating: 0, count: count * d)
    var unusedOut: [Float] = [0]
    withConditions(conditions) { conditions in
      withBases(codes, &out, &unusedOut) { codes, out, _ in
        forEachBatch(count) { start, b in
          z.pointer.update(from: codes + start * zSize, count: b * zSize)
          decodeBatch(condition: conditions.map { $0 + start * c }, count: b, into: out + start * d)
        }
      }
    }
    return out
  }

  /// The decoder's Bernoulli logits [count, D] (bias included) for latent codes `codes` [count, Z]
  /// (with `conditions` [count, C] when C > 0).
  public func decodeLogits(_ codes: [Float], conditions: [Float]? = nil, count: Int) -> [Float] {
    precondition(codes.count == count * config.latent, "codes must hold count x latent Floats")
    checkConditions(conditions, count: count)
    let (d, zSize, c) = (config.inputSize, config.latent, config.condition)
    var out = [Float](repeating: 0, count: count * d)
    var unusedOut: [Float] = [0]
    var unused = Xoshiro256(seed: 0)
    let bias = parameters.values.pointer + outputBias
    withConditions(conditions) { conditions in
      withBases(codes, &out, &unusedOut) { codes, out, _ in
        forEachBatch(count) { start, b in
          z.pointer.update(from: codes + start * zSize, count: b * zSize)
          decodeLogits(condition: conditions.map { $0 + start * c }, count: b, training: false, generator: &unused)
          for r in 0..<b {
            for k in 0..<d { out[(start + r) * d + k] = logits.pointer[r * d + k] + bias[k] }
          }
        }
      }
    }
    return out
  }

  /// -log p(target | z) per image: the Bernoulli loss of `targets` [count, D] (intensities
  /// in [0, 1]) under the decoder at `codes` [count, Z] (and `conditions` [count, C] when
  /// C > 0), summed over pixels, in nats. For importance-sampled likelihoods: log p(x | z)
  /// is minus this.
  public func reconstructionLoss(codes: [Float], conditions: [Float]? = nil, targets: [Float], count: Int) -> [Double] {
    precondition(codes.count == count * config.latent, "codes must hold count x latent Floats")
    precondition(targets.count == count * config.inputSize, "targets must hold count x inputSize Floats")
    checkConditions(conditions, count: count)
    let d = config.inputSize
    var losses = [Double](repeating: 0, count: count)
    withConditions(conditions) { conditions in
      codes.withUnsafeBufferPointer { codes in
        targets.withUnsafeBufferPointer { targets in
          losses.withUnsafeMutableBufferPointer { losses in
            guard let codes = codes.baseAddress, let targets = targets.baseAddress, let out = losses.baseAddress else { return }
            reconstructionLosses(codes: codes, conditions: conditions, count: count, target: { targets + $0 * d }, into: out)
          }
        }
      }
    }
    return losses
  }

  /// Pixel probabilities [count, D] of the decoded posterior means: decode(mu(input), c)
  /// (with `conditions` [count, C] when C > 0).
  public func reconstruct(_ input: [Float], conditions: [Float]? = nil, count: Int) -> [Float] {
    precondition(input.count == count * config.inputSize, "input must hold count x inputSize Floats")
    checkConditions(conditions, count: count)
    let (d, c) = (config.inputSize, config.condition)
    var out = [Float](repeating: 0, count: count * d)
    var unusedOut: [Float] = [0]
    var unused = Xoshiro256(seed: 0)
    withConditions(conditions) { conditions in
      withBases(input, &out, &unusedOut) { x, out, _ in
        forEachBatch(count) { start, b in
          let condition = conditions.map { $0 + start * c }
          encodeBatch(input: x + start * d, condition: condition, count: b, generator: &unused, sample: false)
          z.pointer.update(from: mu.pointer, count: b * config.latent)
          decodeBatch(condition: condition, count: b, into: out + start * d)
        }
      }
    }
    return out
  }

  /// Calls `body` with the first condition, or nil for a plain VAE.
  func withConditions(_ conditions: [Float]?, _ body: (UnsafePointer<Float>?) -> Void) {
    guard let conditions, config.condition > 0 else { return body(nil) }
    conditions.withUnsafeBufferPointer { body($0.baseAddress) }
  }

  func checkConditions(_ conditions: [Float]?, count: Int) {
    if config.condition > 0 {
      precondition(conditions?.count == count * config.condition, "conditions must hold count x condition Floats")
    } else {
      precondition(conditions == nil, "a plain VAE takes no conditions")
    }
  }

  private func checkCondition(_ condition: UnsafePointer<Float>?) {
    precondition((condition != nil) == (config.condition > 0), "a condition is needed exactly when config.condition > 0")
  }

  /// The decoder's input for `count` codes: the codes themselves, or each code beside its
  /// condition (in ``decoderInput``) when the decoder reads the condition.
  func decoderInput(codes: UnsafePointer<Float>, conditions: UnsafePointer<Float>?, count: Int) -> UnsafePointer<Float> {
    guard let conditions, config.decoderCondition > 0 else { return codes }
    sideBySide(codes, width: config.latent, conditions, count: count, into: decoderInput.pointer)
    return UnsafePointer(decoderInput.pointer)
  }

  /// Rows [a, c] of `count` images into `output` [count, A + C].
  private func sideBySide(
    _ a: UnsafePointer<Float>, width: Int, _ c: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>
  ) {
    let cWidth = config.condition
    let row = width + cWidth
    for r in 0..<count {
      (output + r * row).update(from: a + r * width, count: width)
      (output + r * row + width).update(from: c + r * cWidth, count: cWidth)
    }
  }

  /// Calls `body` with the first elements of three arrays; does nothing when one is empty.
  func withBases(
    _ input: [Float], _ first: inout [Float], _ second: inout [Float],
    _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
  ) {
    input.withUnsafeBufferPointer { input in
      first.withUnsafeMutableBufferPointer { first in
        second.withUnsafeMutableBufferPointer { second in
          guard let a = input.baseAddress, let b = first.baseAddress, let c = second.baseAddress else { return }
          body(a, b, c)
        }
      }
    }
  }

  // MARK: - Passes

  func forEachBatch(_ count: Int, _ body: (_ start: Int, _ count: Int) -> Void) {
    var start = 0
    while start < count {
      let b = min(maxBatch, count - start)
      body(start, b)
      start += b
    }
  }

  private func report(reconSum: Double, klSum: Double, count: Int, beta: Float) -> LossReport {
    let recon = reconSum / Double(count)
    let kl = klSum / Double(count)
    return LossReport(total: recon + Double(beta) * kl, recon: recon, kl: kl)
  }

  /// Runs a stack of hidden layers from `input`, drawing dropout masks when training;
  /// returns the last result.
  ///
  /// With `sparse` (the encoder of an MLP), the first layer compresses its input and, when
  /// at most ``sparseDensityLimit`` of it is non-zero, multiplies only the non-zero entries
  /// (``firstLayerWasSparse`` records which way it went, for the backward pass).
  func forwardHidden(
    _ layers: [Hidden], input: UnsafePointer<Float>, count: Int, training: Bool, generator: inout Xoshiro256,
    sparse: CompressedRows? = nil
  ) -> UnsafeMutablePointer<Float> {
    var h = input
    for (i, layer) in layers.enumerated() {
      if i == 0, let sparse {
        sparse.compress(input, rows: count, columns: layer.linear.inputs)
        firstLayerWasSparse = sparse.density <= Self.sparseDensityLimit
      }
      if i == 0, sparse != nil, firstLayerWasSparse, let sparse {
        let values = parameters.values.pointer
        let relu = config.activation == .relu
        sparse.multiply(
          by: values + layer.linear.weight, columns: layer.linear.outputs, bias: values + layer.linear.bias, relu: relu,
          into: layer.output.pointer, parallel: parallel)
        if !relu { config.activation.forward(layer.output.pointer, count: count * layer.linear.outputs) }
      } else {
        layer.linear.forward(
          input: h, output: layer.output.pointer, batch: count, parameters: parameters,
          activation: config.activation, parallel: parallel)
      }
      if training, let mask = layer.mask, let dropped = layer.dropped {
        let size = count * layer.linear.outputs
        Dropout.makeMask(mask.pointer, count: size, rate: config.dropout, generator: &generator)
        Dropout.apply(layer.output.pointer, mask: mask.pointer, output: dropped.pointer, count: size)
      }
      h = UnsafePointer(layer.result(training: training))
    }
    return UnsafeMutablePointer(mutating: h)
  }

  /// Encoder and heads: fills mu and logVar; with `sample`, eps from the generator and
  /// z; returns the KL summed over the batch (only meaningful with `sample`).
  /// With C > 0, [x, c] goes through encoderInput first.
  @discardableResult
  func encodeBatch(
    input: UnsafePointer<Float>, condition: UnsafePointer<Float>?, count: Int, generator: inout Xoshiro256, sample: Bool,
    training: Bool = false
  ) -> Double {
    let h = forwardHidden(
      encoder, input: denseInput(input: input, condition: condition, count: count), count: count, training: training,
      generator: &generator, sparse: sparseInput)
    forwardHeads(h, muHead, logVarHead, mu: mu, logVar: logVar, count: count)
    guard sample else { return 0 }
    if config.prior == .learned, let condition {
      forwardPrior(condition: condition, count: count, training: training, generator: &generator)
    }
    let size = count * config.latent
    generator.fillNormal(UnsafeMutableBufferPointer(start: eps.pointer, count: size), parallel: parallel)
    if config.prior == .learned {
      return GaussianKL.forward(
        mu: mu.pointer, logVar: logVar.pointer, muP: muP.pointer, logVarP: logVarP.pointer, eps: eps.pointer,
        sigma: sigma.pointer, z: z.pointer, count: size)
    }
    return GaussianKL.forward(
      mu: mu.pointer, logVar: logVar.pointer, eps: eps.pointer, sigma: sigma.pointer, z: z.pointer, count: size)
  }

  /// mu [B, Z] and logVar [B, Z] from the two linear heads on h: small products, side by side on two threads.
  func forwardHeads(_ h: UnsafePointer<Float>, _ muHead: Linear, _ logVarHead: Linear, mu: FloatBuffer, logVar: FloatBuffer, count: Int) {
    parallel.concurrently(
      { muHead.forward(input: h, output: mu.pointer, batch: count, parameters: parameters, activation: nil, parallel: $0) },
      {
        logVarHead.forward(
          input: h, output: logVar.pointer, batch: count, parameters: parameters, activation: nil, parallel: $0)
      })
  }

  /// What the encoder's dense part reads: x, or the conv features, with c beside them when C > 0
  /// (through encoderInput). Runs the convolutions of a conv model.
  private func denseInput(input: UnsafePointer<Float>, condition: UnsafePointer<Float>?, count: Int) -> UnsafePointer<Float> {
    var x = input
    var width = config.inputSize
    if let convolutional {
      x = UnsafePointer(
        convolutional.encode(input, count: count, parameters: parameters, activation: config.activation, parallel: parallel))
      width = config.features
    }
    guard let condition else { return x }
    sideBySide(x, width: width, condition, count: count, into: encoderInput.pointer)
    return UnsafePointer(encoderInput.pointer)
  }

  /// Decoder from z (with C > 0: [z, c] through decoderInput) to logits (bias not added).
  func decodeLogits(condition: UnsafePointer<Float>?, count: Int, training: Bool, generator: inout Xoshiro256) {
    let input = decoderInput(codes: z.pointer, conditions: condition, count: count)
    let h = forwardHidden(decoder, input: input, count: count, training: training, generator: &generator)
    if let convolutional {
      convolutional.decode(
        h, into: logits.pointer, count: count, parameters: parameters, activation: config.activation, parallel: parallel)
    } else if let outputLayer {
      outputLayer.forward(
        input: h, output: logits.pointer, batch: count, parameters: parameters, activation: nil, addBias: false,
        parallel: parallel)
    }
  }

  func decodeBatch(condition: UnsafePointer<Float>?, count: Int, into output: UnsafeMutablePointer<Float>) {
    var unused = Xoshiro256(seed: 0)
    decodeLogits(condition: condition, count: count, training: false, generator: &unused)
    BernoulliLoss.probabilities(
      logits: logits.pointer, bias: parameters.values.pointer + outputBias, output: output, rows: count,
      columns: config.inputSize)
  }

  /// The whole forward pass up to the logits; returns the KL sum.
  private func forward(
    input: UnsafePointer<Float>, condition: UnsafePointer<Float>?, count: Int, training: Bool, sample: Bool,
    generator: inout Xoshiro256
  ) -> Double {
    if config.prior == .none {
      // No latent code: the decoder reads z = 0 and the condition.
      z.pointer.update(repeating: 0, count: count * config.latent)
      decodeLogits(condition: condition, count: count, training: training, generator: &generator)
      return 0
    }
    let klSum = encodeBatch(
      input: input, condition: condition, count: count, generator: &generator, sample: sample, training: training)
    decodeLogits(condition: condition, count: count, training: training, generator: &generator)
    return klSum
  }

  /// Back-propagates from dlogits (already written by the loss, with the output bias
  /// gradient) to every parameter gradient. `input` is x, what the encoder read.
  private func backward(input: UnsafePointer<Float>, condition: UnsafePointer<Float>?, count: Int, klWeight: Float) {
    backwardDecoder(count: count)
    if config.prior == .none { return }
    let size = count * config.latent
    if config.prior == .learned, let condition {
      GaussianKL.backward(
        mu: mu.pointer, muP: muP.pointer, logVarP: logVarP.pointer, eps: eps.pointer, sigma: sigma.pointer,
        dz: dz.pointer, klWeight: klWeight, dmu: dmu.pointer, dlogVar: dlogVar.pointer, dmuP: dmuP.pointer,
        dlogVarP: dlogVarP.pointer, count: size)
      backwardPrior(condition: condition, count: count)
    } else {
      GaussianKL.backward(
        mu: mu.pointer, eps: eps.pointer, sigma: sigma.pointer, dz: dz.pointer, klWeight: klWeight,
        dmu: dmu.pointer, dlogVar: dlogVar.pointer, count: size)
    }
    backwardEncoder(input: input, count: count)
  }

  /// From dlogits (with the output bias's gradient already written) through the decoder to dz [B, Z].
  func backwardDecoder(count: Int) {
    let last = decoder[decoder.count - 1]
    if let convolutional {
      convolutional.backwardDecoder(
        dlogits: dlogits.pointer, featuresGrad: last.grad.pointer, count: count,
        parameters: parameters, activation: config.activation, parallel: parallel)
    } else if let outputLayer {
      outputLayer.backwardGEMMs(
        input: last.result(training: true), outputGrad: dlogits.pointer, inputGrad: last.grad.pointer, batch: count,
        parameters: parameters, parallel: parallel)
    }
    if config.decoderCondition > 0 {
      // The decoder read [z, c]: its input gradient has Z + C columns, of which dz is the first Z.
      backwardHidden(decoder, input: decoderInput.pointer, inputGrad: decoderInputGrad.pointer, count: count)
      let (zSize, row) = (config.latent, config.latent + config.condition)
      for r in 0..<count { (dz.pointer + r * zSize).update(from: decoderInputGrad.pointer + r * row, count: zSize) }
    } else {
      backwardHidden(decoder, input: z.pointer, inputGrad: dz.pointer, count: count)
    }
  }

  /// From dmu and dlogVar through the heads and the encoder (and its convolutions) to its weights.
  private func backwardEncoder(input: UnsafePointer<Float>, count: Int) {
    // What the dense part read ([x or features, c] when C > 0) and, for conv, where its
    // input gradient goes (the features' gradient, or [features, c]'s when C > 0).
    let c = config.condition
    let features = convolutional.map { UnsafePointer($0.features.pointer) }
    let denseInput = c > 0 ? UnsafePointer(encoderInput.pointer) : features ?? input
    let denseInputGrad = convolutional.map { c > 0 ? encoderInputGrad.pointer : $0.featuresGrad.pointer }
    let h = encoder.last.map { UnsafePointer($0.result(training: true)) } ?? denseInput
    backwardHeads(h, muHead, logVarHead, dmu: dmu, dlogVar: dlogVar, count: count)
    if let top = encoder.last {
      headsInputGrad(muHead, logVarHead, dmu: dmu, dlogVar: dlogVar, into: top.grad.pointer, count: count)
      backwardHidden(
        encoder, input: denseInput, inputGrad: denseInputGrad, count: count,
        sparse: firstLayerWasSparse ? sparseInput : nil)
    } else if let denseInputGrad {
      headsInputGrad(muHead, logVarHead, dmu: dmu, dlogVar: dlogVar, into: denseInputGrad, count: count)
    }
    guard let convolutional else { return }
    if c > 0 {
      // The dense part read [features, c]: the first F columns of its input gradient are the features'.
      let (f, row) = (config.features, config.features + c)
      let featuresGrad = convolutional.featuresGrad.pointer
      for r in 0..<count { (featuresGrad + r * f).update(from: encoderInputGrad.pointer + r * row, count: f) }
    }
    convolutional.backwardEncoder(count: count, parameters: parameters, activation: config.activation, parallel: parallel)
  }

  /// The weight and bias gradients of two heads on h, side by side.
  func backwardHeads(
    _ h: UnsafePointer<Float>, _ muHead: Linear, _ logVarHead: Linear, dmu: FloatBuffer, dlogVar: FloatBuffer, count: Int
  ) {
    parallel.concurrently(
      {
        muHead.backward(
          input: h, output: dmu.pointer, outputGrad: dmu.pointer, inputGrad: nil, batch: count,
          parameters: parameters, activation: nil, parallel: $0)
      },
      {
        logVarHead.backward(
          input: h, output: dlogVar.pointer, outputGrad: dlogVar.pointer, inputGrad: nil, batch: count,
          parameters: parameters, activation: nil, parallel: $0)
      })
  }

  /// dh [B, H] = dmu [B, Z] @ W_mu^T [Z, H] + dlogVar [B, Z] @ W_logVar^T [Z, H], with the
  /// columns of dh split across threads (each column block: both products, mu first).
  func headsInputGrad(
    _ muHead: Linear, _ logVarHead: Linear, dmu: FloatBuffer, dlogVar: FloatBuffer, into dh: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    let (h, zSize) = (muHead.inputs, config.latent)
    let wMu = UnsafePointer(parameters.values.pointer + muHead.weight)
    let wLogVar = UnsafePointer(parameters.values.pointer + logVarHead.weight)
    let (dmu, dlogVar) = (UnsafePointer(dmu.pointer), UnsafePointer(dlogVar.pointer))
    let threads = parallel.threads
    let single = parallel.singleThreaded
    single.prepareForConcurrentCalls()
    parallel.run { t in
      let columns = Parallel.part(t, of: threads, count: h, alignment: 16)
      guard !columns.isEmpty else { return }
      // Columns j of W^T are rows j of W [H, Z]: start at row columns.lowerBound.
      let offset = columns.lowerBound * zSize
      single.gemm(
        m: count, n: columns.count, k: zSize, a: dmu, b: wMu + offset, ldb: zSize, transposeB: true,
        c: dh + columns.lowerBound, ldc: h)
      single.gemm(
        m: count, n: columns.count, k: zSize, a: dlogVar, b: wLogVar + offset, ldb: zSize, transposeB: true,
        c: dh + columns.lowerBound, ldc: h, beta: 1)
    }
  }

  /// Back-propagates through a stack whose last layer's `grad` is filled; the first
  /// layer's input gradient goes to `inputGrad` (skipped when nil). With `sparse` (the
  /// encoder, when its forward pass ran sparse), the first layer's weight gradient is
  /// x^T dy over the compressed input's non-zero entries.
  func backwardHidden(
    _ layers: [Hidden], input: UnsafePointer<Float>, inputGrad: UnsafeMutablePointer<Float>?, count: Int,
    sparse: CompressedRows? = nil
  ) {
    for i in layers.indices.reversed() {
      let layer = layers[i]
      if let mask = layer.mask {
        Dropout.backward(grad: layer.grad.pointer, mask: mask.pointer, count: count * layer.linear.outputs)
      }
      if i == 0, inputGrad == nil, let sparse {
        let linear = layer.linear
        Linear.activationBackwardAndColumnSums(
          grad: layer.grad.pointer, output: layer.output.pointer, columnSums: parameters.grads.pointer + linear.bias,
          rows: count, columns: linear.outputs, activation: config.activation, parallel: parallel)
        sparse.transpose()
        sparse.multiplyTransposed(
          by: layer.grad.pointer, columns: linear.outputs, into: parameters.grads.pointer + linear.weight,
          parallel: parallel)
        continue
      }
      let layerInput = i == 0 ? input : UnsafePointer(layers[i - 1].result(training: true))
      layer.linear.backward(
        input: layerInput, output: layer.output.pointer, outputGrad: layer.grad.pointer,
        inputGrad: i == 0 ? inputGrad : layers[i - 1].grad.pointer, batch: count, parameters: parameters,
        activation: config.activation, parallel: parallel)
    }
  }
}
