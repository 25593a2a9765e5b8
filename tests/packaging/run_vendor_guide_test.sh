#!/usr/bin/env bash
# docs/vendor-guide.md, run as written: its files are extracted, its commands
# run against modelzoo installed to a temporary prefix; then the plugin is
# tampered with (refused, with the reason) and the downgrade ledger reset.
set -euo pipefail
build_dir=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LD_LIBRARY_PATH MODELZOO_PLUGIN_PATH MODELZOO_TRUST

export MODELZOO_PREFIX="$work/modelzoo" SRC="$work/src" BUILD="$work/build" KEYS="$work/keys"
export ACME_PREFIX="$work/acme" HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
export MODELZOO_HOME="$work/home/cache" CMAKE_GENERATOR=Ninja
cmake --install "$build_dir" --prefix "$MODELZOO_PREFIX" > "$work/install.log"
/usr/bin/python3 "$here/extract_guide.py" "$here/../../docs/vendor-guide.md" "$SRC" > /dev/null
export PATH="$MODELZOO_PREFIX/bin:$PATH"
output=$(bash -euo pipefail "$SRC/run.sh" 2>"$work/run.err") || { cat "$work/run.err"; exit 1; }
echo "$output" | tail -4
grep -Eq "^ *1 +3 *$" <<<"$output" || { echo "no row 1 -> 3" >&2; exit 1; }
grep -Eq "^ *2.5 +7.5 *$" <<<"$output" || { echo "no row 2.5 -> 7.5" >&2; exit 1; }
if grep -qi "warn" "$work/run.err"; then
  echo "the signed vendor plugin ran with a warning:" >&2; cat "$work/run.err" >&2; exit 1
fi

plugin="$ACME_PREFIX/lib/modelzoo/plugins/acme.so"
[ -f "$plugin.sig" ] || { echo "no signature installed beside $plugin" >&2; exit 1; }
# The weights came from the vendor's own prefix, not a build tree.
rm -rf "$BUILD" "$SRC"
export MODELZOO_PLUGIN_PATH="$ACME_PREFIX/lib/modelzoo/plugins"  # as run.sh did
MODELZOO_TRUST=require modelzoo run acme/scale --vector 2 | grep -Eq "^ *2 +6 *$"

# Tampered after install: refused under require, with the reason.
cp "$plugin" "$work/acme.so.good"
printf 'x' >> "$plugin"
if MODELZOO_TRUST=require modelzoo run acme/scale --vector 1 2>"$work/tampered.err"; then
  echo "a tampered plugin ran" >&2; exit 1
fi
grep -q "tampered" "$work/tampered.err" || { cat "$work/tampered.err"; exit 1; }
cp "$work/acme.so.good" "$plugin"

# An unsigned copy after a signed one was accepted: refused even under warn,
# until `trust forget` resets the ledger for the family.
rm "$plugin.sig"
if MODELZOO_TRUST=warn modelzoo run acme/scale --vector 1 2>"$work/unsigned.err"; then
  echo "an unsigned copy of an accepted signed plugin ran" >&2; exit 1
fi
grep -q "accepted with a valid signature before" "$work/unsigned.err" || { cat "$work/unsigned.err"; exit 1; }
modelzoo trust forget acme | grep -q "forgot acme"
MODELZOO_TRUST=warn modelzoo run acme/scale --vector 1 2>"$work/forgot.err" | grep -Eq "^ *1 +3 *$"
grep -q "unsigned" "$work/forgot.err"  # loads, with the warning
echo "vendor guide test passed"
