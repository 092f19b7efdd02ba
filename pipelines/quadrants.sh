#!/usr/bin/env bash
# The quadrant benchmark of Pyro's CVAE example: MNIST test images at
# intensities x/255 with 1, 2 or 3 quadrants observed (1: the bottom-left
# quadrant, rows 14-27 and columns 0-13; 2: the left half; 3: all but the
# bottom-right quadrant); the models predict the rest. For each setting it
# trains, with the same epochs and masks, a deterministic baseline (an MLP
# from the observed pixels trained with the masked BCE: --prior none) and a
# CVAE with a learned prior network (--prior learned), both with Pyro's
# hidden layers (500, 500; latent 20) and scoring only the hidden pixels
# (--loss hole), and evaluates both on the 10,000 test
# images: the Bernoulli NLL summed over the predicted pixels, nats per image
# (the baseline's masked BCE; the CVAE's negative conditional ELBO with 10
# samples and its importance-weighted estimate). Writes the table beside
# Pyro's published figures to artifacts/report/quadrants.md.
set -euo pipefail
pipeline=quadrants.sh
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source pipelines/common.sh

usage() {
  echo "usage: pipelines/quadrants.sh [options]"
  common_usage
}

epochs=20
name=quadrants
parse_options "$@"
apply_quick

start=$(date +%s)
prepare_stages vae-fetch vae-decompress vae-corrupt vae-classify vae-train vae-eval vae-render

fetch_data
train_judge
for q in 1 2 3; do
  # The masks are fixed (no randomness): the seed only names the file's stream.
  stage "corrupt-$q" "$bin/vae-corrupt" --images "$data"/test-images.idx --kind quadrants --level $q \
    --seed "$seed" --out "artifacts/corrupt/$name-$q-test"
  for model in baseline cvae; do
    run=artifacts/runs/$name-$q-$model
    prior=none
    [ $model = cvae ] && prior=learned
    # shellcheck disable=SC2046
    stage "train-$q-$model" "$bin/vae-train" $(train_mode "$run") --model inpaint --prior $prior --loss hole \
      --masks "quadrants-$q" --hidden 500,500 --data "$data" --run "$run" --epochs "$epochs" --seed "$seed" \
      --threads "$threads" "${limit[@]}"
  done
done
for q in 1 2 3; do
  for model in baseline cvae; do
    run=artifacts/runs/$name-$q-$model
    stage "evaluate-$q-$model" "$bin/vae-eval" --run "$run" --test-input "artifacts/corrupt/$name-$q-test/images.idx" \
      --judge "$judge" --threads "$threads" "${eval_args[@]}"
  done
  stage "render-$q" "$bin/vae-render" --run "artifacts/runs/$name-$q-cvae" \
    --test-input "artifacts/corrupt/$name-$q-test/images.idx" --baseline "artifacts/runs/$name-$q-baseline" \
    --out "artifacts/render/$name-$q"
done
stage table python3 pipelines/quadrants-table.py artifacts "$name"
report_runs

echo
echo "$pipeline: done in $(( $(date +%s) - start )) s"
echo "  table: artifacts/report/$name.md"
echo "  figures: artifacts/render/$name-{1,2,3}/index.html"
