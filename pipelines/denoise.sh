#!/usr/bin/env bash
# The main job: fetch MNIST, corrupt it, train a denoising VAE (corrupted
# input, clean target), evaluate it against the corrupted input and a median
# filter, and render the figures. Every file goes under artifacts/; re-running
# skips the stages whose outputs are up to date and continues an interrupted
# training from its newest checkpoint.
set -euo pipefail
pipeline=denoise.sh
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source pipelines/common.sh

usage() {
  cat <<USAGE
usage: pipelines/denoise.sh [options]
  --epochs N      training epochs (default \$EPOCHS or 20)
  --kind K        corruption: gaussian, salt-pepper, zero, square, rectangles, half, band, mixed
                  (default \$KIND or gaussian)
  --level L       corruption level, as vae-corrupt --help explains (default \$LEVEL or the kind's own)
  --name NAME     run name under artifacts/ (default \$NAME or denoise-<kind>)
  --seed S        seed for corruption and training (default \$SEED or 1)
  --threads T     threads (default: all cores)
  --quick         a smoke run: 1 epoch on 6000 training images, run name <name>-quick
  --resume        continue an interrupted training (also done by default when checkpoints exist)
  --fresh         start the training over, deleting the run's checkpoints
USAGE
}

epochs=${EPOCHS:-20}
kind=${KIND:-gaussian}
level=${LEVEL:-}
name=${NAME:-}
seed=${SEED:-1}
threads=${THREADS:-$(nproc)}
quick=0
fresh=0
while [ $# -gt 0 ]; do
  case $1 in
    --epochs) epochs=$2; shift 2 ;;
    --kind) kind=$2; shift 2 ;;
    --level) level=$2; shift 2 ;;
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
name=${name:-denoise-$kind}
limit=()
if [ $quick = 1 ]; then
  epochs=1
  limit=(--limit 6000)
  name=$name-quick
fi
level_args=()
[ -n "$level" ] && level_args=(--level "$level")

start=$(date +%s)
prepare_stages vae-fetch vae-decompress vae-corrupt vae-train vae-eval vae-render

data=artifacts/data/mnist
run=artifacts/runs/$name
# shellcheck disable=SC2046
stage fetch "$bin/vae-fetch" $(mirror_args)
stage decompress "$bin/vae-decompress"
stage corrupt-train "$bin/vae-corrupt" --images $data/train-images.idx --kind "$kind" "${level_args[@]}" \
  --seed "$seed" --out "artifacts/corrupt/$name-train"
# The test set gets its own noise stream (seed + 1000) so no pattern is shared with training.
stage corrupt-test "$bin/vae-corrupt" --images $data/test-images.idx --kind "$kind" "${level_args[@]}" \
  --seed $((seed + 1000)) --out "artifacts/corrupt/$name-test"

train_mode=()
if [ $fresh = 1 ]; then
  train_mode=(--force)
elif compgen -G "$run/checkpoints/step-*.safetensors" >/dev/null; then
  train_mode=(--resume)
fi
stage train "$bin/vae-train" "${train_mode[@]}" --data $data --run "$run" \
  --input "artifacts/corrupt/$name-train/images.idx" --test-input "artifacts/corrupt/$name-test/images.idx" \
  --epochs "$epochs" --seed "$seed" --threads "$threads" --snapshot-images 10 "${limit[@]}"
stage evaluate "$bin/vae-eval" --run "$run" --threads "$threads"
stage render "$bin/vae-render" --run "$run" --out "artifacts/render/$name"

echo
echo "$pipeline: done in $(( $(date +%s) - start )) s"
echo "  figures: artifacts/render/$name/index.html"
echo "  metrics: $run/metrics.json"
