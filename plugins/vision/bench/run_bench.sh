#!/usr/bin/env bash
# ResNet-50 against torchvision (Debian's /usr/bin/python3), one run:
#  * cold start to first logits, whole process, 2 threads, weights in page
#    cache: `modelzoo run` vs Python (import torch, torchvision + build +
#    load_state_dict(torch.load) + one forward) vs the floor (vision_bench
#    floor: LibTorch, the file, one forward, nothing else);
#  * steady-state forward latency, median of 50, batch 1 and 8, same threads.
#
#   plugins/vision/bench/run_bench.sh [BUILD_DIR]     (default: ./build)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
threads=${THREADS:-2}
runs=${RUNS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --build "$build" --target modelzoo modelzoo_model_commands modelzoo_vision vision_bench >/dev/null
bench=$build/plugins/vision/bench/vision_bench

# One checkpoint for everyone: a random torchvision ResNet-50, saved as
# torchvision publishes them; and an image.
/usr/bin/python3 - "$work" <<'PY'
import sys, torch, torchvision
from PIL import Image
import numpy as np
torch.manual_seed(0)
torch.save(torchvision.models.resnet50().state_dict(), sys.argv[1] + "/resnet50.pth")
Image.fromarray((np.random.RandomState(0).rand(375, 500, 3) * 255).astype("uint8")).save(sys.argv[1] + "/image.jpg")
PY
ckpt=$work/resnet50.pth
cat "$ckpt" > /dev/null  # into the page cache

export MODELZOO_HOME=$work/home MODELZOO_TRUST=off MODELZOO_NUM_THREADS=$threads
# Interleaved rounds (bench/interleaved.py): run back to back, hyperfine's
# blocks gave the same build 1.17x and 1.34x the floor in two runs.
echo
echo "cold start to first logits, whole process, $threads threads, $runs interleaved rounds:"
/usr/bin/python3 "$root/bench/interleaved.py" "$runs" 2 \
  "modelzoo run resnet50 --weights F --image I" \
  "$build/bin/modelzoo run resnet50 --weights $ckpt --image $work/image.jpg --threads $threads" \
  "python: import torch, torchvision + build + load_state_dict(torch.load) + forward" \
  "/usr/bin/python3 $here/cold_start.py $ckpt $threads" \
  "floor: LibTorch + the file + one forward (vision_bench floor)" \
  "$bench floor $ckpt"

echo
echo "| forward latency, ResNet-50, $threads threads | median ms | min ms |"
echo "|---|---:|---:|"
for batch in 1 8; do
  read -r cm cmin < <("$bench" latency "$ckpt" "$batch" 50)
  read -r pm pmin < <(/usr/bin/python3 "$here/latency.py" "$ckpt" "$batch" 50 "$threads")
  echo "| modelzoo, batch $batch | $cm | $cmin |"
  echo "| torchvision eager, batch $batch | $pm | $pmin |"
done
