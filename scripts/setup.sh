#!/usr/bin/env bash
# Installs what DigitVAE needs from Debian (zlib, OpenBLAS) and PyPI (numpy and
# safetensors for the cross-check tests, Snakemake for the sweeps) when it is
# missing. As root it installs; as any other user it prints the exact command
# to run and stops.
set -euo pipefail

# The fuzz targets (scripts/fuzz.sh) need libFuzzer and AddressSanitizer; both runtimes
# ship with the Swift toolchain (usr/lib/clang/*/lib/linux/libclang_rt.{fuzzer,asan}-*.a),
# so no Debian package is needed for them: scripts/fuzz.sh checks they are there.
packages=(zlib1g-dev libopenblas-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# The cross-check tests read our files with numpy and with the reference
# safetensors reader; both come from PyPI.
if [ "${1:-}" = "--with-python" ] && ! python3 -c 'import numpy, safetensors' 2>/dev/null; then
  echo "setup: installing numpy and safetensors for the Python cross-check tests" >&2
  python3 -m pip install --quiet numpy safetensors
fi

# The workflow engine of pipelines/sweep.sh (docs/SWEEPS.md), pinned: Snakemake from
# PyPI (9.x needs Python >= 3.11). --with-engine installs it alone; the tests
# (--with-python) need it too, for the sweep test.
snakemake_version=9.27.1
case "${1:-}" in
  --with-python|--with-engine)
    if [ "$(python3 -c 'import importlib.metadata as m; print(m.version("snakemake"))' 2>/dev/null)" != "$snakemake_version" ]; then
      echo "setup: installing snakemake $snakemake_version (the sweep's workflow engine)" >&2
      python3 -m pip install --quiet --root-user-action=ignore "snakemake==$snakemake_version"
    fi
    ;;
esac
