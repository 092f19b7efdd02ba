# Shared by the pipelines: set-up, building the stages, running a stage by name.
# Sourced, not run. Expects $root to be the package folder.

# Installs missing system packages (see scripts/setup.sh) and builds the
# release executables; DIGITVAE_BIN may name a folder of already built ones.
prepare_stages() {
  "$root/scripts/setup.sh"
  if [ -n "${DIGITVAE_BIN:-}" ]; then
    bin=$DIGITVAE_BIN
  else
    echo "==> build (swift build -c release)"
    (cd "$root" && swift build -c release 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | grep -v "^\[" | tail -3) || true
    bin=$(cd "$root" && swift build -c release --show-bin-path)
  fi
  for exe in "$@"; do
    [ -x "$bin/$exe" ] || { echo "$pipeline: $bin/$exe was not built; see the build output above" >&2; exit 1; }
  done
}

# stage NAME COMMAND...: runs one stage, naming it; the pipeline stops at the first failure.
stage() {
  local name=$1
  shift
  echo "==> $name"
  if ! "$@"; then
    echo "$pipeline: stage '$name' failed; fix the cause and run the pipeline again (finished stages are skipped)" >&2
    exit 1
  fi
}

# The MNIST source: $MNIST_MIRROR, else the copy in ../shared/data/mnist when present,
# else vae-fetch's built-in list of public mirrors.
mirror_args() {
  if [ -n "${MNIST_MIRROR:-}" ]; then
    echo "--mirror $MNIST_MIRROR"
  elif [ -d "$root/../shared/data/mnist" ]; then
    echo "--mirror $root/../shared/data/mnist"
  fi
}
