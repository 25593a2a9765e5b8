#!/usr/bin/env bash
# The Debian packages: built by CPack from the build tree, then inspected —
# names, Depends covering every NEEDED library of every ELF file, stripped
# binaries, no path of the build machine, the conffile — and the runtime
# package extracted with dpkg -x and run from there without LD_LIBRARY_PATH.
set -euo pipefail
build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LD_LIBRARY_PATH MODELZOO_PLUGIN_PATH MODELZOO_TRUST MODELZOO_SCANNER
export MODELZOO_HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"

(cd "$work" && cpack --config "$build_dir/CPackConfig.cmake" -B "$work/pkg" > cpack.log 2>&1) \
  || { cat "$work/cpack.log"; exit 1; }
arch=$(dpkg --print-architecture)
runtime=$(ls "$work"/pkg/modelzoo_*_"$arch".deb)
dev=$(ls "$work"/pkg/modelzoo-dev_*_"$arch".deb)
echo "packages: $(basename "$runtime") $(basename "$dev")"

depends=$(dpkg-deb -f "$runtime" Depends)
echo "Depends: $depends"
grep -q "libtorch-dev" <<<"$depends" && { echo "the runtime package depends on libtorch-dev" >&2; exit 1; }
# Loaded with dlopen when first needed, so only the declaration brings them.
for dlopened in libcurl4 libssl3 libelf1; do
  grep -q "$dlopened" <<<"$depends" || { echo "the runtime package does not depend on $dlopened" >&2; exit 1; }
done
dpkg-deb -f "$dev" Depends | grep -q "modelzoo (= "
# The closure of the runtime's Depends, as package names.
roots=$(sed 's/([^)]*)//g; s/|/,/g; s/,/ /g' <<<"$depends")
# apt-cache does not recurse through a virtual package (libspdlog1.10-fmt9):
# each one is replaced by the installed package that provides it.
real_roots=""
for root in $roots; do
  if dpkg-query -W -f='${Version}' "$root" 2>/dev/null | grep -q .; then
    real_roots+=" $root"
  else
    real_roots+=" $(dpkg-query -W -f='${Package} ${Provides}\n' | awk -v v="$root" \
                      '{for (i = 2; i <= NF; i++) {gsub(/[,(].*/, "", $i); if ($i == v) print $1}}')"
  fi
done
roots=$real_roots
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
            --no-replaces --no-enhances $roots 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u)

x="$work/x"
dpkg -x "$runtime" "$x"
dpkg -x "$dev" "$work/x-dev"
[ -f "$x/usr/share/doc/modelzoo/copyright" ] && [ -f "$work/x-dev/usr/share/doc/modelzoo-dev/copyright" ]
[ -f "$x/etc/modelzoo/trust/modelzoo-release.json" ]
dpkg-deb --ctrl-tarfile "$runtime" | tar -xO ./conffiles | grep -qx /etc/modelzoo/trust/modelzoo-release.json
[ -f "$work/x-dev/usr/lib/cmake/modelzoo/modelzooConfig.cmake" ] || find "$work/x-dev" -name modelzooConfig.cmake | grep -q .
if find "$x" -name "*.h" | grep -q .; then echo "headers in the runtime package" >&2; exit 1; fi

if grep -rlF -e "$source_dir" -e "$build_dir" "$x" "$work/x-dev"; then
  echo "the packaged files above name the source or build directory" >&2
  exit 1
fi
status=0
while IFS= read -r elf; do
  if file "$elf" | grep -Eq "not stripped|with debug_info"; then
    echo "not stripped: ${elf#$x}" >&2; status=1
  fi
  for needed in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    if find "$x" -name "$needed" | grep -q .; then continue; fi  # shipped in the package
    path=$(ldconfig -p | awk -v n="$needed" '$1 == n && !p {p = $NF} END {print p}')  # no early exit: pipefail
    [ -n "$path" ] || { echo "${elf#$x}: $needed is not on this system" >&2; status=1; continue; }
    owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null || true)
    owner=${owner%%:*}
    if ! grep -qx "$owner" <<<"$closure"; then
      echo "${elf#$x}: $needed comes from $owner, which Depends does not bring" >&2; status=1
    fi
  done
done < <(find "$x" -type f -exec sh -c 'head -c 4 "$1" | grep -q "ELF" && echo "$1"' _ {} \;)
[ "$status" = 0 ] || exit 1

# Run from the extracted tree: its own plugins, scanner, trust entry, weights.
cli="$x/usr/bin/modelzoo"
plugins=$(MODELZOO_TRUST=require "$cli" plugins)
echo "$plugins"
for family in vision lut; do
  grep -E "modelzoo_$family.so +$family .*signed by modelzoo .* ok" <<<"$plugins" > /dev/null \
    || { echo "$family does not load signed from the extracted package" >&2; exit 1; }
done
MODELZOO_TRUST=require "$cli" run lut/fashion_mnist_small --idx-index 0 > "$work/run.txt"
grep -q "Ankle boot" "$work/run.txt"
echo "deb test passed"
