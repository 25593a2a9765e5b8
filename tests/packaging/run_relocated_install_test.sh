#!/usr/bin/env bash
# An install away from the build tree: installed to a temporary prefix,
# then moved; no LD_LIBRARY_PATH, no file naming the source or build tree,
# and the first-party families load signed under MODELZOO_TRUST=require,
# the lut family with its shipped weights.
set -euo pipefail
build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LD_LIBRARY_PATH MODELZOO_PLUGIN_PATH MODELZOO_TRUST MODELZOO_SCANNER
export MODELZOO_HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"

cmake --install "$build_dir" --prefix "$work/installed" > /dev/null
mv "$work/installed" "$work/moved"
prefix="$work/moved"
if grep -rlF -e "$source_dir" -e "$build_dir" -e "$work/installed" "$prefix"; then
  echo "the installed files above name the source, build or install directory" >&2
  exit 1
fi
cli="$prefix/bin/modelzoo"
plugins=$(MODELZOO_TRUST=require "$cli" plugins)
echo "$plugins"
for family in vision lut; do
  grep -E "modelzoo_$family.so +$family .*signed by modelzoo .* ok" <<<"$plugins" > /dev/null \
    || { echo "$family is not loaded signed from the moved install" >&2; exit 1; }
done
# Outputs are read whole before grep -q: grep stops at its match, and the
# CLI's next write would then die of SIGPIPE, failing the pipe.
listing=$("$cli" list)
grep -q "lut/fashion_mnist_small" <<<"$listing"
MODELZOO_TRUST=require "$cli" run lut/fashion_mnist_small --idx-index 0 --json \
  > "$work/run.json" 2> "$work/run.err" || { cat "$work/run.err"; exit 1; }
grep -q '"task": "image-classification"' "$work/run.json"
if [ -s "$work/run.err" ]; then
  echo "run printed on stderr:" >&2; cat "$work/run.err" >&2; exit 1
fi
# The weights came from the moved install's share/modelzoo.
grep -q "fashion_mnist_small" <<<"$("$cli" --json cache ls)"
grep -q "installed at $prefix" <<<"$("$cli" --version)"
echo "relocated install test passed"
