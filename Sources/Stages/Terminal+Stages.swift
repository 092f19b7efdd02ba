import Terminal

/// Foundation has a `Progress` too; in this module the name means the terminal's.
typealias Progress = Terminal.Progress
