#!/usr/bin/env bash
# Train a plain VAE and a label-conditioned VAE (cvae), both with a 2-D latent
# code, on MNIST and draw what they learned side by side: the manifold canvases
# (decode(z) over a 20 x 20 mesh of codes; for the cvae one canvas per label)
# and the test set scattered in the latent plane by digit, plus the VAE's
# interpolations and reconstructions over training. Every file goes under artifacts/; re-running
# skips the stages whose outputs are up to date and continues an interrupted
# training from its newest checkpoint.
set -euo pipefail
pipeline=manifold.sh
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source pipelines/common.sh

usage() {
  echo "usage: pipelines/manifold.sh [options]"
  echo "  --grid G        manifold mesh: quantile (the normal's quantiles, default) or linear over [-4, 4]"
  common_usage
}
extra_option() {
  case $1 in
    --grid) grid=$2; consumed=2 ;;
  esac
}

epochs=20
name=manifold
grid=${GRID:-quantile}
parse_options "$@"
case $grid in
  quantile|linear) ;;
  *) echo "$pipeline: --grid must be quantile or linear, got $grid" >&2; exit 64 ;;
esac
apply_quick

start=$(date +%s)
prepare_stages vae-fetch vae-decompress vae-train vae-eval vae-render

run=artifacts/runs/$name
fetch_data

# A plain VAE (the bench model's 400 hidden units) with a 2-D code, so its latent space can be drawn whole,
# and a cvae of the same shape whose encoder and decoder are also given the digit's label.
cvae_run=artifacts/runs/$name-cvae
stage train "$bin/vae-train" $(train_mode "$run") --data "$data" --run "$run" --latent 2 \
  --epochs "$epochs" --seed "$seed" --threads "$threads" --snapshot-images 10 "${limit[@]}"
stage "train cvae" "$bin/vae-train" $(train_mode "$cvae_run") --model cvae --data "$data" --run "$cvae_run" --latent 2 \
  --epochs "$epochs" --seed "$seed" --threads "$threads" "${limit[@]}"
stage evaluate "$bin/vae-eval" --run "$run" --threads "$threads"
stage "evaluate cvae" "$bin/vae-eval" --run "$cvae_run" --threads "$threads"
# The cvae's own page (per-label canvases, scatter, generation grids), then the VAE's page with the cvae beside it.
stage "render cvae" "$bin/vae-render" --run "$cvae_run" --out "artifacts/render/$name-cvae" --manifold-grid "$grid" \
  --threads "$threads"
stage render "$bin/vae-render" --run "$run" --out "artifacts/render/$name" --manifold-grid "$grid" --beside "$cvae_run" \
  --threads "$threads"

report_runs

echo
echo "$pipeline: done in $(( $(date +%s) - start )) s"
echo "  all runs: artifacts/report/index.html"
echo "  figures: artifacts/render/$name/index.html (the VAE, with the cvae side by side),"
echo "           artifacts/render/$name-cvae/index.html (the cvae's own page)"
echo "  metrics: $run/metrics.json, $cvae_run/metrics.json"
