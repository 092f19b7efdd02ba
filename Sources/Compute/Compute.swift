// The Compute module: see docs/ARCHITECTURE.md.
