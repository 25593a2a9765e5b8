#!/usr/bin/python3
"""Parity fixtures for the language plugin's LLaMA-family decoders: reduced
models with random bfloat16 weights under Hugging Face's key names, and the
logits of an independent reference.

  make_llama_fixtures.py OUT_DIR

There is no `transformers` in Debian, so the reference below is written in
plain torch from the published maths (LLaMA: Touvron et al. 2023; rotary
embeddings: Su et al. 2021; SwiGLU: Shazeer 2020; Llama 3.1's RoPE scaling
as Meta's reference code defines it), not ported from the C++ under test.
Where Hugging Face fixes a precision (RMSNorm and the rotary angles in
fp32), the reference does the same; everything else runs in float64 on the
bf16 weights, widened exactly.

Cases (OUT_DIR/llama_index.json holds their configs):
  smol   Llama, GQA 4:2, tied head, no biases (SmolLM2's shape, reduced)
  qwen   Qwen2: q/k/v biases, no o_proj bias, tied, eps 1e-6 (Qwen2.5's)
  tiny   Llama, untied lm_head, rope_scaling llama3 (TinyLlama + Llama 3.1)
  linear Llama, untied, rope_scaling linear, written as two shards with
         model.safetensors.index.json and also as one file
Each CASE.safetensors is the checkpoint (BF16), CASE.expected.safetensors
the inputs (a left-padded batch of two and its mask) and the reference's
logits (F64).
"""
import json
import math
import os
import struct
import sys

try:
    import torch
except ImportError as e:  # the C++ tests then skip, saying why
    print(f"no fixtures: {e} (Debian's python3-torch provides torch for /usr/bin/python3)")
    sys.exit(0)

BASE = {"hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64,
        "vocab_size": 97, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu"}
CASES = {
    "smol": dict(BASE, model_type="llama", tie_word_embeddings=True, rope_theta=100000.0),
    "qwen": dict(BASE, model_type="qwen2", tie_word_embeddings=True, rms_norm_eps=1e-6,
                 rope_theta=1000000.0),
    "tiny": dict(BASE, model_type="llama", tie_word_embeddings=False,
                 rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                               "high_freq_factor": 4.0,
                               "original_max_position_embeddings": 16}),
    "linear": dict(BASE, model_type="llama", tie_word_embeddings=False,
                   rope_scaling={"type": "linear", "factor": 2.0}),
}

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.bfloat16: "BF16",
          torch.int64: "I64"}


