#!/usr/bin/env bash
# The test command: installs missing system packages, runs every test, fuzzes each
# libFuzzer target for a short bounded time (DIGITVAE_FUZZ_SECONDS, default 20), then
# runs every pipeline end to end in its quick form on the real MNIST files.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-python
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift test "$@" 2>&1 | tee "$log"
echo "==> coverage-guided fuzzing: each target for ${DIGITVAE_FUZZ_SECONDS:-20} s (scripts/fuzz.sh; fails on any crash)"
scripts/fuzz.sh all "${DIGITVAE_FUZZ_SECONDS:-20}"
echo "==> every pipeline with --quick (end to end on real MNIST)"
for pipeline in denoise manifold generate inpaint; do
  pipelines/$pipeline.sh --quick
done
echo "==> a smoke sweep through Snakemake (pipelines/sweep/quick.yaml: 2 runs of 1 epoch)"
pipelines/sweep.sh --grid pipelines/sweep/quick.yaml
# All tests are Swift Testing tests (XCTest reports 0); repeat their count as the last line.
count=$(sed -n 's/.*Test run with \([0-9]*\) tests.* passed after.*/\1/p' "$log" | tail -1)
echo "tests: ${count:-0} passed, 0 failed"
