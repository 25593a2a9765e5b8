#!/usr/bin/env bash
# The audio family's benchmark, one run, everything measured here: the
# real-time factor (processing time / audio duration) of each model on 60 s
# of 16 kHz speech (../shared/assets/silero_vad/test.wav), modelzoo against
# its Python peer on the same file with the same threads. Prints a
# Markdown table for plugins/audio/README.md.
#
#   bench/audio/run_bench.sh [BUILD_DIR]   (THREADS=2 RUNS=3)
#
# Rows:
#  * Wav2Vec2-base: the audio plugin's wav2vec2_base (random weights,
#    WAV2VEC2_BASE's config) vs torchaudio 0.13's own model with the same
#    weights (the peer saves them, the C++ side loads them; the outputs are
#    compared too), one forward pass over the whole 60 s.
#  * Silero VAD: the published archive (../shared/assets/silero_vad/
#    silero_vad.jit) run by Python's torch.jit.load and by LibTorch's
#    torch::jit::load, one 512-sample chunk a call as Silero's utilities
#    run it, then the audio plugin's native model on the same weights
#    (read by the TorchScript mode): the whole file, and fed chunk by
#    chunk as a stream. The time ratio is against the LibTorch run. These
#    rows run under OMP_WAIT_POLICY=passive: three of the four make one
#    small LibTorch call per 32 ms chunk, and under libgomp's default
#    spinning on a loaded machine each call waited for a descheduled
#    worker (30x slower at a load average of 10 on 2 cores).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
threads=${THREADS:-2}
runs=${RUNS:-3}
audio=${AUDIO:-$root/../shared/assets/silero_vad/test.wav}
if [ ! -f "$audio" ]; then
  echo "run_bench: $audio is absent (../shared/assets, see its README)" >&2
  exit 1
fi
cmake --build "$build" --target audio_bench >/dev/null
bench=$build/bench/audio/audio_bench
export MODELZOO_NUM_THREADS=$threads OMP_NUM_THREADS=$threads
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1 /proc/loadavg)

/usr/bin/python3 "$here/torchaudio_peer.py" WAV2VEC2_BASE "$work" "$audio" "$runs" "$threads" \
  > "$work/wav2vec2.jsonl"
"$bench" wav2vec2 wav2vec2_base "$work/weights.pth" "$audio" "$runs" "$work/output.pth" \
  >> "$work/wav2vec2.jsonl"

# SILERO: the Silero VAD rows (native C++ vs the TorchScript archive run by
# LibTorch vs Python torch.jit.load), in the same shape, to silero.jsonl;
# the LibTorch row comes last of the peers, so the ratio is against it.
silero=$(dirname "$audio")/silero_vad.jit
if [ -f "$silero" ]; then
  cmake --build "$build" --target silero_bench >/dev/null
  OMP_WAIT_POLICY=passive /usr/bin/python3 "$here/silero_jit_peer.py" "$silero" "$audio" \
    "$threads" "$runs" > "$work/silero.jsonl"
  OMP_WAIT_POLICY=passive "$build/bench/audio/silero_bench" "$silero" "$audio" "$threads" \
    "$runs" >> "$work/silero.jsonl"
fi

load_after=$(cut -d' ' -f1 /proc/loadavg)
/usr/bin/python3 - "$work" "$load_before" "$load_after" <<'PY'
import json, os, sys
work, before, after = sys.argv[1:4]
rows = []
for name in ("wav2vec2.jsonl", "silero.jsonl"):
    path = os.path.join(work, name)
    if os.path.exists(path):
        rows += [json.loads(line) for line in open(path) if line.strip()]
peers = {r["model"].lower(): r for r in rows if r["side"] != "modelzoo"}
print(f"load average {before} before, {after} after\n")
print("| model | side | threads | audio s | median ms | real-time factor | × real time | time vs peer | max abs diff |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    peer = peers.get(r["model"].lower()) or next(
        (p for m, p in peers.items() if m.replace("_", "") in r["model"].replace("_", "")), None)
    ratio = f'{r["median_ms"] / peer["median_ms"]:.2f}×' if peer and r is not peer else ""
    diff = f'{r["max_abs_diff"]:.1e}' if "max_abs_diff" in r else ""
    print(f'| {r["model"]} | {r["side"]} | {r["threads"]} | {r["audio_seconds"]:.1f} | '
          f'{r["median_ms"]:.0f} | {r["rtf"]:.3f} | {1 / r["rtf"]:.0f} | {ratio} | {diff} |')
PY
