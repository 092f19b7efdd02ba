// The Models module: see docs/ARCHITECTURE.md.
