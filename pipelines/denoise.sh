#!/usr/bin/env bash
# The main job: fetch MNIST, corrupt it, train a denoising VAE (corrupted
# input, clean target), evaluate it against the corrupted input and a median
# filter (with the judge classifier, and over a sweep of corruption levels),
# and render the figures. Every file goes under artifacts/; re-running
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
  echo "  --levels L,...  levels of the evaluation's sweep (default \$LEVELS or a list for the kind; none for half, mixed)"
  common_usage
}
extra_option() {
  case $1 in
    --kind) kind=$2; consumed=2 ;;
    --level) level=$2; consumed=2 ;;
    --levels) levels=$2; consumed=2 ;;
  esac
}

# sweep_levels KIND: the levels vae-eval --levels sweeps for KIND, from mild to
# well beyond vae-corrupt's default; three of them with --quick. Empty for the
# kinds without a level (half, mixed).
sweep_levels() {
  local full short
  case $1 in
    gaussian) full=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9 short=0.2,0.5,0.8 ;;
    salt-pepper) full=0.05,0.1,0.15,0.2,0.25,0.3,0.4,0.5,0.6 short=0.1,0.25,0.5 ;;
    zero) full=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8 short=0.2,0.5,0.8 ;;
    square) full=4,6,8,10,12,14,16,18 short=6,10,14 ;;
    rectangles) full=1,2,3,4,5,6 short=1,3,5 ;;
    band) full=0.1,0.2,0.3,0.4,0.5,0.6 short=0.1,0.3,0.5 ;;
    *) full= short= ;;
  esac
  if [ "$quick" = 1 ]; then echo "$short"; else echo "$full"; fi
}

epochs=20
name=
name_help="denoise-<kind>"
kind=${KIND:-gaussian}
level=${LEVEL:-}
levels=${LEVELS:-}
parse_options "$@"
name=${name:-denoise-$kind}
apply_quick
level_args=()
[ -n "$level" ] && level_args=(--level "$level")
levels=${levels:-$(sweep_levels "$kind")}
levels_args=()
[ -n "$levels" ] && levels_args=(--levels "$levels")

start=$(date +%s)
prepare_stages vae-fetch vae-decompress vae-corrupt vae-classify vae-train vae-eval vae-render

run=artifacts/runs/$name
fetch_data
stage corrupt-train "$bin/vae-corrupt" --images "$data"/train-images.idx --kind "$kind" "${level_args[@]}" \
  --seed "$seed" --out "artifacts/corrupt/$name-train"
# The test set gets its own noise stream (seed + 1000) so no pattern is shared with training.
stage corrupt-test "$bin/vae-corrupt" --images "$data"/test-images.idx --kind "$kind" "${level_args[@]}" \
  --seed $((seed + 1000)) --out "artifacts/corrupt/$name-test"
train_judge

stage train "$bin/vae-train" $(train_mode "$run") --data "$data" --run "$run" \
  --input "artifacts/corrupt/$name-train/images.idx" --test-input "artifacts/corrupt/$name-test/images.idx" \
  --epochs "$epochs" --seed "$seed" --threads "$threads" --snapshot-images 10 "${limit[@]}"
[ -z "$levels" ] && echo "$pipeline: $kind has no level, so the evaluation sweeps none"
stage evaluate "$bin/vae-eval" --run "$run" --threads "$threads" --judge "$judge" "${levels_args[@]}"
stage render "$bin/vae-render" --run "$run" --out "artifacts/render/$name"

report_runs

echo
echo "$pipeline: done in $(( $(date +%s) - start )) s"
echo "  all runs: artifacts/report/index.html"
echo "  figures: artifacts/render/$name/index.html"
echo "  metrics: $run/metrics.json${levels:+, level sweep: $run/levels.csv and levels.svg}"
