#!/usr/bin/env bash
# The main job on a fresh machine: install, build, run the shipped
# fashion_mnist_small LUT network on a few Fashion-MNIST test images
# (prediction and true label), then ask modelzoo what it can build from the
# built-in plugins (torch-free), and build one model.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MODELZOO_BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
export MODELZOO_PLUGIN_PATH="$build/tests/plugins/good${MODELZOO_PLUGIN_PATH:+:$MODELZOO_PLUGIN_PATH}"
cli="$build/bin/modelzoo"
set -x
"$cli" run lut/fashion_mnist_small --idx-index 0 1 2 3 4 5 6 7
"$cli" list
"$cli" plugins
"$cli" info toy/tiny_cnn
"$cli" create toy/tiny_cnn --config num_classes=3
