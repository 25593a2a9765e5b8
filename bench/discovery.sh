#!/usr/bin/env bash
# Discovery benchmark (issue 2): whole-process time of `modelzoo list` with
# the in-tree plugins, with 1, 100 and 1000 plugins (stripped copies of the
# toy plugin), against `import torchvision; list_models()` in Python.
# Prints a markdown table. Usage: bench/discovery.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
cli="$build/bin/modelzoo"
toy="$build/tests/plugins/good/toy.so"
[ -x "$cli" ] && [ -f "$toy" ] || { echo "build first: $cli or $toy missing" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (scripts/install-deps.sh)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip -o "$work/toy.so" "$toy"
for n in 1 100 1000; do
  mkdir -p "$work/p$n"
  for i in $(seq -w 1 "$n"); do cp "$work/toy.so" "$work/p$n/toy_$i.so"; done
done

run() {  # name, command...
  local name=$1; shift
  hyperfine --style none --warmup 3 --min-runs 20 --export-json "$work/r.json" "$*" >/dev/null 2>&1
  /usr/bin/python3 - "$name" "$work/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))["results"][0]
print(f"| {sys.argv[1]} | {r['median']*1e3:.1f} | {r['min']*1e3:.1f} | {r['max']*1e3:.1f} |")
PY
}

echo "| what | median ms | min ms | max ms |"
echo "|---|---:|---:|---:|"
run "modelzoo list (in-tree toy plugin)" "MODELZOO_PLUGIN_PATH=$build/tests/plugins/good $cli list"
for n in 1 100 1000; do
  run "modelzoo list, $n plugins" "MODELZOO_PLUGIN_PATH=$work/p$n $cli list"
done
# Python reference: fewer runs, it takes seconds.
hyperfine --style none --warmup 1 --runs 5 --export-json "$work/r.json" \
  "/usr/bin/python3 -c 'import torchvision; torchvision.models.list_models()'" >/dev/null 2>&1
/usr/bin/python3 - "$work/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"| python: import torchvision; list_models() | {r['median']*1e3:.1f} | {r['min']*1e3:.1f} | {r['max']*1e3:.1f} |")
PY
