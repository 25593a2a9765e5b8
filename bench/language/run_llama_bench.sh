#!/usr/bin/env bash
# The LLaMA-family benchmark (issue 18), one run, everything measured here:
#  * the machine's memory bandwidth (language_bench bandwidth): decode is
#    memory-bound — each token reads every weight once — so it is shown
#    against its floor, bandwidth ÷ bytes of weights read per token;
#  * SmolLM2-135M and Qwen2.5-0.5B (the plugin's LlamaModel loading a
#    random bf16 checkpoint of the real shapes, as it loads the published
#    file), greedy, PROMPT-token prompt, NEW new tokens: load ms, prefill
#    ms, decode tokens/s, where a decode step's time goes, peak RSS while
#    loading and while generating;
#  * the Python peer (plain torch, HF's computation and KV cache) in the
#    same run, same threads.
# Both sides run with OMP_WAIT_POLICY=passive, as the modelzoo CLI sets it
# (bench/language/README.md says why). Prints a Markdown report.
#
#   bench/language/run_llama_bench.sh [BUILD_DIR]   (THREADS=2 RUNS=3 PROMPT=64 NEW=128)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
threads=${THREADS:-2}
runs=${RUNS:-3}
prompt=${PROMPT:-64}
new=${NEW:-128}
models=${MODELS:-smollm2-135m qwen2.5-0.5b-instruct}
cmake --build "$build" --target language_bench llama_bench >/dev/null
bin=$build/bench/language
export MODELZOO_NUM_THREADS=$threads OMP_WAIT_POLICY=passive
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

load_before=$(cut -d' ' -f1 /proc/loadavg)
"$bin/language_bench" bandwidth > "$work/bandwidth"
for m in $models; do
  "$bin/llama_bench" checkpoint "$m" "$work/$m.safetensors" > /dev/null
  "$bin/llama_bench" run "$m" "$work/$m.safetensors" "$prompt" "$new" "$runs" > "$work/$m.cpp"
  rm -f "$work/$m.safetensors"
  /usr/bin/python3 "$here/llama_peer.py" "$m" "$prompt" "$new" "$runs" "$threads" > "$work/$m.py"
done
load_after=$(cut -d' ' -f1 /proc/loadavg)

/usr/bin/python3 - "$work" "$prompt" "$new" "$threads" "$load_before" "$load_after" $models <<'PY'
import json, sys
work, prompt, new, threads, before, after, *models = sys.argv[1:]
read = lambda name: json.loads(open(f"{work}/{name}").read())
bw = read("bandwidth")
gbs = max(bw["read_gbs"], bw["copy_gbs"], bw["triad_gbs"])
mb = lambda b: f"{b / 1e6:.0f} MB"
print(f"{prompt}-token prompt, {new} new tokens, greedy, {threads} threads, OMP_WAIT_POLICY=passive; "
      f"load average {before} before, {after} after. Memory bandwidth (ATen kernels): read "
      f"{bw['read_gbs']:.1f}, copy {bw['copy_gbs']:.1f}, triad {bw['triad_gbs']:.1f} GB/s.\n")
print("| model | side | load ms | prefill tok/s | decode tok/s | vs Python | floor tok/s | of the floor |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for m in models:
    c, p = read(f"{m}.cpp"), read(f"{m}.py")
    floor = gbs * 1e9 / c["weight_bytes"]  # tied heads: every weight is read each step
    for side, r in (("modelzoo", c), ("Python", p)):
        load = f"{r['load_ms']:.0f}" if "load_ms" in r else "–"
        print(f"| {m} | {side} | {load} | {int(prompt) * 1000 / r['prefill_ms']:.0f} | "
              f"{r['decode_tok_s']:.2f} | {r['decode_tok_s'] / p['decode_tok_s']:.2f}× | "
              f"{floor:.1f} | {100 * r['decode_tok_s'] / floor:.0f}% |")
print("\n| model | fp32 weights | KV cache | RSS before load | peak while loading | peak while generating | peak ÷ (weights + cache) | Python peak RSS |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for m in models:
    c, p = read(f"{m}.cpp"), read(f"{m}.py")
    need = c["weight_bytes"] + c["kv_bytes"]
    print(f"| {m} | {mb(c['weight_bytes'])} | {mb(c['kv_bytes'])} | {mb(c['rss_start'])} | "
          f"{mb(c['peak_load'])} | {mb(c['peak_generate'])} | "
          f"{(c['peak_generate'] - c['rss_start']) / need:.2f}× (beyond the start) / "
          f"{c['peak_generate'] / need:.2f}× (whole) | {mb(p['peak_rss'])} |")
print("\n| model | decode step: layers ms | head ms | head share |")
print("|---|---:|---:|---:|")
for m in models:
    c = read(f"{m}.cpp")
    print(f"| {m} | {c['layers_ms']:.1f} | {c['head_ms']:.1f} | "
          f"{100 * c['head_ms'] / (c['layers_ms'] + c['head_ms']):.0f}% |")
PY
