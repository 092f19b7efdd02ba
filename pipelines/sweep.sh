#!/usr/bin/env bash
# A sweep: every point of a grid file ({data set, model kind, corruption,
# level, latent size, beta, seed}) trained, evaluated and rendered by the
# stages, with the report across runs at the end, run by Snakemake
# (pipelines/sweep/Snakefile; docs/SWEEPS.md). Snakemake skips what is up to
# date, runs -j jobs at once and gives each --threads; on a cluster a profile
# sends the same jobs to the scheduler. Every file goes under artifacts/.
set -euo pipefail
pipeline=sweep.sh
root=$(cd "$(dirname "$0")/.." && pwd)
caller=$(pwd)
cd "$root"
source pipelines/common.sh

usage() {
  cat <<USAGE
usage: pipelines/sweep.sh [options] [-- snakemake options]
  --grid FILE     the grid of runs (default \$SWEEP_GRID or pipelines/sweep/grid.yaml; format in docs/SWEEPS.md)
  -j, --jobs N    jobs at once (default: one per core)
  --cores N       cores Snakemake may use on this machine (default: all, $(nproc))
  --threads T     --threads of every stage (default \$THREADS or cores / jobs, at least 1)
  --profile DIR   a Snakemake profile, e.g. pipelines/sweep/profiles/slurm to submit the jobs to Slurm
  -n, --dry-run   list the jobs that would run, run none
  -h, --help      this text
Options after -- go to Snakemake as they are (e.g. -- --keep-going, -- --forcerun evaluate).
USAGE
}

grid=${SWEEP_GRID:-pipelines/sweep/grid.yaml}
cores=$(nproc)
jobs=
threads=${THREADS:-}
profile=
dry_run=()
passed=()
while [ $# -gt 0 ]; do
  case $1 in
    --grid|-j|--jobs|--cores|--threads|--profile)
      [ $# -ge 2 ] || { echo "$pipeline: $1 needs a value" >&2; usage >&2; exit 64; } ;;&
    --grid) grid=$2; shift 2 ;;
    -j|--jobs) jobs=$2; shift 2 ;;
    --cores) cores=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    -n|--dry-run) dry_run=(--dry-run); shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; passed=("$@"); break ;;
    *) echo "$pipeline: unknown option $1" >&2; usage >&2; exit 64 ;;
  esac
done
for pair in "jobs:${jobs:-1}" "cores:$cores" "threads:${threads:-1}"; do
  case ${pair#*:} in
    ''|*[!0-9]*|0) echo "$pipeline: --${pair%%:*} must be a whole number >= 1, got '${pair#*:}'" >&2; exit 64 ;;
  esac
done
# --grid is taken from where the script was called; the paths inside the grid, like every
# stage's, from the package folder.
if [ "$caller" != "$root" ] && [ "${grid#/}" = "$grid" ] && [ -e "$caller/$grid" ]; then grid=$caller/$grid; fi
jobs=${jobs:-$cores}
# Each job gets cores / jobs threads; Snakemake then runs at most cores / threads jobs at once
# (every rule declares `threads:`), so -j 2 on two cores never runs more than two threads.
threads=${threads:-$(( cores / jobs > 0 ? cores / jobs : 1 ))}

# The engine: Snakemake from PyPI at the version scripts/setup.sh pins, installed by it when
# missing. `python3 -m snakemake` works whether or not pip put its console script on PATH.
engine=(python3 -m snakemake)
engine_version() { python3 -c 'import importlib.metadata as m; print(m.version("snakemake"))' 2>/dev/null; }
"$root/scripts/setup.sh" --with-engine
version=$(engine_version) || {
  echo "$pipeline: Snakemake is not installed; run scripts/setup.sh --with-engine" >&2
  exit 1
}

start=$(date +%s)
# MNIST comes from where the other pipelines get it ($MNIST_MIRROR, else ../shared/data/mnist:
# common.sh's fetch_args) unless the grid names a source; other data sets from the grid's sources.
dataset=mnist mirror='' checksums=''
fetch_args
mnist_mirror=$(printf '%s\n' "${fetch_options[@]}" | sed -n '/^--mirror$/{n;p;}')
# A bad grid stops here with one line, before anything is built or run.
python3 pipelines/sweep/grid.py check "$grid" "${mnist_mirror:-}" || exit 2

prepare_stages vae-fetch vae-decompress vae-corrupt vae-classify vae-train vae-eval vae-render

at_once=$(( cores / threads > 0 ? cores / threads : 1 ))
echo "==> snakemake $version: $( [ -n "$profile" ] && echo "profile $profile" || echo "up to $at_once jobs at once on $cores cores"), --threads $threads per job"
placement=(--cores "$cores")
# With a profile the scheduler places the jobs (the profile's `jobs:` caps how many at once);
# --cores then only caps each job's threads, which would otherwise be cut to 1.
[ -n "$profile" ] && placement=(--profile "$profile" --cores "$threads")
"${engine[@]}" --snakefile pipelines/sweep/Snakefile --directory "$root" "${placement[@]}" \
  --config grid="$grid" bin="$bin" threads="$threads" mnist_mirror="${mnist_mirror:-}" \
  --printshellcmds --rerun-incomplete "${dry_run[@]}" "${passed[@]}" || {
  echo "$pipeline: the sweep stopped; fix the cause and run it again (finished jobs are skipped)" >&2
  exit 1
}

[ ${#dry_run[@]} -gt 0 ] && exit 0
echo
echo "$pipeline: done in $(( $(date +%s) - start )) s"
echo "  all runs: artifacts/report/index.html"
echo "  each run: artifacts/runs/<name>/metrics.json, artifacts/render/<name>/index.html"
