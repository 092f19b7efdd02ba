#!/usr/bin/env bash
# Records or checks what the four pipelines produce, so that a restructuring
# can show its outputs are bitwise the same as before.
#
#   scripts/compare-outputs.sh record DIR   run the pipelines (--quick), store their outputs in DIR
#   scripts/compare-outputs.sh check DIR    run them again and compare with DIR; exit 1 on any difference
#
# The pipelines run in a scratch copy (its own artifacts/) with this checkout's
# release executables and the MNIST files of ../shared/data/mnist (or
# $MNIST_MIRROR). What is kept, in DIR/<file>.txt digests and copies:
# - every metrics.json, without its wall-clock "seconds";
# - every log.csv, without the seconds and samples_per_s columns;
# - the SHA-256 of every tensor of every run's newest checkpoint (the epoch
#   sums' wall-clock seconds left out) and the config in its metadata;
# - the SHA-256 of every PNG and SVG the renders wrote.
# Timings differ from run to run; everything else must not.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-}
dir=${2:-}
case $mode in record | check) ;; *)
  echo "usage: $0 record|check DIR" >&2
  exit 64
  ;;
esac
[ -n "$dir" ] || { echo "$0: give the folder of recorded outputs" >&2; exit 64; }

(cd "$root" && swift build -c release 2>&1 | grep -E "error|Build complete" | tail -2)
bin=$(cd "$root" && swift build -c release --show-bin-path)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$root/pipelines" "$root/scripts" "$scratch/"
mirror=${MNIST_MIRROR:-$root/../shared/data/mnist}
for pipeline in denoise generate inpaint manifold; do
  echo "==> $pipeline.sh --quick"
  (cd "$scratch" && DIGITVAE_BIN=$bin MNIST_MIRROR=$mirror pipelines/$pipeline.sh --quick >"$scratch/$pipeline.log" 2>&1) || {
    tail -5 "$scratch/$pipeline.log" >&2
    exit 1
  }
done

out=$scratch/outputs
mkdir -p "$out"
python3 - "$scratch/artifacts" "$out" <<'EOF'
import hashlib, json, os, struct, sys

artifacts, out = sys.argv[1], sys.argv[2]

def strip_seconds(value):
    if isinstance(value, dict):
        return {k: strip_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [strip_seconds(v) for v in value]
    return value

def write(name, text):
    with open(os.path.join(out, name.replace("/", "__") + ".txt"), "w") as f:
        f.write(text)

def checkpoint_digest(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    lines = []
    for name in sorted(k for k in header if k != "__metadata__"):
        start, end = header[name]["data_offsets"]
        raw = body[start:end]
        if name == "train.epoch_sums":
            raw = raw[:32]  # total, recon, kl, images; not the seconds
        lines.append(f"{name} {header[name]['dtype']} {header[name]['shape']} {hashlib.sha256(raw).hexdigest()}")
    lines.append("config " + hashlib.sha256(header["__metadata__"]["config"].encode()).hexdigest())
    return "\n".join(lines) + "\n"

for top, folders, files in os.walk(artifacts):
    folders.sort()
    rel = os.path.relpath(top, artifacts)
    for f in sorted(files):
        path = os.path.join(top, f)
        name = os.path.join(rel, f)
        if f == "metrics.json":
            write(name, json.dumps(strip_seconds(json.load(open(path))), indent=1, sort_keys=True))
        elif f == "log.csv":
            rows = [line.split(",") for line in open(path).read().splitlines()]
            keep = [i for i, h in enumerate(rows[0]) if h not in ("seconds", "samples_per_s")]
            write(name, "\n".join(",".join(r[i] for i in keep) for r in rows) + "\n")
        elif f.endswith((".png", ".svg")):
            write(name, hashlib.sha256(open(path, "rb").read()).hexdigest() + "\n")
    if os.path.basename(top) == "checkpoints":
        steps = sorted(f for f in files if f.startswith("step-") and f.endswith(".safetensors"))
        if steps:
            write(os.path.join(rel, "newest-checkpoint"), checkpoint_digest(os.path.join(top, steps[-1])))
EOF
count=$(ls "$out" | wc -l)
if [ "$mode" = record ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$out"/* "$dir/"
  echo "recorded $count outputs in $dir"
else
  if diff -r "$dir" "$out" >"$scratch/diff" 2>&1; then
    echo "identical: all $count outputs match $dir"
  else
    cat "$scratch/diff" | head -60
    echo "$0: outputs differ from $dir (above)" >&2
    exit 1
  fi
fi
