#!/usr/bin/python3
"""The known-answer GPT-2 that test_language_pipeline serves from a loopback
nginx: a reduced GPT-2 (2 layers, 2 heads, 64 wide, 128 positions) over the
real 50257-token vocabulary, so the real vocab.json and merges.txt tokenize
for it, with seeded random weights under the Hub's key names.

  make_known_gpt2.py OUT_DIR KNOWN_ANSWER_JSON

writes OUT_DIR/model.safetensors, OUT_DIR/config.json and
OUT_DIR/expected.json (the prompt "Hello world" as GPT-2's ids [15496, 995]
and the greedy continuation the plain-torch reference of
make_language_fixtures.py computes), then checks the two model files
against the digests and sizes in KNOWN_ANSWER_JSON: the language_known
plugin's manifest is derived from them at configure time, so bytes that
differ would fail the pull, and this says so first. torch's seeded CPU
generator gives the same numbers on every run of Debian's torch 1.13.
"""
import hashlib
import json
import os
import sys

try:
    import torch
except ImportError as e:  # the C++ test then skips, saying why
    print(f"no known-answer model: {e} (Debian's python3-torch provides torch)")
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_language_fixtures import gpt2_reference, gpt2_weights, write_safetensors  # noqa: E402

CONFIG = {"n_layer": 2, "n_head": 2, "n_embd": 64, "n_positions": 128, "vocab_size": 50257,
          "layer_norm_epsilon": 1e-5}
PROMPT_IDS = [15496, 995]  # "Hello world" in GPT-2's vocabulary
NEW_TOKENS = 8
EOS = 50256
# float32 in C++ against float64 here: every greedy choice must win by more
# than rounding could move it, or the test would hang on a near tie.
MIN_MARGIN = 1e-2


def hf_config():
    """config.json as the Hub writes it for GPT2LMHeadModel, with these sizes."""
    return {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
            "attn_pdrop": 0.1, "bos_token_id": EOS, "embd_pdrop": 0.1, "eos_token_id": EOS,
            "initializer_range": 0.02, "layer_norm_epsilon": CONFIG["layer_norm_epsilon"],
            "model_type": "gpt2", "n_ctx": CONFIG["n_positions"], "n_embd": CONFIG["n_embd"],
            "n_head": CONFIG["n_head"], "n_layer": CONFIG["n_layer"],
            "n_positions": CONFIG["n_positions"], "resid_pdrop": 0.1, "vocab_size": CONFIG["vocab_size"]}


def greedy(w):
    ids, margins = list(PROMPT_IDS), []
    for _ in range(NEW_TOKENS):
        x = torch.tensor([ids])
        _, logits = gpt2_reference(w, CONFIG, x, torch.ones_like(x), torch.arange(len(ids))[None])
        top = logits[0, -1].topk(2)
        margins.append(float(top.values[0] - top.values[1]))
        ids.append(int(top.indices[0]))
    return ids[len(PROMPT_IDS):], margins


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest(), os.path.getsize(path)


def main():
    out, known_path = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(2026)
    w = gpt2_weights(CONFIG)
    state = dict(w)
    causal = torch.tril(torch.ones(CONFIG["n_positions"], CONFIG["n_positions"], dtype=torch.uint8))
    for i in range(CONFIG["n_layer"]):  # the Hub file keeps the causal-mask buffers
        state[f"h.{i}.attn.bias"] = causal.view(1, 1, *causal.shape)
    write_safetensors(os.path.join(out, "model.safetensors"), state)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(hf_config(), f, indent=2, sort_keys=True)
        f.write("\n")

    tokens, margins = greedy(w)
    if EOS in tokens or min(margins) < MIN_MARGIN:
        sys.exit(f"the seed gives an unusable continuation {tokens} (margins {margins}): "
                 "choose another seed in make_known_gpt2.py and update known_answer.json")
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"prompt_token_ids": PROMPT_IDS, "token_ids": tokens,
                   "min_margin": min(margins), "config": CONFIG}, f, indent=1)

    with open(known_path) as f:
        known = json.load(f)
    wrong = []
    for name in ("model.safetensors", "config.json"):
        sha, size = digest(os.path.join(out, name))
        want = known["files"][name]
        if (sha, size) != (want["sha256"], want["size"]):
            wrong.append(f"{name}: sha256 {sha}, size {size} (known_answer.json has "
                         f"{want['sha256']}, {want['size']})")
    if wrong:
        sys.exit("the known-answer files differ from " + known_path + ":\n  " + "\n  ".join(wrong) +
                 "\nif the writer changed on purpose, put these digests in known_answer.json")
    print(f"known-answer GPT-2 in {out}: continuation {tokens}, smallest margin {min(margins):.3g}")


if __name__ == "__main__":
    main()
