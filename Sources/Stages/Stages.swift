// The Stages module: see docs/ARCHITECTURE.md.
