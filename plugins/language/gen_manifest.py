#!/usr/bin/python3
"""Writes plugins/language/manifest.json from the facts below.

  /usr/bin/python3 plugins/language/gen_manifest.py > plugins/language/manifest.json

The facts are the Hugging Face repositories' own: each model's config.json
(the config defaults, under config.json's key names), and for each DEFAULT
variant the repository, the commit it is pinned to and every file's size
and SHA-256 (the LFS pointer's oid for weights, the file's bytes for the
rest). A file whose digest is not known here is not listed: the manifest
requires a digest for every file, and none is ever made up; a variant
missing any file is left out (the model is then built with random weights
or from a local snapshot, --weights DIR). num_params is computed from the
config, counting tied tensors once, as Hugging Face's num_parameters() does.
The output is committed: the build needs no Python.
"""
import json
import sys

GPT2_DOC = ("GPT-2 (Radford et al. 2019, https://openai.com/research/better-language-models): a "
            "decoder-only transformer with pre-LayerNorm blocks, learned positions and the output "
            "layer tied to the token embeddings. Hugging Face's parameter names; loads the "
            "published model.safetensors (an optional 'transformer.' prefix, the attn.bias buffers "
            "ignored, lm_head.weight absent or equal to wte.weight). Config (config.json's names): "
            "n_layer, n_head, n_embd, n_positions, vocab_size, layer_norm_epsilon.")
BERT_DOC = ("BERT (Devlin et al. 2018, https://arxiv.org/abs/1810.04805): a post-LayerNorm "
            "bidirectional encoder with word, position and token-type embeddings, and the masked-"
            "language-model head (transform, decoder tied to the word embeddings). Loads Hugging "
            "Face's checkpoints ('bert.' prefix, LayerNorm gamma/beta or weight/bias, position_ids "
            "and the next-sentence head ignored). Config (config.json's names): num_hidden_layers, "
            "hidden_size, num_attention_heads, intermediate_size, max_position_embeddings, "
            "type_vocab_size, layer_norm_eps, vocab_size.")
MINILM_DOC = ("all-MiniLM-L6-v2 (sentence-transformers, https://www.sbert.net): a 6-layer BERT "
              "(MiniLM, Wang et al. 2020) fine-tuned for sentence embeddings: the mean of the last "
              "hidden states over the attention mask, L2-normalised, 384 values. Same config keys "
              "as BERT.")

GPT2_INPUTS = [
    {"name": "input_ids", "kind": "tokens", "shape": ["N", "T"], "dtype": "int64"},
    {"name": "attention_mask", "kind": "tensor", "shape": ["N", "T"], "dtype": "int64"},
    {"name": "text", "kind": "text", "shape": ["N"]},
]
BERT_INPUTS = [
    {"name": "input_ids", "kind": "tokens", "shape": ["N", "T"], "dtype": "int64"},
    {"name": "attention_mask", "kind": "tensor", "shape": ["N", "T"], "dtype": "int64"},
    {"name": "token_type_ids", "kind": "tensor", "shape": ["N", "T"], "dtype": "int64"},
    {"name": "text", "kind": "text", "shape": ["N"]},
]


def gpt2_config(n_layer, n_head, n_embd):
    return {"n_layer": n_layer, "n_head": n_head, "n_embd": n_embd, "n_positions": 1024,
            "vocab_size": 50257, "layer_norm_epsilon": 1e-5}


def bert_config(layers, hidden, heads, intermediate, vocab):
    return {"num_hidden_layers": layers, "hidden_size": hidden, "num_attention_heads": heads,
            "intermediate_size": intermediate, "max_position_embeddings": 512,
            "type_vocab_size": 2, "layer_norm_eps": 1e-12, "vocab_size": vocab}


def gpt2_params(c):
    e, layers = c["n_embd"], c["n_layer"]
    block = 2 * 2 * e + (e * 3 * e + 3 * e) + (e * e + e) + (e * 4 * e + 4 * e) + (4 * e * e + e)
    return c["vocab_size"] * e + c["n_positions"] * e + layers * block + 2 * e  # lm_head tied


