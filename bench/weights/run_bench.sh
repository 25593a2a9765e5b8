#!/usr/bin/env bash
# Loading a ResNet-50 state dict (~98 MiB) into a model, from one run on this
# machine, files in the page cache:
#   modelzoo safetensors | modelzoo .pth | Python load_state_dict(torch.load)
#   | cat FILE > /dev/null (the floor of reading it at all)
# with the peak RSS each load adds. Prints a Markdown table.
#   usage: bench/weights/run_bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
runs=${2:-7}
bench=$build/bench/weights/weights_bench
[ -x "$bench" ] || { echo "build weights_bench first: cmake --build $build --target weights_bench" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 -c "import torch, torchvision; torch.manual_seed(0); \
torch.save(torchvision.models.resnet50().state_dict(), '$work/resnet50.pth')"
"$build/bin/modelzoo" convert "$work/resnet50.pth" "$work/resnet50.safetensors" > /dev/null
cat "$work"/resnet50.* > /dev/null  # both in the page cache

st=$("$bench" "$work/resnet50.safetensors" "$runs")
pth=$("$bench" "$work/resnet50.pth" "$runs")
py=$(/usr/bin/python3 "$here/python_load.py" "$work/resnet50.pth" "$runs")
# LibTorch's OpenMP workers spin-wait between parallel regions; on a busy
# machine that alone multiplies torch.load's time, so Python is also shown
# with passive waiting, the fairer peer there.
py_passive=$(OMP_WAIT_POLICY=passive /usr/bin/python3 "$here/python_load.py" "$work/resnet50.pth" "$runs")
cat_ms=$(/usr/bin/python3 - "$work/resnet50.pth" "$runs" <<'PY'
import statistics, subprocess, sys, time
t = []
for _ in range(int(sys.argv[2])):
    s = time.perf_counter(); subprocess.run(["cat", sys.argv[1]], stdout=subprocess.DEVNULL, check=True)
    t.append((time.perf_counter() - s) * 1000)
print(statistics.median(t))
PY
)
/usr/bin/python3 - "$st" "$pth" "$py" "$py_passive" "$cat_ms" <<'PY'
import json, os, sys
st, pth, py, py_passive = (json.loads(a) for a in sys.argv[1:5])
cat = float(sys.argv[5])
mib = st["weights_mib"]
print(f"ResNet-50 state dict, {mib:.1f} MiB, page cache, 2 threads, median of runs, "
      f"load average {os.getloadavg()[0]:.1f}\n")
print("| load into a model | median ms | vs Python | CPU ms | vs Python | peak RSS added (MiB) | × weights |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, r in (("modelzoo safetensors", st), ("modelzoo .pth", pth),
                ("Python load_state_dict(torch.load)", py),
                ("Python, OMP_WAIT_POLICY=passive", py_passive)):
    print(f"| {name} | {r['median_ms']:.1f} | {r['median_ms'] / py['median_ms']:.2f}× "
          f"| {r['cpu_ms']:.1f} | {r['cpu_ms'] / py['cpu_ms']:.2f}× "
          f"| {r['rss_added_mib']:.1f} | {r['rss_added_mib'] / mib:.2f} |")
print(f"| cat FILE > /dev/null (whole process) | {cat:.1f} | | | | | |")
PY
