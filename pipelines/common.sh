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

# The data set's source, as vae-fetch options: --mirror (or $DATASET_MIRROR) when given;
# for MNIST, else $MNIST_MIRROR, else the copy in ../shared/data/mnist when present; for
# Fashion-MNIST, else the Debian package dataset-fashion-mnist's copy when installed; else
# vae-fetch's built-in list of public mirrors. --checksums (or $DATASET_CHECKSUMS) names a
# sum list that replaces the built-in one (a mirror serving other copies, a test set).
debian_fashion=${DEBIAN_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
fetch_args() {
  fetch_options=(--dataset "$dataset")
  if [ -n "$mirror" ]; then
    fetch_options+=(--mirror "$mirror")
  elif [ "$dataset" = mnist ] && [ -n "${MNIST_MIRROR:-}" ]; then
    fetch_options+=(--mirror "$MNIST_MIRROR")
  elif [ "$dataset" = mnist ] && [ -d "$root/../shared/data/mnist" ]; then
    fetch_options+=(--mirror "$root/../shared/data/mnist")
  elif [ "$dataset" = fashion-mnist ] && [ -d "$debian_fashion" ]; then
    # Debian's dataset-fashion-mnist package: the same images, recompressed, so its files have
    # their own sums (pipelines/sums/, taken from the package; its gzip files differ from Zalando's).
    fetch_options+=(--mirror "$debian_fashion")
    if [ -z "$checksums" ]; then fetch_options+=(--checksums "$root/pipelines/sums/fashion-mnist-debian.sha256"); fi
  fi
  if [ -n "$checksums" ]; then fetch_options+=(--checksums "$checksums"); fi
}

# choose_data: after the options, settles which data the pipeline uses: $data (the folder of
# IDX files), $dataset (its name, in run and judge names) and $data_dir (set when the data is
# a folder to use as it is, with nothing to fetch). A name that is neither built in nor a
# folder under artifacts/data is refused, listing the known ones.
choose_data() {
  if [ -n "$data_dir" ]; then
    if [ "$dataset_given" = 1 ]; then
      echo "$pipeline: give --dataset or --data, not both" >&2
      exit 64
    fi
    [ -d "$data_dir" ] || { echo "$pipeline: --data $data_dir: no such folder" >&2; exit 64; }
    dataset=$(basename "$data_dir")
  else
    case $dataset in
      mnist | fashion-mnist | kmnist) ;;
      *)
        if [ -d "artifacts/data/$dataset" ]; then
          data_dir=artifacts/data/$dataset
        else
          local known
          known=$(cd artifacts/data 2>/dev/null && ls -d -- */ 2>/dev/null | tr -d / | grep -vxE 'mnist|fashion-mnist|kmnist' | tr '\n' ' ' || true)
          echo "$pipeline: unknown data set '$dataset'; known: mnist, fashion-mnist, kmnist${known:+, $known}(or give --data DIR)" >&2
          exit 64
        fi
        ;;
    esac
  fi
  data=${data_dir:-artifacts/data/$dataset}
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
  dataset=${DATASET:-mnist}
  dataset_given=0
  [ -n "${DATASET:-}" ] && dataset_given=1
  data_dir=${DATA:-}
  mirror=${DATASET_MIRROR:-}
  checksums=${DATASET_CHECKSUMS:-}
  name_given=0
  [ -n "${NAME:-}" ] && name_given=1
  quick=0
  fresh=0
  while [ $# -gt 0 ]; do
    case $1 in
      --epochs) epochs=$2; shift 2 ;;
      --name) name=$2; name_given=1; shift 2 ;;
      --dataset) dataset=$2; dataset_given=1; shift 2 ;;
      --data) data_dir=$2; shift 2 ;;
      --mirror) mirror=$2; shift 2 ;;
      --checksums) checksums=$2; shift 2 ;;
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
  choose_data
}

# apply_quick: the run named <dataset>-<name> for a data set other than MNIST (unless --name
# was given), and with --quick, 1 epoch on 6000 training images and the run named <name>-quick.
apply_quick() {
  if [ "$dataset" != mnist ] && [ "$name_given" = 0 ]; then name=$dataset-$name; fi
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
  --dataset NAME  data set: mnist, fashion-mnist, kmnist, or a folder under artifacts/data (default \$DATASET or mnist)
  --data DIR      a folder of {train,test}-{images,labels}.idx to use as it is, nothing fetched (default \$DATA)
  --mirror M      where vae-fetch gets the data set: a URL or a folder of the .gz files (default \$DATASET_MIRROR;
                  for MNIST \$MNIST_MIRROR or ../shared/data/mnist when present; else the public mirrors)
  --checksums F   a sha256sum/md5sum list to verify the fetched files against instead of the built-in sums
  --epochs N      training epochs (default \$EPOCHS or $epochs)
  --name NAME     run name under artifacts/ (default \$NAME or ${name_help:-$name}, after <dataset>- when not MNIST)
  --seed S        seed for corruption and training (default \$SEED or 1)
  --threads T     threads (default: all cores)
  --judge-epochs N  epochs of the judge classifier (default \$JUDGE_EPOCHS or vae-classify's 15; 2 with --quick)
  --quick         a smoke run: 1 epoch on 6000 training images, run name <name>-quick, a 2-epoch judge
  --resume        continue an interrupted training (also done by default when checkpoints exist)
  --fresh         start the training over, deleting the run's checkpoints
USAGE
}

# fetch_data: the two data stages every pipeline starts with (none for a --data folder).
fetch_data() {
  if [ -n "$data_dir" ]; then
    echo "==> data: $data_dir, used as it is (nothing to fetch)"
    return
  fi
  fetch_args
  stage fetch "$bin/vae-fetch" "${fetch_options[@]}"
  stage decompress "$bin/vae-decompress" --dataset "$dataset"
}

# train_judge: the judge classifier that vae-eval --judge scores with, trained by
# vae-classify (skipped when up to date) into $judge, one per data set: every pipeline
# shares artifacts/judge/<dataset>.safetensors (vae-classify's defaults: 15 epochs,
# seed 1, whatever the pipeline's --seed, so that all runs are judged alike); --quick
# trains a 2-epoch judge of its own so a smoke run never replaces it.
train_judge() {
  judge=artifacts/judge/$dataset.safetensors
  local judge_args=()
  if [ "$quick" = 1 ]; then
    judge=artifacts/judge/$dataset-quick.safetensors
    judge_args=(--epochs 2)
  fi
  [ -n "${judge_epochs:-}" ] && judge_args=(--epochs "$judge_epochs")
  stage judge "$bin/vae-classify" --data "$data" --out "$judge" --threads "$threads" "${judge_args[@]}"
}

# report_runs: rewrite artifacts/report/index.html, the table of every run under artifacts/runs
# (vae-render --report; cheap, so it runs at the end of every pipeline).
report_runs() {
  stage report "$bin/vae-render" --report artifacts
}