def bert_params(c, mlm_head):
    h, i, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    embeddings = (v + c["max_position_embeddings"] + c["type_vocab_size"]) * h + 2 * h
    layer = 4 * (h * h + h) + 2 * 2 * h + (h * i + i) + (i * h + h)
    pooler = h * h + h
    head = (h * h + h) + 2 * h + v if mlm_head else 0  # decoder weight tied, its bias counted
    return embeddings + c["num_hidden_layers"] * layer + pooler + head


# Hugging Face files: repository, pinned commit, and (role, file, format,
# size, sha256) of each file. None: not known here.
HF = {
    "gpt2": {"repo": "openai-community/gpt2", "revision": None, "license": "MIT", "files": [
        ("weights", "model.safetensors", "safetensors", 548105171,
         "248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707"),
        ("vocab", "vocab.json", "json", 1042301,
         "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"),
        ("merges", "merges.txt", "text", 456318,
         "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"),
    ]},
}

ENTRYPOINTS = [
    ("gpt2", "GPT-2 124M (Radford et al. 2019)", GPT2_DOC, "text-generation",
     gpt2_config(12, 12, 768), GPT2_INPUTS, gpt2_params),
    ("gpt2-medium", "GPT-2 Medium 355M (Radford et al. 2019)", GPT2_DOC, "text-generation",
     gpt2_config(24, 16, 1024), GPT2_INPUTS, gpt2_params),
    ("distilgpt2", "DistilGPT-2 82M (Sanh et al. 2019), GPT-2 distilled to 6 layers",
     GPT2_DOC, "text-generation", gpt2_config(6, 12, 768), GPT2_INPUTS, gpt2_params),
    ("bert-base-uncased", "BERT base, uncased (Devlin et al. 2018), with its fill-mask head",
     BERT_DOC, "fill-mask", bert_config(12, 768, 12, 3072, 30522), BERT_INPUTS,
     lambda c: bert_params(c, mlm_head=True)),
    ("bert-base-cased", "BERT base, cased (Devlin et al. 2018), with its fill-mask head",
     BERT_DOC, "fill-mask", bert_config(12, 768, 12, 3072, 28996), BERT_INPUTS,
     lambda c: bert_params(c, mlm_head=True)),
    ("all-MiniLM-L6-v2", "all-MiniLM-L6-v2 sentence embeddings (sentence-transformers)",
     MINILM_DOC, "feature-extraction", bert_config(6, 384, 12, 1536, 30522), BERT_INPUTS,
     lambda c: bert_params(c, mlm_head=False)),
]


def variant(name, config, task, num_params, context):
    facts = HF.get(name)
    if not facts or not facts["revision"]:
        return []
    files = []
    for role, file, fmt, size, sha256 in facts["files"]:
        if not sha256:
            print(f"{name}: {file} has no known digest; variant left out", file=sys.stderr)
            return []
        entry = {"role": role, "file": file, "format": fmt,
                 "urls": [f"https://huggingface.co/{facts['repo']}/resolve/{facts['revision']}/{file}"],
                 "sha256": sha256}
        if size:
            entry["size"] = size
        files.append(entry)
    meta = {"num_params": num_params, "context_length": context,
            "vocab_size": config["vocab_size"], "license": facts["license"], "task": task,
            "hf_repo": facts["repo"], "hf_revision": facts["revision"]}
    return [{"tag": "HF", "default": True, "files": files, "meta": meta}]


def entrypoint(name, summary, doc, task, config, inputs, count):
    context = config.get("n_positions", config.get("max_position_embeddings"))
    return {"name": name, "summary": summary, "doc": doc, "task": task, "config": config,
            "inputs": inputs, "variants": variant(name, config, task, count(config), context)}


def main():
    manifest = {"family": "language", "plugin_version": "1.0.0", "vendor": "modelzoo",
                "entrypoints": [entrypoint(*e) for e in ENTRYPOINTS]}
    json.dump(manifest, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
