#!/usr/bin/python3
"""The Python peer of llama_bench: a LLaMA-family decoder as Hugging Face's
LlamaForCausalLM / Qwen2ForCausalLM computes it, in plain torch (no
transformers in Debian), greedy, with a KV cache kept as HF's DynamicCache
keeps it (torch.cat of each step's keys and values, repeat_kv before the
attention), random fp32 weights of the entrypoint's real shapes.

  llama_peer.py ENTRYPOINT PROMPT NEW RUNS THREADS

Prints one JSON object: prefill ms, decode tokens/s, peak RSS (bytes).
"""
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

MANIFEST = os.path.join(os.path.dirname(__file__), "../../plugins/language/manifest.json")


def config_of(entrypoint):
    with open(MANIFEST) as f:
        for e in json.load(f)["entrypoints"]:
            if e["name"] == entrypoint:
                return e["config"]
    raise SystemExit(f"no entrypoint {entrypoint}")


def weights(c, qkv_bias):
    h, i, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    d = h // c["num_attention_heads"]
    q, kv = c["num_attention_heads"] * d, c["num_key_value_heads"] * d
    r = lambda *s: torch.randn(*s) * 0.02
    layers = []
    for _ in range(c["num_hidden_layers"]):
        layers.append({"ln1": torch.ones(h), "ln2": torch.ones(h),
                       "q": r(q, h), "k": r(kv, h), "v": r(kv, h), "o": r(h, q),
                       "qb": r(q) if qkv_bias else None, "kb": r(kv) if qkv_bias else None,
                       "vb": r(kv) if qkv_bias else None,
                       "gate": r(i, h), "up": r(i, h), "down": r(h, i)})
    embed = r(v, h)
    return {"embed": embed, "layers": layers, "norm": torch.ones(h),
            "head": embed if c["tie_word_embeddings"] else r(v, h)}


def rms_norm(x, w, eps):
    x32 = x.float()
    return w * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


def repeat_kv(x, n):
    b, kv, t, d = x.shape
    return x if n == 1 else x[:, :, None].expand(b, kv, n, t, d).reshape(b, kv * n, t, d)


def step(c, m, ids, past, pos0):
    """Logits of the last position for `ids` [1, T] after `past` positions."""
    nh, nkv = c["num_attention_heads"], c["num_key_value_heads"]
    d = c["hidden_size"] // nh
    t = ids.shape[1]
    inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    ang = torch.arange(pos0, pos0 + t).float()[:, None] * inv
    emb = torch.cat((ang, ang), -1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    x = F.embedding(ids, m["embed"])
    for n, L in enumerate(m["layers"]):
        h = rms_norm(x, L["ln1"], c["rms_norm_eps"])
        q = F.linear(h, L["q"], L["qb"]).view(1, t, nh, d).transpose(1, 2)
        k = F.linear(h, L["k"], L["kb"]).view(1, t, nkv, d).transpose(1, 2)
        v = F.linear(h, L["v"], L["vb"]).view(1, t, nkv, d).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        if past[n] is not None:
            k, v = torch.cat((past[n][0], k), 2), torch.cat((past[n][1], v), 2)
        past[n] = (k, v)
        k, v = repeat_kv(k, nh // nkv), repeat_kv(v, nh // nkv)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        if t > 1:
            s = s + torch.full((t, t), float("-inf")).triu(1)[None, None]
        a = (s.softmax(-1) @ v).transpose(1, 2).reshape(1, t, nh * d)
        x = x + F.linear(a, L["o"])
        h = rms_norm(x, L["ln2"], c["rms_norm_eps"])
        x = x + F.linear(F.silu(F.linear(h, L["gate"])) * F.linear(h, L["up"]), L["down"])
    x = rms_norm(x[:, -1:], m["norm"], c["rms_norm_eps"])
    return F.linear(x, m["head"])[0, -1]


def generate(c, m, prompt, new, on_token):
    past = [None] * c["num_hidden_layers"]
    ids = prompt
    pos = 0
    for _ in range(new):
        logits = step(c, m, ids, past, pos)
        pos += ids.shape[1]
        token = int(logits.argmax())
        on_token()
        ids = torch.tensor([[token]])


def main():
    entrypoint, prompt_len, new, runs, threads = sys.argv[1], *map(int, sys.argv[2:6])
    torch.set_num_threads(threads)
    c = config_of(entrypoint)
    m = weights(c, qkv_bias=entrypoint.startswith("qwen"))
    prompt = torch.randint(0, c["vocab_size"], (1, prompt_len))
    prefill, decode = [], []
    with torch.inference_mode():
        generate(c, m, prompt, 4, lambda: None)  # warm-up
        for _ in range(runs):
            at = []
            t0 = time.perf_counter()
            generate(c, m, prompt, new, lambda: at.append(time.perf_counter() - t0))
            prefill.append(at[0] * 1000)
            decode.append((len(at) - 1) / (at[-1] - at[0]))
    med = lambda v: sorted(v)[len(v) // 2]
    print(json.dumps({"prefill_ms": med(prefill), "decode_tok_s": med(decode), "runs": runs,
                      "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


if __name__ == "__main__":
    main()
