#!/usr/bin/env bash
# Makes the seed files of the fuzz targets and of the malformed-input campaign from real
# files, with the project's own stages: scripts/fuzz-seeds.sh OUT
#
# OUT/real: MNIST decompressed by vae-decompress (from $MNIST_MIRROR or ../shared/data/mnist;
# small synthetic digits when neither is there), cut to a few images, a tiny run trained on
# them by vae-train (config.json, a checkpoint), vae-corrupt's spec.json for several kinds,
# vae-eval's metrics.json, the stage manifests, a judge config. Then one folder per fuzz
# target (OUT/fuzz-idx, OUT/fuzz-gzip, OUT/fuzz-safetensors, OUT/fuzz-json) of files under
# 64 KiB. Nothing is rebuilt when OUT/real/done exists. Needs python3 and the stage
# executables: those of `swift build`, or the folder in $DIGITVAE_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/fuzz-seeds.sh OUT}
[ -f "$out/real/done" ] && exit 0
if [ -n "${DIGITVAE_BIN:-}" ]; then
  bin=$DIGITVAE_BIN  # already built (the test suite passes its own)
else
  unset DIGITVAE_FUZZ  # the stages, not the fuzz targets (which need the sanitizer flags)
  swift build >&2
  bin=$(swift build --show-bin-path)
fi
real=$out/real
rm -rf "$real"
mkdir -p "$real/raw" "$real/data" "$out"/{fuzz-idx,fuzz-gzip,fuzz-safetensors,fuzz-json}

mirror=${MNIST_MIRROR:-../shared/data/mnist}
names=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
if [ -f "$mirror/t10k-images-idx3-ubyte.gz" ]; then
  for n in "${names[@]}"; do cp "$mirror/$n.gz" "$real/raw/"; done
  "$bin/vae-decompress" --raw "$real/raw" --data "$real/data" >/dev/null
  full=$real/data
else
  echo "fuzz-seeds: no MNIST mirror at $mirror; using synthetic digits" >&2
  full=""
fi

# Small IDX files (the first N items of the real ones), their gzip, a 64 KiB head of each real .gz.
python3 - "$real" "$full" <<'PY'
import gzip, os, struct, sys
real, full = sys.argv[1], sys.argv[2]
def idx(code, shape, payload):
    return bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape) + payload
def cut(path, n):
    data = open(path, "rb").read()
    rank = data[3]
    shape = list(struct.unpack(">%dI" % rank, data[4:4 + 4 * rank]))
    item = 1
    for d in shape[1:]: item *= d
    return idx(data[2], [n] + shape[1:], data[4 + 4 * rank: 4 + 4 * rank + n * item])
small = os.path.join(real, "small")
os.makedirs(small, exist_ok=True)
if full:
    sources = {"images": cut(os.path.join(full, "test-images.idx"), 16), "labels": cut(os.path.join(full, "test-labels.idx"), 16),
               "train-images": cut(os.path.join(full, "train-images.idx"), 512), "train-labels": cut(os.path.join(full, "train-labels.idx"), 512)}
else:
    def pixels(n): return bytes(((i // 784) * 7 + (i % 784) * 3) % 256 for i in range(n * 784))
    sources = {"images": idx(8, [16, 28, 28], pixels(16)), "labels": idx(8, [16], bytes(i % 10 for i in range(16))),
               "train-images": idx(8, [512, 28, 28], pixels(512)), "train-labels": idx(8, [512], bytes(i % 10 for i in range(512)))}
for name, data in sources.items():
    open(os.path.join(small, name + ".idx"), "wb").write(data)
# A folder shaped like artifacts/data/mnist for the stages, from the small files.
data = os.path.join(real, "small-data")
os.makedirs(data, exist_ok=True)
for split, prefix in (("test", ""), ("train", "train-")):
    for member in ("images", "labels"):
        open(os.path.join(data, "%s-%s.idx" % (split, member)), "wb").write(sources[prefix + member])
PY

# A tiny run on the small data: vae-train, vae-eval, vae-corrupt.
small=$real/small-data
"$bin/vae-train" --data "$small" --run "$real/run" --epochs 1 --hidden 2 --latent 1 --batch 64 --threads 1 >/dev/null
"$bin/vae-eval" --run "$real/run" --data "$small" --threads 1 >/dev/null
for kind in gaussian salt-pepper square rectangles band; do
  "$bin/vae-corrupt" --images "$small/test-images.idx" --kind "$kind" --out "$real/corrupt-$kind" --threads 1 >/dev/null
done

# Per target.
cp "$real/small/images.idx" "$real/small/labels.idx" "$real/small/train-labels.idx" "$out/fuzz-idx/"
cp "$real/corrupt-gaussian/images.idx" "$out/fuzz-idx/corrupted-images.idx"
cp "$real/corrupt-square/mask.idx" "$out/fuzz-idx/mask.idx"
python3 - "$real" "$out/fuzz-idx" "$out/fuzz-gzip" <<'PY'
import glob, gzip, os, struct, sys, zlib
real, idxdir, gzdir = sys.argv[1:]
for path in sorted(glob.glob(os.path.join(idxdir, "*.idx"))):
    data = open(path, "rb").read()
    name = os.path.basename(path)
    open(os.path.join(gzdir, name + ".gz"), "wb").write(gzip.compress(data, 6, mtime=0))
    open(os.path.join(gzdir, name + ".zlib"), "wb").write(zlib.compress(data[:8192]))
for path in sorted(glob.glob(os.path.join(real, "raw", "*.gz"))):
    open(os.path.join(gzdir, "head-" + os.path.basename(path)), "wb").write(open(path, "rb").read()[:65536])
# A float32 IDX too (the reader's other type).
open(os.path.join(idxdir, "floats.idx"), "wb").write(bytes([0, 0, 0x0D, 2]) + struct.pack(">II", 3, 4) + struct.pack(">12f", *[i / 7 for i in range(12)]))
PY
for f in "$real/run/checkpoints/"*.safetensors; do cp "$f" "$out/fuzz-safetensors/"; done
cp "$real/run/config.json" "$out/fuzz-json/config.json"
cp "$real/run/metrics.json" "$out/fuzz-json/metrics.json"
for kind in gaussian square rectangles band; do cp "$real/corrupt-$kind/spec.json" "$out/fuzz-json/spec-$kind.json"; done
i=0
for m in $(find "$real" -name '.*.manifest.json'); do cp "$m" "$out/fuzz-json/manifest-$i.json"; i=$((i + 1)); done
# A judge's metadata config, as vae-classify writes it (ClassifierConfig, sorted keys).
printf '%s' '{"batchSize":128,"classes":10,"hidden":[256,128],"inputs":784,"learningRate":0.001,"learningRateDecay":0.8,"seed":1}' \
  >"$out/fuzz-json/judge-config.json"
python3 - "$out/fuzz-safetensors" "$out/fuzz-json" <<'PY'
import glob, json, struct, sys
stdir, jsondir = sys.argv[1:]
# The checkpoint's header on its own, as JSON seed, and its metadata config.
for path in glob.glob(stdir + "/*.safetensors"):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = data[8:8 + n]
    open(jsondir + "/checkpoint-header.json", "wb").write(header.rstrip())
    open(jsondir + "/checkpoint-config.json", "w").write(json.loads(header)["__metadata__"]["config"])
PY
touch "$real/done"
