#!/usr/bin/env bash
# Discovery benchmark (issues 2 and 5): whole-process time of `modelzoo list`
# with the in-tree plugins and with 1, 100 and 1000 plugins (stripped copies
# of the toy plugin, each signed) — warm (registry cache filled), cold (no
# cache: every plugin read, hashed and load-tested in the scanner process),
# cold with signature verification (MODELZOO_TRUST=require, key trusted) —
# against `import torchvision; list_models()` in Python. Prints a markdown
# table. Usage: bench/discovery.sh [BUILD_DIR]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
cli="$build/bin/modelzoo"
toy="$build/tests/plugins/good/toy.so"
[ -x "$cli" ] && [ -f "$toy" ] || { echo "build first: $cli or $toy missing" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (scripts/install-deps.sh)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config"
strip -o "$work/toy.so" "$toy"
"$cli" keys generate bench --dir "$work/keys" >/dev/null
"$cli" sign "$work/toy.so" --key "$work/keys/bench.key" >/dev/null
"$cli" trust add "$work/keys/bench.pub" --scope toy >/dev/null
for n in 1 100 1000; do
  mkdir -p "$work/p$n"
  for i in $(seq -w 1 "$n"); do
    cp "$work/toy.so" "$work/p$n/toy_$i.so"
    cp "$work/toy.so.sig" "$work/p$n/toy_$i.so.sig"
  done
done

row() {  # name, hyperfine args...
  local name=$1; shift
  hyperfine -N --style none --export-json "$work/r.json" "$@" >/dev/null 2>&1
  /usr/bin/python3 - "$name" "$work/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))["results"][0]
print(f"| {sys.argv[1]} | {r['median']*1e3:.1f} | {r['min']*1e3:.1f} | {r['max']*1e3:.1f} | {len(r['times'])} |")
PY
}

echo "| what | median ms | min ms | max ms | runs |"
echo "|---|---:|---:|---:|---:|"
home="$work/home"
row "list, in-tree toy plugin, warm" --warmup 3 --min-runs 30 \
  "env MODELZOO_HOME=$home MODELZOO_PLUGIN_PATH=$build/tests/plugins/good $cli list"
for n in 1 100 1000; do
  dir="$work/p$n"
  runs=$([ "$n" = 1000 ] && echo 3 || echo 5)
  row "list, $n plugins, warm (cache)" --warmup 3 --min-runs 20 \
    "env MODELZOO_HOME=$home-$n MODELZOO_PLUGIN_PATH=$dir $cli list"
  row "list, $n plugins, cold (no cache, probed)" --runs "$runs" --prepare "rm -rf $home-c$n" \
    "env MODELZOO_HOME=$home-c$n MODELZOO_TRUST=off MODELZOO_PLUGIN_PATH=$dir $cli list"
  row "list, $n plugins, cold, signatures verified" --runs "$runs" --prepare "rm -rf $home-v$n" \
    "env MODELZOO_HOME=$home-v$n MODELZOO_TRUST=require MODELZOO_PLUGIN_PATH=$dir $cli list"
  row "list, $n plugins, warm, signatures verified" --warmup 3 --min-runs 20 \
    "env MODELZOO_HOME=$home-w$n MODELZOO_TRUST=require MODELZOO_PLUGIN_PATH=$dir $cli list"
done
row "python: import torchvision; list_models()" --warmup 1 --runs 5 \
  "/usr/bin/python3 -c 'import torchvision; torchvision.models.list_models()'"
