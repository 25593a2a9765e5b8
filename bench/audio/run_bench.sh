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
#  * Silero VAD: see the section marked SILERO below.
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
# LibTorch vs Python torch.jit.load) append their JSON lines here, in the
# same shape ({"side", "model", "threads", "audio_seconds", "median_ms",
# "rtf"}), to "$work/silero.jsonl".

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
