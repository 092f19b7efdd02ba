#!/usr/bin/env bash
# Inpainting: fetch MNIST, train an inpainting CVAE (conditioned on the
# observed pixels and the mask, trained on fresh random occlusions every
# epoch) and a plain VAE, then score both inside the hole on the same test
# occlusions: a centre 10x10 square and random rectangles; render the
# original / occluded / filled triplets. Every file goes under artifacts/;
# re-running skips finished stages and continues interrupted trainings.
set -euo pipefail
pipeline=inpaint.sh
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source pipelines/common.sh

usage() {
  cat <<USAGE
usage: pipelines/inpaint.sh [options]
  --epochs N      training epochs of both models (default \$EPOCHS or 20)
  --name NAME     run name under artifacts/ (default \$NAME or inpaint); the plain VAE is <name>-vae
  --seed S        seed for training and the test occlusions (default \$SEED or 1)
  --threads T     threads (default: all cores)
  --quick         a smoke run: 1 epoch on 6000 training images, run names <name>-quick
  --resume        continue interrupted trainings (also done by default when checkpoints exist)
  --fresh         start the trainings over, deleting the runs' checkpoints
USAGE
}

epochs=${EPOCHS:-20}
name=${NAME:-inpaint}
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
prepare_stages vae-fetch vae-decompress vae-corrupt vae-train vae-eval vae-render

data=artifacts/data/mnist
run=artifacts/runs/$name
plain=artifacts/runs/$name-vae
square=artifacts/corrupt/$name-square-test
rectangles=artifacts/corrupt/$name-rectangles-test
# shellcheck disable=SC2046
stage fetch "$bin/vae-fetch" $(mirror_args)
stage decompress "$bin/vae-decompress"
# Test occlusions only: the inpainting model draws its own training masks, fresh every epoch.
stage corrupt-square "$bin/vae-corrupt" --images $data/test-images.idx --kind square --level 10 \
  --seed $((seed + 1000)) --out "$square"
stage corrupt-rectangles "$bin/vae-corrupt" --images $data/test-images.idx --kind rectangles --level 3 \
  --seed $((seed + 1000)) --out "$rectangles"

# mode RUN: --force, --resume or nothing, for one training.
mode() {
  if [ $fresh = 1 ]; then
    echo --force
  elif compgen -G "$1/checkpoints/step-*.safetensors" >/dev/null; then
    echo --resume
  fi
}
# shellcheck disable=SC2046
stage train-inpaint "$bin/vae-train" $(mode "$run") --model inpaint --data $data --run "$run" \
  --epochs "$epochs" --seed "$seed" --threads "$threads" "${limit[@]}"
# shellcheck disable=SC2046
stage train-vae "$bin/vae-train" $(mode "$plain") --model vae --data $data --run "$plain" \
  --epochs "$epochs" --seed "$seed" --threads "$threads" "${limit[@]}"
stage evaluate-square "$bin/vae-eval" --run "$run" --test-input "$square/images.idx" --compare-run "$plain" \
  --threads "$threads"
stage evaluate-rectangles "$bin/vae-eval" --run "$run" --test-input "$rectangles/images.idx" --compare-run "$plain" \
  --out "$run/rectangles/metrics.json" --threads "$threads"
stage render "$bin/vae-render" --run "$run" --test-input "$square/images.idx" --out "artifacts/render/$name"
stage render-rectangles "$bin/vae-render" --run "$run" --test-input "$rectangles/images.idx" \
  --out "artifacts/render/$name-rectangles"

echo
echo "$pipeline: done in $(( $(date +%s) - start )) s"
echo "  figures: artifacts/render/$name/index.html (centre square), artifacts/render/$name-rectangles/index.html"
echo "  metrics: $run/metrics.json (centre square), $run/rectangles/metrics.json (rectangles)"
