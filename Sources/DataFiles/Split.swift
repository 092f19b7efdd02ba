/// Which half of a data set: the 60,000 training or the 10,000 test items.
public enum Split: String, CaseIterable, Sendable {
  case train, test
}
