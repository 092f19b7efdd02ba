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

# parse_options "$@": the options every pipeline takes. Sets epochs, name,
# seed, threads (from the environment's EPOCHS, NAME, SEED, THREADS or the
# defaults already set), quick and fresh. Any other option goes to the
# script's own `extra_option "$@"`, which sets `consumed` to the number of
# words it used (0: unknown option).
parse_options() {
  epochs=${EPOCHS:-$epochs}
  name=${NAME:-$name}
  seed=${SEED:-1}
  threads=${THREADS:-$(nproc)}
  judge_epochs=${JUDGE_EPOCHS:-}
  quick=0
  fresh=0
  while [ $# -gt 0 ]; do
    case $1 in
      --epochs) epochs=$2; shift 2 ;;
      --name) name=$2; shift 2 ;;
      --seed) seed=$2; shift 2 ;;
      --threads) threads=$2; shift 2 ;;
      --judge-epochs) judge_epochs=$2; shift 2 ;;
      --quick) quick=1; shift ;;
      --resume) shift ;;  # resuming is automatic; the flag is accepted for clarity
      --fresh) fresh=1; shift ;;
      -h|--help) usage; exit 0 ;;
      *)
        consumed=0
        if declare -F extra_option >/dev/null; then extra_option "$@"; fi
        if [ "$consumed" -eq 0 ]; then
          echo "$pipeline: unknown option $1" >&2
          usage >&2
          exit 64
        fi
        shift "$consumed"
        ;;
    esac
  done
}

# apply_quick: with --quick, 1 epoch on 6000 training images, and the run named <name>-quick.
apply_quick() {
  limit=()
  eval_args=()  # an inpaint vae-eval's extra options: a smoke run estimates the likelihood with fewer samples
  if [ "$quick" = 1 ]; then
    epochs=1
    limit=(--limit 6000)
    eval_args=(--nll-samples 10 --fill-draws 4)
    name=$name-quick
  fi
}

# train_mode RUN: --force with --fresh, --resume when RUN already has checkpoints, else nothing.
train_mode() {
  if [ "$fresh" = 1 ]; then
    echo --force
  elif compgen -G "$1/checkpoints/step-*.safetensors" >/dev/null; then
    echo --resume
  fi
}

# The options every pipeline's usage lists.
common_usage() {
  cat <<USAGE
  --epochs N      training epochs (default \$EPOCHS or $epochs)
  --name NAME     run name under artifacts/ (default \$NAME or ${name_help:-$name})
  --seed S        seed for corruption and training (default \$SEED or 1)
  --threads T     threads (default: all cores)
  --judge-epochs N  epochs of the judge classifier (default \$JUDGE_EPOCHS or vae-classify's 15; 2 with --quick)
  --quick         a smoke run: 1 epoch on 6000 training images, run name <name>-quick, a 2-epoch judge
  --resume        continue an interrupted training (also done by default when checkpoints exist)
  --fresh         start the training over, deleting the run's checkpoints
USAGE
}

# fetch_data: the two data stages every pipeline starts with.
fetch_data() {
  # shellcheck disable=SC2046
  stage fetch "$bin/vae-fetch" $(mirror_args)
  stage decompress "$bin/vae-decompress"
}

# train_judge: the judge classifier that vae-eval --judge scores with, trained by
# vae-classify (skipped when up to date) into $judge. Every pipeline shares
# artifacts/judge/mnist.safetensors (vae-classify's defaults: 15 epochs, seed 1,
# whatever the pipeline's --seed, so that all runs are judged alike); --quick
# trains a 2-epoch judge of its own so a smoke run never replaces it.
train_judge() {
  judge=artifacts/judge/mnist.safetensors
  local judge_args=()
  if [ "$quick" = 1 ]; then
    judge=artifacts/judge/mnist-quick.safetensors
    judge_args=(--epochs 2)
  fi
  [ -n "${judge_epochs:-}" ] && judge_args=(--epochs "$judge_epochs")
  stage judge "$bin/vae-classify" --data artifacts/data/mnist --out "$judge" --threads "$threads" "${judge_args[@]}"
}

# report_runs: rewrite artifacts/report/index.html, the table of every run under artifacts/runs
# (vae-render --report; cheap, so it runs at the end of every pipeline).
report_runs() {
  stage report "$bin/vae-render" --report artifacts
}
