// The Checkpoints module: see docs/ARCHITECTURE.md.
