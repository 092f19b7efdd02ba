#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time: scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]
#
# Targets (Tests/Fuzz/<target>): fuzz-idx, fuzz-gzip, fuzz-safetensors, fuzz-json; "all"
# runs each in turn. The targets are built by SwiftPM with -sanitize=fuzzer,address in their
# own build folder (.build/fuzz), declared only when DIGITVAE_FUZZ is set, so the normal
# build never sees them. The seed corpus is made from real files by scripts/fuzz-seeds.sh
# (MNIST from ../shared/data/mnist or $MNIST_MIRROR when present, small synthetic files
# otherwise) into .build/fuzz-seeds/<target>; what libFuzzer finds grows
# .build/fuzz-corpus/<target>/found, kept between runs. A crash is written to
# .build/fuzz-crashes/<target>/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(fuzz-idx fuzz-gzip fuzz-safetensors fuzz-json)
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options]; TARGET is one of ${targets[*]} or all" >&2
  exit 64
fi
target=$1 seconds=$2
shift 2
if [ "$target" = all ]; then
  for t in "${targets[@]}"; do "$0" "$t" "$seconds" "$@"; done
  exit 0
fi
case " ${targets[*]} " in *" $target "*) ;; *) echo "fuzz.sh: unknown target $target (known: ${targets[*]})" >&2; exit 64 ;; esac

# libFuzzer and ASan come with the Swift toolchain, not from Debian.
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")
if ! ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
  echo "fuzz.sh: no libFuzzer runtime in the Swift toolchain at $toolchain (expected lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a); use a swift.org toolchain" >&2
  exit 1
fi

export DIGITVAE_FUZZ=1
build=.build/fuzz
swift build --scratch-path "$build" --product "$target" \
  -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -v "Cannot export local symbol" >&2
binary=$(swift build --scratch-path "$build" --show-bin-path)/$target

corpus=.build/fuzz-corpus/$target
crashes=.build/fuzz-crashes/$target
mkdir -p "$corpus/found" "$crashes"
scripts/fuzz-seeds.sh .build/fuzz-seeds

# ASan: a leak is not a crash here (the Swift runtime keeps metadata caches alive).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
# The Swift runtime's own crash reporter faults under ASan; libFuzzer prints the stack of a trap.
export SWIFT_BACKTRACE=enable=no
dict=Tests/Fuzz/$target/$target.dict
options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/")
[ -f "$dict" ] && options+=(-dict="$dict")
echo "==> $target for $seconds s (corpus $corpus)" >&2
"$binary" "${options[@]}" "$@" "$corpus/found" ".build/fuzz-seeds/$target"
