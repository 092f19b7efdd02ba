/// How a ``VAE`` draws its initial parameters.
public enum WeightInitialization: String, Codable, Sendable, CaseIterable {
  /// PyTorch's `nn.Linear` default for every layer: weights and biases U(-1/sqrt(in), 1/sqrt(in)).
  /// The default: it reaches the pytorch/examples loss (105.3 nats after 10 epochs here, vs 106.5 for heXavier).
  case fanInUniform
  /// He normal for hidden layers before ReLU, leaky ReLU and ELU, Xavier uniform before tanh
  /// and for the mu, logVar and output layers; zero biases.
  case heXavier
}
