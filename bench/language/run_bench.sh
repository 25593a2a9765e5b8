#!/usr/bin/env bash
# The language family's benchmark, one run, everything measured here:
#  * the machine's memory bandwidth (language_bench bandwidth), so decode —
#    memory-bound: each token reads every weight once — is shown against
#    its floor, bandwidth ÷ bytes of weights read per token;
#  * the language plugin's gpt2 (GPT-2 124M, random init), greedy,
#    PROMPT-token prompt, NEW new tokens: prefill ms and decode tokens/s
#    through modelzoo::generate, with and without the KV cache; the same
#    computation with each decode optimisation switched off in turn
#    (gpt2_shaped.h); the Python peer (plain torch, KV cache by torch.cat,
#    as Hugging Face computes it) in the same run;
#  * the plugin's bert-base-uncased encoder, batch 8 × 128 tokens: forward
#    latency vs Python.
# Both sides get THREADS threads, under libgomp's default waiting
# (OMP_WAIT_POLICY unset: spin a while, then sleep) and under
# OMP_WAIT_POLICY=passive. Prints a Markdown report.
#
#   bench/language/run_bench.sh [BUILD_DIR]   (THREADS=2 RUNS=3 PROMPT=32 NEW=128)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
threads=${THREADS:-2}
runs=${RUNS:-3}
prompt=${PROMPT:-32}
new=${NEW:-128}
cmake --build "$build" --target language_bench >/dev/null
bench=$build/bench/language/language_bench
peer=$here/python_peer.py
export MODELZOO_NUM_THREADS=$threads
unset OMP_WAIT_POLICY
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

load_before=$(cut -d' ' -f1 /proc/loadavg)
"$bench" bandwidth > "$work/bandwidth"
# Each line: one JSON object with a "variant" key.
tag() { sed "s/^{/{\"variant\": \"$1\", /"; }
{
  "$bench" gpt2 "$prompt" "$new" "$runs" | tag default
  OMP_WAIT_POLICY=passive "$bench" gpt2 "$prompt" "$new" "$runs" | tag passive
  OMP_WAIT_POLICY=passive "$bench" gpt2 "$prompt" "$new" 1 --ablation | tag ablation
  for flag in --no-decode-mv --no-head-mv --no-fused-bias --concat-cache; do
    OMP_WAIT_POLICY=passive "$bench" gpt2 "$prompt" "$new" 1 --ablation "$flag" | tag "$flag"
  done
  # Without the cache every step is a GEMM over the whole sequence; under
  # the default waiting those GEMMs (OpenBLAS's own threads) fight
  # OpenMP's spinning workers for the cores (see README), which would
  # inflate the cache's speedup.
  OMP_WAIT_POLICY=passive "$bench" gpt2 "$prompt" "$new" 1 --no-cache | tag no-cache
} > "$work/cpp"
{
  /usr/bin/python3 "$peer" gpt2 "$prompt" "$new" "$runs" "$threads" | tag default
  OMP_WAIT_POLICY=passive /usr/bin/python3 "$peer" gpt2 "$prompt" "$new" "$runs" "$threads" | tag passive
  OMP_WAIT_POLICY=passive /usr/bin/python3 "$peer" gpt2 "$prompt" "$new" 1 "$threads" --no-cache |
    tag no-cache
} > "$work/python"
{
  for policy in default passive; do
    # "default": OMP_WAIT_POLICY unset (libgomp spins a while, then sleeps).
    wait_env=OMP_WAIT_POLICY=passive
    [ "$policy" = default ] && wait_env=OMP_WAIT_POLICY_UNSET=1
    env $wait_env "$bench" bert 8 128 "$runs" | tag "modelzoo $policy"
    env $wait_env /usr/bin/python3 "$peer" bert 8 128 "$runs" "$threads" | tag "python $policy"
  done
} > "$work/bert"
load_after=$(cut -d' ' -f1 /proc/loadavg)

