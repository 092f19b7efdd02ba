#!/usr/bin/env bash
# The full malformed-input campaign: scripts/campaign.sh [COUNT] [campaign.py options]
#
# Builds the stages (debug, as the tests do), makes seed files from real MNIST with
# scripts/fuzz-seeds.sh, then runs scripts/campaign.py with COUNT inputs per format
# (default 2000): gz, IDX, safetensors, JSON and command lines. Exits 1 on any crash or
# accepted-invalid input; failing inputs are kept under .build/campaign-failures/.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-2000}
shift || true
unset DIGITVAE_FUZZ
swift build >&2
scripts/fuzz-seeds.sh .build/fuzz-seeds
exec python3 scripts/campaign.py --bin "$(swift build --show-bin-path)" --seeds .build/fuzz-seeds/real --count "$count" "$@"
