#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds a vendor
# plugin, its test and an app against the installed package (CMake and
# pkg-config) and checks that they work together.
set -euo pipefail
build_dir=$1
source_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME="$work/state"  # a downgrade ledger of the test's own

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$source_dir/consumer" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }

# No LD_LIBRARY_PATH: CMake's build RUNPATH finds the installed libraries.
unset LD_LIBRARY_PATH
output=$("$work/build/consumer_app" "$work/build")
echo "$output"
grep -qx "entrypoint vendor/scale" <<<"$output"
grep -qx "output 6" <<<"$output"
grep -qx "image output 36" <<<"$output"

# modelzoo_add_plugin's TESTS for a vendor: one CTest test, labelled with the family.
ctest --test-dir "$work/build" -L vendor --output-on-failure > "$work/ctest.log" \
  || { cat "$work/ctest.log"; exit 1; }
grep -q "100% tests passed, 0 tests failed out of 1" "$work/ctest.log" \
  || { cat "$work/ctest.log"; exit 1; }

# The torch-free host through pkg-config alone.
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
g++ -std=c++17 "$source_dir/consumer/pkgconfig_app.cpp" -o "$work/pkgconfig_app" \
  $(pkg-config --cflags --libs modelzoo) -Wl,-rpath,"$work/prefix/lib"
found=$("$work/pkgconfig_app" "$work/build")
echo "$found"
[ "$found" = $'found 1 entrypoints\ntokens 3' ]
if ldd "$work/pkgconfig_app" | grep -q libtorch; then
  echo "pkg-config app links LibTorch" >&2
  exit 1
fi
# The model side through pkg-config alone: the same app as CMake built.
g++ -std=c++17 "$source_dir/consumer/app.cpp" -o "$work/pkgconfig_torch_app" \
  $(pkg-config --cflags --libs modelzoo-torch) -Wl,-rpath,"$work/prefix/lib"
[ "$("$work/pkgconfig_torch_app" "$work/build")" = "$output" ] \
  || { echo "the pkg-config build of the app printed something else" >&2; exit 1; }
# The installed CLI lists the vendor plugin from the install's layout.
# Read whole before grep -q, which would stop the CLI mid-write (SIGPIPE).
listing=$(MODELZOO_PLUGIN_PATH="$work/build" "$work/prefix/bin/modelzoo" list)
grep -q "vendor/scale" <<<"$listing"
# The vendor's own task and option through the installed CLI: a table, and
# --json (the model has no weights: --random-init builds it from its config).
cli() { MODELZOO_PLUGIN_PATH="$work/build" MODELZOO_TRUST=off MODELZOO_HOME="$work/home" \
          "$work/prefix/bin/modelzoo" "$@"; }
table=$(cli run vendor/scale --random-init --vector 1 2.5 --round-to 1 -c factor=3)
echo "$table"
grep -Eq "^ *1 +2.5 +7.5 *$" <<<"$table" || { echo "no scaled row in the table" >&2; exit 1; }
json=$(cli run vendor/scale --random-init --vector 0.5 --json)
grep -q '"output": 1.0' <<<"$json" || { echo "no JSON result: $json" >&2; exit 1; }
grep -q '"task": "vector-scaling"' <<<"$json"
# Its --help comes from the manifest, without loading LibTorch.
help=$(LD_DEBUG=libs cli run vendor/scale --help 2>"$work/ld.log")
grep -q -- "--round-to" <<<"$help" && grep -q "Decimal places" <<<"$help"
if grep -q "libtorch" "$work/ld.log"; then
  echo "run vendor/scale --help loaded LibTorch" >&2
  exit 1
fi
# A missing required option is refused before anything loads.
if cli run vendor/scale --random-init 2>"$work/err.log"; then
  echo "run without --vector succeeded" >&2
  exit 1
fi
grep -q -- "--vector" "$work/err.log"
echo "packaging test passed"