/usr/bin/python3 - "$work" "$prompt" "$new" "$threads" "$load_before" "$load_after" <<'PY'
import json, sys
work, prompt, new, threads, load_before, load_after = sys.argv[1:]
read = lambda name: [json.loads(l) for l in open(f"{work}/{name}") if l.strip()]
bw = read("bandwidth")[0]
cpp = {r["variant"]: r for r in read("cpp")}
py = {r["variant"]: r for r in read("python")}
bert = {r["variant"]: r for r in read("bert")}
gbs = max(bw["read_gbs"], bw["copy_gbs"], bw["triad_gbs"])
per_token = cpp["default"]["weight_bytes"]
floor = gbs * 1e9 / per_token
print(f"gpt2 (124M, random init), {prompt}-token prompt, {new} new tokens, greedy, {threads} threads; "
      f"load average {load_before} before, {load_after} after.\n")
print(f"Memory bandwidth (ATen kernels, {threads} threads, 256 MiB arrays): read {bw['read_gbs']:.1f}, "
      f"copy {bw['copy_gbs']:.1f}, triad {bw['triad_gbs']:.1f} GB/s. Weights read per decoded "
      f"token: {per_token / 1e6:.1f} MB, so the floor is {gbs:.1f} GB/s ÷ {per_token / 1e6:.1f} MB "
      f"= {floor:.1f} tokens/s.\n")
print("| GPT-2 124M, OpenMP waiting | prefill ms | decode tok/s | vs Python | of the floor |")
print("|---|---:|---:|---:|---:|")
for label, v in (("default", "default"), ("passive", "passive"), ("passive, no cache", "no-cache")):
    for side, r in (("modelzoo", cpp[v]), ("Python", py[v])):
        print(f"| {side}, {label} | {r['prefill_ms']:.0f} | {r['decode_tok_s']:.2f} | "
              f"{r['decode_tok_s'] / py[v]['decode_tok_s']:.2f}× | {100 * r['decode_tok_s'] / floor:.0f}% |")
speedup = cpp["passive"]["decode_tok_s"] / cpp["no-cache"]["decode_tok_s"]
at_end = cpp["no-cache"]["last_step_ms"] / cpp["passive"]["last_step_ms"]
print(f"\nKV cache speedup, modelzoo (passive): {speedup:.1f}× in decode tokens/s over the {new} tokens; "
      f"{at_end:.1f}× per step at the last 8 tokens ({cpp['no-cache']['last_step_ms']:.0f} ms "
      f"without, {cpp['passive']['last_step_ms']:.0f} ms with).\n")
print("| gpt2_shaped.h (the plugin's computation), one optimisation off, passive, 1 run | prefill ms | decode tok/s | vs all on |")
print("|---|---:|---:|---:|")
r = cpp["ablation"]
print(f"| all on (as the plugin's Gpt2Model) | {r['prefill_ms']:.0f} | {r['decode_tok_s']:.2f} | 1.00× |")
names = {"--no-decode-mv": "batch-1 layers as addmm(b, x, W) instead of addmv(b, Wᵀ, x)",
         "--no-head-mv": "head as h @ wteᵀ instead of at::mv(wte, h)",
         "--no-fused-bias": "Conv1D as x @ W + b instead of addmm(b, x, W)",
         "--concat-cache": "past by torch.cat each step instead of the preallocated KVCache"}
for flag, name in names.items():
    r = cpp[flag]
    print(f"| {name} | {r['prefill_ms']:.0f} | {r['decode_tok_s']:.2f} | "
          f"{r['decode_tok_s'] / cpp['ablation']['decode_tok_s']:.2f}× |")
print(f"\n| BERT-base, batch 8 × 128 tokens, {threads} threads | median ms | min ms | vs Python |")
print("|---|---:|---:|---:|")
for policy in ("default", "passive"):
    for side in ("modelzoo", "python"):
        r, ref = bert[f"{side} {policy}"], bert[f"python {policy}"]
        name = {"modelzoo": "modelzoo bert-base-uncased (fused layers)", "python": "Python"}[side]
        print(f"| {name}, {policy} | {r['median_ms']:.0f} | {r['min_ms']:.0f} | "
              f"{r['median_ms'] / ref['median_ms']:.2f}× |")
PY