def tensor_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: its bits as int16
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        data = tensor_bytes(tensors[name])
        header[name] = {"dtype": DTYPES[tensors[name].dtype], "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def head_dim(c):
    return c["hidden_size"] // c["num_attention_heads"]


def random_checkpoint(c, gen):
    """A state dict of LlamaForCausalLM / Qwen2ForCausalLM, bf16."""
    h, i, d = c["hidden_size"], c["intermediate_size"], head_dim(c)
    nh, nkv = c["num_attention_heads"], c["num_key_value_heads"]
    qwen = c["model_type"] == "qwen2"

    def w(*shape, std=0.08):
        return (torch.randn(*shape, generator=gen, dtype=torch.float64) * std).to(torch.bfloat16)

    sd = {"model.embed_tokens.weight": w(c["vocab_size"], h, std=0.5),
          "model.norm.weight": (1 + w(h, std=0.1).double()).to(torch.bfloat16)}
    for n in range(c["num_hidden_layers"]):
        p = f"model.layers.{n}."
        sd[p + "input_layernorm.weight"] = (1 + w(h, std=0.1).double()).to(torch.bfloat16)
        sd[p + "post_attention_layernorm.weight"] = (1 + w(h, std=0.1).double()).to(torch.bfloat16)
        sd[p + "self_attn.q_proj.weight"] = w(nh * d, h)
        sd[p + "self_attn.k_proj.weight"] = w(nkv * d, h)
        sd[p + "self_attn.v_proj.weight"] = w(nkv * d, h)
        sd[p + "self_attn.o_proj.weight"] = w(h, nh * d)
        if qwen:
            sd[p + "self_attn.q_proj.bias"] = w(nh * d, std=0.2)
            sd[p + "self_attn.k_proj.bias"] = w(nkv * d, std=0.2)
            sd[p + "self_attn.v_proj.bias"] = w(nkv * d, std=0.2)
        sd[p + "mlp.gate_proj.weight"] = w(i, h)
        sd[p + "mlp.up_proj.weight"] = w(i, h)
        sd[p + "mlp.down_proj.weight"] = w(h, i)
    if not c["tie_word_embeddings"]:
        sd["lm_head.weight"] = w(c["vocab_size"], h, std=0.3)
    return sd


def inverse_frequencies(c):
    """fp32, as Hugging Face's rope initialisers (default, linear, llama3)."""
    d = head_dim(c)
    inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    s = c.get("rope_scaling")
    if not s:
        return inv
    kind = s.get("rope_type", s.get("type"))
    if kind == "linear":
        return inv / s["factor"]
    assert kind == "llama3"
    factor, low, high = s["factor"], s["low_freq_factor"], s["high_freq_factor"]
    old = s["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old / low, old / high
    wavelen = 2 * math.pi / inv
    out = torch.where(wavelen > low_wavelen, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    blended = (1 - smooth) * out / factor + smooth * out
    medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
    return torch.where(medium, blended, out)


def rms_norm(x, weight, eps):
    x32 = x.float()
    normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)
    return weight.double() * normed.double()


def rotate_half(x):
    first, second = x.chunk(2, dim=-1)
    return torch.cat((-second, first), dim=-1)


def repeat_kv(x, n_rep):
    """[B, kv, T, d] -> [B, kv * n_rep, T, d]: head h reads kv head h // n_rep."""
    b, kv, t, d = x.shape
    return x[:, :, None].expand(b, kv, n_rep, t, d).reshape(b, kv * n_rep, t, d)


def reference_logits(c, sd, ids, mask):
    f = {k: v.double() for k, v in sd.items()}
    b, t = ids.shape
    nh, nkv, d = c["num_attention_heads"], c["num_key_value_heads"], head_dim(c)
    positions = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 1)
    angles = positions.float()[..., None] * inverse_frequencies(c)  # fp32
    emb = torch.cat((angles, angles), dim=-1)
    cos, sin = emb.cos().double()[:, None], emb.sin().double()[:, None]  # [B, 1, T, d]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    allowed = causal[None, None] & mask.bool()[:, None, None, :]
    eps = c["rms_norm_eps"]

    def linear(x, name):
        y = x @ f[name + ".weight"].T
        return y + f[name + ".bias"] if name + ".bias" in f else y

    x = f["model.embed_tokens.weight"][ids]
    for n in range(c["num_hidden_layers"]):
        p = f"model.layers.{n}."
        h = rms_norm(x, sd[p + "input_layernorm.weight"], eps)
        q = linear(h, p + "self_attn.q_proj").view(b, t, nh, d).transpose(1, 2)
        k = linear(h, p + "self_attn.k_proj").view(b, t, nkv, d).transpose(1, 2)
        v = linear(h, p + "self_attn.v_proj").view(b, t, nkv, d).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = repeat_kv(k, nh // nkv), repeat_kv(v, nh // nkv)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        scores = scores.masked_fill(~allowed, torch.finfo(torch.float64).min)
        attn = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, nh * d)
        x = x + linear(attn, p + "self_attn.o_proj")
        h = rms_norm(x, sd[p + "post_attention_layernorm.weight"], eps)
        gate = linear(h, p + "mlp.gate_proj")
        x = x + linear(gate * torch.sigmoid(gate) * linear(h, p + "mlp.up_proj"),
                       p + "mlp.down_proj")
    x = rms_norm(x, sd["model.norm.weight"], eps)
    head = f["lm_head.weight"] if "lm_head.weight" in f else f["model.embed_tokens.weight"]
    return x @ head.T


def write_shards(out, name, sd):
    """Two shards and their index, as save_pretrained(max_shard_size=…) does."""
    names = sorted(sd)
    halves = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map, total = {}, 0
    for i, part in enumerate(halves):
        shard = f"{name}-0000{i + 1}-of-00002.safetensors"
        write_safetensors(os.path.join(out, shard), {k: sd[k] for k in part}, {"format": "pt"})
        for k in part:
            weight_map[k] = shard
            total += sd[k].numel() * 2
    with open(os.path.join(out, f"{name}.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    gen = torch.Generator().manual_seed(20261207)
    ids = torch.randint(0, BASE["vocab_size"], (2, 7), generator=gen)
    mask = torch.ones(2, 7, dtype=torch.int64)
    mask[1, :3] = 0  # the second prompt is 4 tokens, left-padded
    ids[1, :3] = 0
    for case, config in CASES.items():
        sd = random_checkpoint(config, gen)
        write_safetensors(os.path.join(out, f"{case}.safetensors"), sd, {"format": "pt"})
        if case == "linear":
            write_shards(out, case, sd)
        logits = reference_logits(config, sd, ids, mask)
        write_safetensors(os.path.join(out, f"{case}.expected.safetensors"),
                          {"input_ids": ids, "attention_mask": mask, "logits": logits,
                           # one weight widened by torch, to check the load is exact
                           "q_proj_fp32": sd["model.layers.1.self_attn.q_proj.weight"].float()})
    with open(os.path.join(out, "llama_index.json"), "w") as f:
        json.dump(CASES, f, indent=1)
    print(f"llama fixtures in {out}: {', '.join(CASES)}")


if __name__ == "__main__":
    main()
