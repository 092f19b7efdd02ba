import Runs

/// One `vae-train` flag tied to the field of the run config it sets.
///
/// The table of these (`TrainingOptions.flags`) is the only place a flag
/// meets its field: applying the flags to a config and listing the
/// conflicts of a resume both read it, so a new training option is one
/// `@Option` and one row.
struct ConfigFlag {
  /// The flag as the user types it, e.g. "--latent".
  let name: String
  /// True for what a resumed run may change (epochs, checkpoint cadence);
  /// everything else must match the checkpoint.
  let mayChangeOnResume: Bool
  /// Sets the field, when the flag was given.
  let apply: (inout RunConfig) -> Void
  /// The field's value as a conflict message shows it.
  let shown: (RunConfig) -> String
  /// Whether the field means anything for a config (e.g. --channels for conv models only).
  let appliesTo: (RunConfig) -> Bool

  init<T: Equatable>(
    _ name: String, _ field: WritableKeyPath<RunConfig, T>, given: T?, mayChangeOnResume: Bool = false,
    show: @escaping (T) -> String = { "\($0)" }, appliesTo: @escaping (RunConfig) -> Bool = { _ in true }
  ) {
    self.name = name
    self.mayChangeOnResume = mayChangeOnResume
    apply = { config in if let given { config[keyPath: field] = given } }
    shown = { show($0[keyPath: field]) }
    self.appliesTo = appliesTo
  }

  /// A flag whose effect is more than setting one field (`--arch` also resets the hidden layers).
  init(_ name: String, apply: @escaping (inout RunConfig) -> Void, shown: @escaping (RunConfig) -> String) {
    self.name = name
    mayChangeOnResume = false
    self.apply = apply
    self.shown = shown
    appliesTo = { _ in true }
  }

  /// The differences that forbid continuing `stored` as `wanted`, as
  /// "--name ours in the checkpoint vs theirs asked for"; empty when compatible.
  static func conflicts(_ flags: [ConfigFlag], stored: RunConfig, wanted: RunConfig) -> [String] {
    flags.compactMap { flag in
      guard !flag.mayChangeOnResume, flag.appliesTo(stored) || flag.appliesTo(wanted) else { return nil }
      let (ours, theirs) = (flag.shown(stored), flag.shown(wanted))
      return ours == theirs ? nil : "\(flag.name) \(ours) in the checkpoint vs \(theirs) asked for"
    }
  }
}
