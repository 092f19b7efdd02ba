#!/usr/bin/env bash
# The test command: installs missing system packages, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-python
swift test "$@"
