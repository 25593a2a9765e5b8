"""The language benchmark's Python peer: the same computations as
language_bench (bench/language/gpt2_shaped.h, bert_shaped.h) in plain torch,
written as Hugging Face's GPT2LMHeadModel / BertModel compute them (Conv1D
as torch.addmm, past keys and values kept with torch.cat, the tied head as
F.linear on the positions whose logits are needed), random weights of the
real shapes. Prints one JSON object.

  python_peer.py gpt2 PROMPT NEW RUNS THREADS [--no-cache]
      greedy decoding: prefill ms (call to first token), decode tokens/s,
      the mean step of the last 8 tokens (ms)
  python_peer.py bert BATCH TOKENS RUNS THREADS
      encoder forward latency, median and min ms
"""
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def gpt2_weights(n_layer=12, e=768, vocab=50257, n_pos=1024):
    g = torch.Generator().manual_seed(0)
    w = lambda *s: torch.randn(*s, generator=g) * 0.02
    blocks = [dict(ln_1=(torch.ones(e), torch.zeros(e)), attn=(w(e, 3 * e), torch.zeros(3 * e)),
                   proj=(w(e, e), torch.zeros(e)), ln_2=(torch.ones(e), torch.zeros(e)),
                   fc=(w(e, 4 * e), torch.zeros(4 * e)), mlp_proj=(w(4 * e, e), torch.zeros(e)))
              for _ in range(n_layer)]
    return dict(wte=w(vocab, e), wpe=w(n_pos, e), blocks=blocks, ln_f=(torch.ones(e), torch.zeros(e)))


def conv1d(x, wb):  # HF's Conv1D: weight [in, out]
    w, b = wb
    return torch.addmm(b, x.reshape(-1, x.size(-1)), w).view(*x.shape[:-1], w.size(1))


def gpt2_hidden(m, ids, past, heads=12):
    """ids [1, n]; past: list of (k, v) per layer or None. Returns the last
    position's hidden state and the new past."""
    n = ids.size(1)
    start = past[0][0].size(2) if past else 0
    pos = torch.arange(start, start + n)
    x = m["wte"][ids] + m["wpe"][pos]
    e = x.size(-1)
    d = e // heads
    causal = torch.ones(n, start + n, dtype=torch.bool).tril(start)
    new_past = []
    for i, blk in enumerate(m["blocks"]):
        h = F.layer_norm(x, (e,), *blk["ln_1"], 1e-5)
        q, k, v = conv1d(h, blk["attn"]).split(e, dim=2)
        q, k, v = (t.view(1, n, heads, d).transpose(1, 2) for t in (q, k, v))
        if past is not None:
            if past:
                k = torch.cat([past[i][0], k], dim=2)
                v = torch.cat([past[i][1], v], dim=2)
            new_past.append((k, v))
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
        if n > 1:
            s = s.masked_fill(~causal, torch.finfo(s.dtype).min)
        a = torch.matmul(s.softmax(-1), v).transpose(1, 2).reshape(1, n, e)
        x = x + conv1d(a, blk["proj"])
        h = F.layer_norm(x, (e,), *blk["ln_2"], 1e-5)
        x = x + conv1d(F.gelu(conv1d(h, blk["fc"]), approximate="tanh"), blk["mlp_proj"])
    return F.layer_norm(x[:, -1], (e,), *m["ln_f"], 1e-5), new_past


def gpt2_generate(m, prompt, new, use_cache, on_token):
    ids = prompt
    past = [] if use_cache else None
    feed = ids
    for _ in range(new):
        h, past = gpt2_hidden(m, feed, past)
        token = F.linear(h, m["wte"]).argmax(-1, keepdim=True)
        on_token()
        ids = torch.cat([ids, token], dim=1)
        feed = token if use_cache else ids
        if not use_cache:
            past = None


def gpt2(prompt_len, new, runs, use_cache):
    m = gpt2_weights()
    prompt = torch.randint(50257, (1, prompt_len))
    with torch.inference_mode():
        gpt2_generate(m, prompt, 4, use_cache, lambda: None)
        prefill, decode, last = [], [], []
        for _ in range(runs):
            stamps = []
            t0 = time.perf_counter()
            gpt2_generate(m, prompt, new, use_cache, lambda: stamps.append(time.perf_counter() - t0))
            prefill.append(stamps[0] * 1000)
            decode.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
            tail = min(8, len(stamps) - 1)
            last.append((stamps[-1] - stamps[-1 - tail]) / tail * 1000)
    return {"prefill_ms": round(statistics.median(prefill), 1),
            "decode_tok_s": round(statistics.median(decode), 2),
            "last_step_ms": round(statistics.median(last), 1), "runs": runs}


def bert(batch, tokens, runs, layers=12, e=768, heads=12):
    g = torch.Generator().manual_seed(0)
    w = lambda *s: torch.randn(*s, generator=g) * 0.02
    lin = lambda o, i: (w(o, i), torch.zeros(o))
    ln = lambda: (torch.ones(e), torch.zeros(e))
    word, position, types = w(30522, e), w(512, e), w(2, e)
    emb_ln = ln()
    L = [dict(q=lin(e, e), k=lin(e, e), v=lin(e, e), o=lin(e, e), ln_1=ln(),
              i=lin(4 * e, e), out=lin(e, 4 * e), ln_2=ln()) for _ in range(layers)]
    ids = torch.randint(30522, (batch, tokens))
    mask = torch.ones(batch, tokens, dtype=torch.long)
    tt = torch.zeros(batch, tokens, dtype=torch.long)
    d = e // heads

    def forward():
        x = word[ids] + types[tt] + position[torch.arange(tokens)]
        x = F.layer_norm(x, (e,), *emb_ln, 1e-12)
        add = ((1.0 - mask.float()) * torch.finfo(torch.float32).min).view(batch, 1, 1, tokens)
        split = lambda t: t.view(batch, tokens, heads, d).transpose(1, 2)
        for l in L:
            q, k, v = (split(F.linear(x, *l[n])) for n in ("q", "k", "v"))
            s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + add
            a = torch.matmul(s.softmax(-1), v).transpose(1, 2).reshape(batch, tokens, e)
            x = F.layer_norm(F.linear(a, *l["o"]) + x, (e,), *l["ln_1"], 1e-12)
            x = F.layer_norm(F.linear(F.gelu(F.linear(x, *l["i"])), *l["out"]) + x, (e,),
                             *l["ln_2"], 1e-12)
        return x

    with torch.inference_mode():
        forward()
        ms = []
        for _ in range(runs):
            t0 = time.perf_counter()
            forward()
            ms.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(ms), 1), "min_ms": round(min(ms), 1), "runs": runs}


def main():
    mode, a, b, runs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    if mode == "gpt2":
        out = gpt2(a, b, runs, "--no-cache" not in sys.argv[6:])
    else:
        out = bert(a, b, runs)
    out["threads"] = torch.get_num_threads()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
