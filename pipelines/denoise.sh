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
  echo "usage: pipelines/denoise.sh [options]"
  echo "  --kind K        corruption: gaussian, salt-pepper, zero, square, rectangles, half, band, mixed (default \$KIND or gaussian)"
  echo "  --level L       corruption level, as vae-corrupt --help explains (default \$LEVEL or the kind's own)"
  common_usage
}
extra_option() {
  case $1 in
    --kind) kind=$2; consumed=2 ;;
    --level) level=$2; consumed=2 ;;
  esac
}

epochs=20
name=
name_help="denoise-<kind>"
kind=${KIND:-gaussian}
level=${LEVEL:-}
parse_options "$@"
name=${name:-denoise-$kind}
apply_quick
level_args=()
[ -n "$level" ] && level_args=(--level "$level")

start=$(date +%s)
prepare_stages vae-fetch vae-decompress vae-corrupt vae-train vae-eval vae-render

data=artifacts/data/mnist
run=artifacts/runs/$name
fetch_data
stage corrupt-train "$bin/vae-corrupt" --images $data/train-images.idx --kind "$kind" "${level_args[@]}" \
  --seed "$seed" --out "artifacts/corrupt/$name-train"
# The test set gets its own noise stream (seed + 1000) so no pattern is shared with training.
stage corrupt-test "$bin/vae-corrupt" --images $data/test-images.idx --kind "$kind" "${level_args[@]}" \
  --seed $((seed + 1000)) --out "artifacts/corrupt/$name-test"

stage train "$bin/vae-train" $(train_mode "$run") --data $data --run "$run" \
  --input "artifacts/corrupt/$name-train/images.idx" --test-input "artifacts/corrupt/$name-test/images.idx" \
  --epochs "$epochs" --seed "$seed" --threads "$threads" --snapshot-images 10 "${limit[@]}"
stage evaluate "$bin/vae-eval" --run "$run" --threads "$threads"
stage render "$bin/vae-render" --run "$run" --out "artifacts/render/$name"

echo
echo "$pipeline: done in $(( $(date +%s) - start )) s"
echo "  figures: artifacts/render/$name/index.html"
echo "  metrics: $run/metrics.json"
