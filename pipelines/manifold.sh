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

data=artifacts/data/mnist
run=artifacts/runs/$name
fetch_data

# A plain VAE (the bench model's 400 hidden units) with a 2-D code, so its latent space can be drawn whole.
stage train "$bin/vae-train" $(train_mode "$run") --data $data --run "$run" --latent 2 \
  --epochs "$epochs" --seed "$seed" --threads "$threads" --snapshot-images 10 "${limit[@]}"
stage evaluate "$bin/vae-eval" --run "$run" --threads "$threads"
# vae-render draws manifold.png and latent-scatter.svg for a plain VAE with a 2-D code.
# (Per-label canvases of a 2-D CVAE beside it are not drawn yet.)
stage render "$bin/vae-render" --run "$run" --out "artifacts/render/$name" --manifold-grid "$grid" --threads "$threads"

echo
echo "$pipeline: done in $(( $(date +%s) - start )) s"
echo "  figures: artifacts/render/$name/index.html (manifold.png, latent-scatter.svg)"
echo "  metrics: $run/metrics.json"
