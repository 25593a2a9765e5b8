#!/usr/bin/env bash
# Builds the tests with AddressSanitizer + UBSan in ./build-asan and runs
# them. LibTorch itself is not instrumented; ASan's leak checker is off
# because LibTorch's static state is reported as leaks at exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
MODELZOO_BUILD_DIR=${MODELZOO_BUILD_DIR:-$root/build-asan} \
  "$root/scripts/build.sh" -DMODELZOO_SANITIZE=ON
# handle_segv=0: fixture plugins crash on purpose, and the scanner must see
# the signal itself (ASan's handler would report and exit slowly instead);
# ASan finds memory errors by instrumentation, not by catching SIGSEGV.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:handle_segv=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "${MODELZOO_BUILD_DIR:-$root/build-asan}" -j"$(nproc)" --output-on-failure -LE packaging "$@"
