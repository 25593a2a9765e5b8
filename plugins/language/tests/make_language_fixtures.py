#!/usr/bin/python3
"""Parity fixtures for the language plugin: small GPT-2 and BERT models with
random weights, saved under Hugging Face's real key names and layouts, and
the outputs of an independent reference.

  make_language_fixtures.py OUT_DIR

There is no `transformers` in Debian, so the reference below is written
from the published maths (GPT-2: Radford et al. 2019 and OpenAI's
gpt-2/src/model.py; BERT: Devlin et al. 2018) with plain torch ops in
float64, not ported from the C++ under test. The checkpoints are written
as the Hugging Face files are:

  gpt2_tiny.safetensors      GPT2LMHeadModel's state dict: 'transformer.'
                             prefix, Conv1D weights [in, out], the attn.bias
                             (uint8 causal mask) and attn.masked_bias
                             buffers, no lm_head.weight (tied, not saved)
  gpt2_tiny_hub.safetensors  the Hub's model.safetensors layout: no prefix,
                             attn.bias kept
  gpt2_tiny.pth              the first file as a zip torch.save checkpoint
  gpt2_tiny_legacy.bin       the same, pre-1.6 (non-zip) torch.save
  bert_tiny.safetensors      BertForPreTraining of an old checkpoint:
                             'bert.' prefix, LayerNorm.gamma/beta,
                             embeddings.position_ids, the next-sentence head
                             cls.seq_relationship.*, no decoder weight
  bert_tiny_new.safetensors  newer names (LayerNorm.weight/bias) and the tied
                             decoder weight and bias saved as copies
  minilm_tiny.safetensors    sentence-transformers' BertModel: no prefix, no
                             MLM head

The safetensors format is written by hand (Debian has no `safetensors`
package): an 8-byte little-endian header length, the JSON header, the raw
little-endian data. OUT_DIR/*.expected.safetensors hold each case's inputs
and the reference's outputs; OUT_DIR/index.json the configs.
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

GPT2 = {"n_layer": 2, "n_head": 4, "n_embd": 64, "n_positions": 32, "vocab_size": 101,
        "layer_norm_epsilon": 1e-5}
BERT = {"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
        "intermediate_size": 128, "max_position_embeddings": 40, "type_vocab_size": 2,
        "layer_norm_eps": 1e-12, "vocab_size": 99}

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.uint8: "U8",
          torch.bool: "BOOL"}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def randn(*shape, std=1.0):
    return torch.randn(*shape) * std


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)  # biased, as LayerNorm's
    return (x - mean) / torch.sqrt(var + eps) * weight + bias


def gelu_tanh(x):  # GPT-2's gelu ("gelu_new" in transformers)
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_erf(x):  # BERT's exact gelu
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def attention(q, k, v, allowed, heads):
    """q [B, S, E], k/v [B, T, E]; allowed [B, S, T]: scaled dot-product per head."""
    b, s, e = q.shape
    d = e // heads
    q, k, v = (t.reshape(b, t.shape[1], heads, d) for t in (q, k, v))
    scores = torch.einsum("bshd,bthd->bhst", q, k) / math.sqrt(d)
    scores = scores.masked_fill(~allowed[:, None], -1e30)  # finite: a row may have no key
    weights = torch.softmax(scores, dim=-1)
    return torch.einsum("bhst,bthd->bshd", weights, v).reshape(b, s, e)


# ---------------------------------------------------------------- GPT-2

def gpt2_weights(c):
    e, f = c["n_embd"], 4 * c["n_embd"]
    w = {"wte.weight": randn(c["vocab_size"], e, std=0.3),
         "wpe.weight": randn(c["n_positions"], e, std=0.3),
         "ln_f.weight": 1 + randn(e, std=0.2), "ln_f.bias": randn(e, std=0.2)}
    for i in range(c["n_layer"]):
        p = f"h.{i}."
        for ln in ("ln_1", "ln_2"):
            w[p + ln + ".weight"] = 1 + randn(e, std=0.2)
            w[p + ln + ".bias"] = randn(e, std=0.2)
        # Conv1D: weight [in, out]
        w[p + "attn.c_attn.weight"] = randn(e, 3 * e, std=0.15)
        w[p + "attn.c_attn.bias"] = randn(3 * e, std=0.1)
        w[p + "attn.c_proj.weight"] = randn(e, e, std=0.15)
        w[p + "attn.c_proj.bias"] = randn(e, std=0.1)
        w[p + "mlp.c_fc.weight"] = randn(e, f, std=0.15)
        w[p + "mlp.c_fc.bias"] = randn(f, std=0.1)
        w[p + "mlp.c_proj.weight"] = randn(f, e, std=0.1)
        w[p + "mlp.c_proj.bias"] = randn(e, std=0.1)
    return w


def gpt2_reference(w, c, ids, mask, positions):
    """Final hidden states and logits; mask [B, T] (1 real), positions [B, T]."""
    w = {k: v.double() for k, v in w.items()}
    e, heads, eps = c["n_embd"], c["n_head"], c["layer_norm_epsilon"]
    t = ids.shape[1]
    causal = torch.arange(t)[None, :] <= torch.arange(t)[:, None]  # key j <= query i
    allowed = causal[None] & mask.bool()[:, None, :]
    x = w["wte.weight"][ids] + w["wpe.weight"][positions]
    for i in range(c["n_layer"]):
        p = f"h.{i}."
        a = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
        x = x + attention(q, k, v, allowed, heads) @ w[p + "attn.c_proj.weight"] \
            + w[p + "attn.c_proj.bias"]
        m = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        hidden = gelu_tanh(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + hidden @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    return x, x @ w["wte.weight"].T  # the output layer is the token table


def gpt2_case(out):
    c = GPT2
    w = gpt2_weights(c)
    # A left-padded batch: 7, 5 and 3 real tokens (pad id 0 where masked).
    lengths, t = [7, 5, 3], 7
    ids = torch.randint(1, c["vocab_size"], (3, t))
    mask = torch.zeros(3, t, dtype=torch.int64)
    for row, n in enumerate(lengths):
        mask[row, t - n:] = 1
        ids[row, :t - n] = 0
    positions = (mask.cumsum(-1) - 1).clamp(min=0)  # each row counts from its first real token
    hidden, logits = gpt2_reference(w, c, ids, mask, positions)
    # The unpadded first row alone, positions 0..6: the plain forward.
    hidden1, logits1 = gpt2_reference(w, c, ids[:1], mask[:1], positions[:1])
    write_safetensors(os.path.join(out, "gpt2.expected.safetensors"), {
        "input_ids": ids, "attention_mask": mask, "position_ids": positions,
        "hidden": hidden.float(), "logits": logits.float(), "logits_row0": logits1.float()})

    n = c["n_positions"]
    buffers = {}
    for i in range(c["n_layer"]):  # what GPT2Attention registered before transformers 4.27
        buffers[f"h.{i}.attn.bias"] = torch.tril(torch.ones(n, n, dtype=torch.uint8)).view(1, 1, n, n)
        buffers[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    lm_head_state = {"transformer." + k: v for k, v in {**w, **buffers}.items()}
    write_safetensors(os.path.join(out, "gpt2_tiny.safetensors"), lm_head_state)
    hub_state = {k: v for k, v in {**w, **buffers}.items() if not k.endswith("masked_bias")}
    write_safetensors(os.path.join(out, "gpt2_tiny_hub.safetensors"), hub_state)
    torch.save(lm_head_state, os.path.join(out, "gpt2_tiny.pth"))
    torch.save(lm_head_state, os.path.join(out, "gpt2_tiny_legacy.bin"),
               _use_new_zipfile_serialization=False)


# ----------------------------------------------------------------- BERT

def bert_weights(c, mlm_head):
    h, f, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    w = {"embeddings.word_embeddings.weight": randn(v, h, std=0.3),
         "embeddings.position_embeddings.weight": randn(c["max_position_embeddings"], h, std=0.3),
         "embeddings.token_type_embeddings.weight": randn(c["type_vocab_size"], h, std=0.3),
         "embeddings.LayerNorm.weight": 1 + randn(h, std=0.2),
         "embeddings.LayerNorm.bias": randn(h, std=0.2),
         "pooler.dense.weight": randn(h, h, std=0.15), "pooler.dense.bias": randn(h, std=0.1)}
    for i in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        # nn.Linear: weight [out, in]
        for name, (o, n) in {"attention.self.query": (h, h), "attention.self.key": (h, h),
                             "attention.self.value": (h, h), "attention.output.dense": (h, h),
                             "intermediate.dense": (f, h), "output.dense": (h, f)}.items():
            w[p + name + ".weight"] = randn(o, n, std=0.15)
            w[p + name + ".bias"] = randn(o, std=0.1)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"] = 1 + randn(h, std=0.2)
            w[p + ln + ".bias"] = randn(h, std=0.2)
    if mlm_head:
        w["cls.predictions.transform.dense.weight"] = randn(h, h, std=0.15)
        w["cls.predictions.transform.dense.bias"] = randn(h, std=0.1)
        w["cls.predictions.transform.LayerNorm.weight"] = 1 + randn(h, std=0.2)
        w["cls.predictions.transform.LayerNorm.bias"] = randn(h, std=0.2)
        w["cls.predictions.bias"] = randn(v, std=0.2)
    return w


def bert_reference(w, c, ids, types, mask):
    """Last hidden states, pooled output and (with the head) MLM logits."""
    w = {k: v.double() for k, v in w.items()}
    heads, eps = c["num_attention_heads"], c["layer_norm_eps"]
    lin = lambda x, name: x @ w[name + ".weight"].T + w[name + ".bias"]
    ln = lambda x, name: layer_norm(x, w[name + ".weight"], w[name + ".bias"], eps)
    t = ids.shape[1]
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][torch.arange(t)][None]
         + w["embeddings.token_type_embeddings.weight"][types])
    x = ln(x, "embeddings.LayerNorm")
    allowed = mask.bool()[:, None, :].expand(-1, t, -1)  # every query sees the real keys
    for i in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        ctx = attention(lin(x, p + "attention.self.query"), lin(x, p + "attention.self.key"),
                        lin(x, p + "attention.self.value"), allowed, heads)
        x = ln(lin(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        inner = gelu_erf(lin(x, p + "intermediate.dense"))
        x = ln(lin(inner, p + "output.dense") + x, p + "output.LayerNorm")
    pooled = torch.tanh(lin(x[:, 0], "pooler.dense"))
    logits = None
    if "cls.predictions.bias" in w:
        y = ln(gelu_erf(lin(x, "cls.predictions.transform.dense")),
               "cls.predictions.transform.LayerNorm")
        logits = y @ w["embeddings.word_embeddings.weight"].T + w["cls.predictions.bias"]
    return x, pooled, logits


def bert_inputs(c):
    # A right-padded batch of pairs: 9, 6 and 4 real tokens, segment B after
    # the first half of each row's real tokens.
    lengths, t = [9, 6, 4], 9
    ids = torch.randint(1, c["vocab_size"], (3, t))
    mask = torch.zeros(3, t, dtype=torch.int64)
    types = torch.zeros(3, t, dtype=torch.int64)
    for row, n in enumerate(lengths):
        mask[row, :n] = 1
        types[row, n // 2:n] = 1
        ids[row, n:] = 0
    return ids, types, mask


def old_names(state):
    """LayerNorm.weight/bias as the TensorFlow-converted checkpoints name them."""
    return {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v
            for k, v in state.items()}


def bert_case(out):
    c = BERT
    w = bert_weights(c, mlm_head=True)
    ids, types, mask = bert_inputs(c)
    hidden, pooled, logits = bert_reference(w, c, ids, types, mask)
    write_safetensors(os.path.join(out, "bert.expected.safetensors"), {
        "input_ids": ids, "token_type_ids": types, "attention_mask": mask,
        "hidden": hidden.float(), "pooled": pooled.float(), "logits": logits.float()})
    position_ids = torch.arange(c["max_position_embeddings"]).view(1, -1)
    old = {("bert." + k if not k.startswith("cls.") else k): v for k, v in w.items()}
    old["bert.embeddings.position_ids"] = position_ids
    old["cls.seq_relationship.weight"] = randn(2, c["hidden_size"])
    old["cls.seq_relationship.bias"] = randn(2)
    write_safetensors(os.path.join(out, "bert_tiny.safetensors"), old_names(old))
    new = {("bert." + k if not k.startswith("cls.") else k): v for k, v in w.items()}
    new["cls.predictions.decoder.weight"] = w["embeddings.word_embeddings.weight"]
    new["cls.predictions.decoder.bias"] = w["cls.predictions.bias"]
    write_safetensors(os.path.join(out, "bert_tiny_new.safetensors"), new)


def minilm_case(out):
    c = BERT
    w = bert_weights(c, mlm_head=False)
    ids, types, mask = bert_inputs(c)
    types.zero_()  # sentence-transformers encodes single sentences
    hidden, _, _ = bert_reference(w, c, ids, types, mask)
    # sentence-transformers' Pooling(mean) then Normalize: the mean over the
    # real tokens, divided by its L2 norm.
    m = mask[..., None].double()
    mean = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    embedding = mean / mean.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    write_safetensors(os.path.join(out, "minilm.expected.safetensors"), {
        "input_ids": ids, "attention_mask": mask, "hidden": hidden.float(),
        "embedding": embedding.float()})
    state = dict(w)
    state["embeddings.position_ids"] = torch.arange(c["max_position_embeddings"]).view(1, -1)
    write_safetensors(os.path.join(out, "minilm_tiny.safetensors"), state)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(17)
    gpt2_case(out)
    bert_case(out)
    minilm_case(out)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"gpt2": GPT2, "bert": BERT}, f, indent=1)


if __name__ == "__main__":
    main()
