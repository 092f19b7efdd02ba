#!/usr/bin/env bash
# Conditional generation: fetch MNIST, train a CVAE conditioned on the digit
# label (one-hot, concatenated to the encoder input and to z), evaluate its
# test ELBO and render the per-label grid and the analogy grid. Every file
# goes under artifacts/; re-running skips the stages whose outputs are up to
# date and continues an interrupted training from its newest checkpoint.
set -euo pipefail
pipeline=generate.sh
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source pipelines/common.sh

usage() {
  cat <<USAGE
usage: pipelines/generate.sh [options]
  --epochs N      training epochs (default \$EPOCHS or 20)
  --name NAME     run name under artifacts/ (default \$NAME or cvae)
  --seed S        seed for training and the grids' latent codes (default \$SEED or 1)
  --threads T     threads (default: all cores)
  --quick         a smoke run: 1 epoch on 6000 training images, run name <name>-quick
  --resume        continue an interrupted training (also done by default when checkpoints exist)
  --fresh         start the training over, deleting the run's checkpoints
USAGE
}

epochs=${EPOCHS:-20}
name=${NAME:-cvae}
seed=${SEED:-1}
threads=${THREADS:-$(nproc)}
quick=0
fresh=0
while [ $# -gt 0 ]; do
  case $1 in
    --epochs) epochs=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --resume) shift ;;
    --fresh) fresh=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$pipeline: unknown option $1" >&2; usage >&2; exit 64 ;;
  esac
done
limit=()
if [ $quick = 1 ]; then
  epochs=1
  limit=(--limit 6000)
  name=$name-quick
fi

start=$(date +%s)
prepare_stages vae-fetch vae-decompress vae-train vae-eval vae-render

data=artifacts/data/mnist
run=artifacts/runs/$name
# shellcheck disable=SC2046
stage fetch "$bin/vae-fetch" $(mirror_args)
stage decompress "$bin/vae-decompress"

train_mode=()
if [ $fresh = 1 ]; then
  train_mode=(--force)
elif compgen -G "$run/checkpoints/step-*.safetensors" >/dev/null; then
  train_mode=(--resume)
fi
stage train "$bin/vae-train" "${train_mode[@]}" --model cvae --data $data --run "$run" \
  --epochs "$epochs" --seed "$seed" --threads "$threads" "${limit[@]}"
stage evaluate "$bin/vae-eval" --run "$run" --threads "$threads"
stage render "$bin/vae-render" --run "$run" --seed "$seed" --out "artifacts/render/$name"

echo
echo "$pipeline: done in $(( $(date +%s) - start )) s"
echo "  figures: artifacts/render/$name/index.html (labels.png: one row per digit; analogy.png: fixed z under each label)"
echo "  metrics: $run/metrics.json"
