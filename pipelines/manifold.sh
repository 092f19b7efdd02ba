#!/usr/bin/env bash
# Train a plain VAE with a 2-D latent code on MNIST and draw what it learned:
# the manifold canvas (decode(z) over a 20 x 20 mesh of codes), the test set
# scattered in the latent plane by digit, interpolations and the
# reconstructions over training. Every file goes under artifacts/; re-running
# skips the stages whose outputs are up to date and continues an interrupted
# training from its newest checkpoint.
set -euo pipefail
pipeline=manifold.sh
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source pipelines/common.sh

usage() {
  cat <<USAGE
usage: pipelines/manifold.sh [options]
  --epochs N      training epochs (default \$EPOCHS or 20)
  --grid G        manifold mesh: quantile (N(0,1) quantiles) or linear ([-4, 4]) (default \$GRID or quantile)
  --name NAME     run name under artifacts/ (default \$NAME or manifold)
  --seed S        training seed (default \$SEED or 1)
  --threads T     threads (default: all cores)
  --quick         a smoke run: 1 epoch on 6000 training images, run name <name>-quick
  --resume        continue an interrupted training (also done by default when checkpoints exist)
  --fresh         start the training over, deleting the run's checkpoints
USAGE
}

epochs=${EPOCHS:-20}
grid=${GRID:-quantile}
name=${NAME:-manifold}
seed=${SEED:-1}
threads=${THREADS:-$(nproc)}
quick=0
fresh=0
while [ $# -gt 0 ]; do
  case $1 in
    --epochs) epochs=$2; shift 2 ;;
    --grid) grid=$2; shift 2 ;;
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
case $grid in
  quantile|linear) ;;
  *) echo "$pipeline: --grid must be quantile or linear, got $grid" >&2; exit 64 ;;
esac
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
# A plain VAE (the bench model's 400 hidden units) with a 2-D code, so its latent space can be drawn whole.
stage train "$bin/vae-train" "${train_mode[@]}" --data $data --run "$run" --latent 2 \
  --epochs "$epochs" --seed "$seed" --threads "$threads" --snapshot-images 10 "${limit[@]}"
stage evaluate "$bin/vae-eval" --run "$run" --threads "$threads"
# vae-render draws manifold.png and latent-scatter.svg for any run with a 2-D code.
# The hook for conditional models: a cvae run (when that model kind exists) gets its
# per-digit canvases from vae-render's own conditional figures, so nothing changes here.
stage render "$bin/vae-render" --run "$run" --out "artifacts/render/$name" --manifold-grid "$grid" --threads "$threads"

echo
echo "$pipeline: done in $(( $(date +%s) - start )) s"
echo "  figures: artifacts/render/$name/index.html (manifold.png, latent-scatter.svg)"
echo "  metrics: $run/metrics.json"
