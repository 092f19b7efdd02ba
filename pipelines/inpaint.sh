#!/usr/bin/env bash
# Inpainting: fetch MNIST, train an inpainting CVAE (conditioned on the
# observed pixels and the mask, trained on fresh random occlusions every
# epoch) and a plain VAE, then score both inside the hole on the same test
# occlusions: a centre 10x10 square and random rectangles; render the
# original / occluded / filled triplets. Then, for each of two training mask
# distributions (random 10x10 squares, three random rectangles), train on
# the same masks and with the same epochs: the CVAE with a learned prior
# network (Sohn et al. 2015; hole-only loss) and a denoising VAE (vae-corrupt's occluded training images as
# input, clean targets); evaluate the learned-prior CVAE beside all of them.
# Every file goes under artifacts/; re-running skips finished stages and
# continues interrupted trainings.
set -euo pipefail
pipeline=inpaint.sh
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source pipelines/common.sh

usage() {
  echo "usage: pipelines/inpaint.sh [options]"
  common_usage
}

epochs=20
name=inpaint
parse_options "$@"
apply_quick

start=$(date +%s)
prepare_stages vae-fetch vae-decompress vae-corrupt vae-classify vae-train vae-eval vae-render

run=artifacts/runs/$name
plain=artifacts/runs/$name-vae
square=artifacts/corrupt/$name-square-test
rectangles=artifacts/corrupt/$name-rectangles-test
fetch_data
# Test occlusions only: the inpainting model draws its own training masks, fresh every epoch.
stage corrupt-square "$bin/vae-corrupt" --images "$data"/test-images.idx --kind square --level 10 \
  --seed $((seed + 1000)) --out "$square"
stage corrupt-rectangles "$bin/vae-corrupt" --images "$data"/test-images.idx --kind rectangles --level 3 \
  --seed $((seed + 1000)) --out "$rectangles"
train_judge

# shellcheck disable=SC2046
stage train-inpaint "$bin/vae-train" $(train_mode "$run") --model inpaint --data "$data" --run "$run" \
  --epochs "$epochs" --seed "$seed" --threads "$threads" "${limit[@]}"
# shellcheck disable=SC2046
stage train-vae "$bin/vae-train" $(train_mode "$plain") --model vae --data "$data" --run "$plain" \
  --epochs "$epochs" --seed "$seed" --threads "$threads" "${limit[@]}"
# The learned-prior comparison: every model trained on the same mask distribution.
for masks in square rectangles; do
  case $masks in
    square) occlude=(--kind square --level 10 --random-place) ;;
    rectangles) occlude=(--kind rectangles --level 3) ;;
  esac
  stage "corrupt-train-$masks" "$bin/vae-corrupt" --images "$data"/train-images.idx "${occlude[@]}" \
    --seed $((seed + 2000)) --out "artifacts/corrupt/$name-$masks-train"
  # shellcheck disable=SC2046
  stage "train-denoise-$masks" "$bin/vae-train" $(train_mode "$run-denoise-$masks") --model vae --data "$data" \
    --input "artifacts/corrupt/$name-$masks-train/images.idx" --run "$run-denoise-$masks" \
    --epochs "$epochs" --seed "$seed" --threads "$threads" "${limit[@]}"
  # shellcheck disable=SC2046
  stage "train-prior-$masks" "$bin/vae-train" $(train_mode "$run-prior-$masks") --model inpaint --prior learned \
    --loss hole --masks "$masks" --data "$data" --run "$run-prior-$masks" \
    --epochs "$epochs" --seed "$seed" --threads "$threads" "${limit[@]}"
done

stage evaluate-square "$bin/vae-eval" --run "$run" --test-input "$square/images.idx" --compare-run "$plain" \
  --judge "$judge" --threads "$threads" "${eval_args[@]}"
stage evaluate-rectangles "$bin/vae-eval" --run "$run" --test-input "$rectangles/images.idx" --compare-run "$plain" \
  --out "$run/rectangles/metrics.json" --judge "$judge" --threads "$threads" "${eval_args[@]}"
for masks in square rectangles; do
  test=$square
  [ $masks = rectangles ] && test=$rectangles
  stage "evaluate-prior-$masks" "$bin/vae-eval" --run "$run-prior-$masks" --test-input "$test/images.idx" \
    --compare-run "$plain" --denoiser-run "$run-denoise-$masks" --judge "$judge" --threads "$threads" "${eval_args[@]}"
  stage "render-prior-$masks" "$bin/vae-render" --run "$run-prior-$masks" --test-input "$test/images.idx" \
    --out "artifacts/render/$name-prior-$masks"
done
stage render "$bin/vae-render" --run "$run" --test-input "$square/images.idx" --out "artifacts/render/$name"
stage render-rectangles "$bin/vae-render" --run "$run" --test-input "$rectangles/images.idx" \
  --out "artifacts/render/$name-rectangles"

report_runs

echo
echo "$pipeline: done in $(( $(date +%s) - start )) s"
echo "  all runs: artifacts/report/index.html"
echo "  figures: artifacts/render/$name/index.html (centre square), artifacts/render/$name-rectangles/index.html"
echo "  metrics: $run/metrics.json (centre square), $run/rectangles/metrics.json (rectangles)"
echo "  learned prior: $run-prior-square/metrics.json (centre square), $run-prior-rectangles/metrics.json (rectangles)"
echo "  figures: artifacts/render/$name-prior-square/index.html, artifacts/render/$name-prior-rectangles/index.html"
