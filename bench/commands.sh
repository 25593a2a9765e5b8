#!/usr/bin/env bash
# The plugin contract's torch-free paths (issue 13): whole-process time of
# `modelzoo list` and of `modelzoo run NAME --help` (a plugin command's
# options, read from the manifest without loading the plugin or LibTorch),
# with the in-tree plugins (vision, lut), registry cache warm. The cold start
# of `modelzoo run resnet50` is plugins/vision/bench/run_bench.sh's.
# Prints a markdown table. Usage: bench/commands.sh [BUILD_DIR]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
cli="$build/bin/modelzoo"
[ -x "$cli" ] || { echo "build first: $cli missing" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (scripts/install-deps.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MODELZOO_HOME="$work/home" XDG_CACHE_HOME="$work/cache" MODELZOO_TRUST=off
"$cli" list > /dev/null  # fills the registry cache

row() {  # name, command...
  local name=$1; shift
  hyperfine -N --style none --warmup 3 --min-runs 50 --export-json "$work/r.json" "$*" >/dev/null 2>&1
  /usr/bin/python3 - "$name" "$work/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))["results"][0]
print(f"| {sys.argv[1]} | {r['median']*1e3:.1f} | {r['min']*1e3:.1f} | {r['max']*1e3:.1f} | {len(r['times'])} |")
PY
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command (whole process, warm registry cache) | median ms | min ms | max ms | runs |"
echo "|---|---:|---:|---:|---:|"
row "modelzoo list" "$cli" list
row "modelzoo list --task image-classification" "$cli" list --task image-classification
row "modelzoo run --help" "$cli" run --help
row "modelzoo run resnet50 --help" "$cli" run resnet50 --help
row "modelzoo run lut/fashion_mnist_small --help" "$cli" run lut/fashion_mnist_small --help
row "modelzoo train lut --help" "$cli" train lut --help
if ldd "$cli" | grep -q libtorch; then echo "(modelzoo links LibTorch!)"; fi
