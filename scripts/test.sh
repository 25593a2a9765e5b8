#!/usr/bin/env bash
# Installs, builds and runs the whole test suite (CTest; Catch2 cases).
# Extra arguments go to ctest (e.g. -L packaging, -R registry).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MODELZOO_BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure "$@"
