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

# The tensors forward() and the capabilities take. The text itself is a
# task command's option (--prompt, --text), not a tensor input: the schema
# would give it a dtype it does not have.
GPT2_INPUTS = [
    {"name": "input_ids", "kind": "tokens", "shape": ["N", "T"], "dtype": "int64"},
    {"name": "attention_mask", "kind": "tensor", "shape": ["N", "T"], "dtype": "int64"},
]
BERT_INPUTS = [
    {"name": "input_ids", "kind": "tokens", "shape": ["N", "T"], "dtype": "int64"},
    {"name": "attention_mask", "kind": "tensor", "shape": ["N", "T"], "dtype": "int64"},
    {"name": "token_type_ids", "kind": "tensor", "shape": ["N", "T"], "dtype": "int64"},
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
# size, sha256) of each file, as the repositories list them at that commit.
# The roles beyond docs/manifest.md's weights/vocab/merges/tokenizer/config:
# tokenizer-config (tokenizer_config.json: lower-casing, special tokens).
GPT2_TOKENIZER = [
    ("vocab", "vocab.json", "json", 1042301,
     "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"),
    ("merges", "merges.txt", "text", 456318,
     "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"),
    ("tokenizer", "tokenizer.json", "json", 1355256,
     "8414cab924d8b9b33013f0d221c5862f365ee9be39c5c2bfae8a5a9e970478a6"),
    ("tokenizer-config", "tokenizer_config.json", "json", 26,
     "5e04eb606e3a1583530a42e36c2a6b6615c86f34fe77e44d9ddeb43ff940931f"),
]  # the same four files in gpt2, gpt2-medium and distilgpt2
HF = {
    "gpt2": {"repo": "openai-community/gpt2", "revision": "607a30d783dfa663caf39e06633721c8d4cfcd7e",
             "license": "MIT", "files": [
        ("weights", "model.safetensors", "safetensors", 548105171,
         "248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707"),
        ("config", "config.json", "json", 665,
         "0daed7749b4f02b8f76240d5444551d7b08712dab4d0adb8239c56ba823bb7b4"),
    ] + GPT2_TOKENIZER},
    "gpt2-medium": {"repo": "openai-community/gpt2-medium",
                    "revision": "6dcaa7a952f72f9298047fd5137cd6e4f05f41da", "license": "MIT",
                    "files": [
        ("weights", "model.safetensors", "safetensors", 1519984962,
         "fc5a354a19255ad494f3d71549390baca1ccf61d1d822b9408971705c687c9cd"),
        ("config", "config.json", "json", 718,
         "ef1a44d889ad1a0acc7731c78134f1b87d2d222f110e97dd10fd4117331caf22"),
    ] + GPT2_TOKENIZER},
    "distilgpt2": {"repo": "distilbert/distilgpt2",
                   "revision": "2290a62682d06624634c1f46a6ad5be0f47f38aa", "license": "Apache-2.0",
                   "files": [
        ("weights", "model.safetensors", "safetensors", 352824413,
         "e1ff18884359fe8beb795a5f414feb85a6ce3d929ad019c0d958c039d2b94a1b"),
        ("config", "config.json", "json", 762,
         "4ec5947c1d59fee6212cdf3b0ec1a53eac02092554c5ff0a733488cbd2c64f3a"),
    ] + GPT2_TOKENIZER},
    "bert-base-uncased": {"repo": "google-bert/bert-base-uncased",
                          "revision": "86b5e0934494bd15c9632b12f734a8a67f723594",
                          "license": "Apache-2.0", "files": [
        ("weights", "model.safetensors", "safetensors", 440449768,
         "68d45e234eb4a928074dfd868cead0219ab85354cc53d20e772753c6bb9169d3"),
        ("config", "config.json", "json", 570,
         "7160e1553ad2ca51d8c1cb066be533db31826e12d173824c1bb0cb1a4f187d20"),
        ("vocab", "vocab.txt", "text", 231508,
         "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
        ("tokenizer", "tokenizer.json", "json", 466062,
         "ce64fce797c24f68df90b40a3f74f579b336a493db14bd583fd520ea0d8c9a98"),
        ("tokenizer-config", "tokenizer_config.json", "json", 48,
         "a025160ef0431f1a392f6f050c1310f4c5d9fb6f275932dbccba73c4d214bf10"),
    ]},
    # Only the weights' digest of this revision is known here: config.json,
    # vocab.txt and tokenizer.json are left out rather than listed with a
    # guessed digest (a snapshot directory, --weights DIR, supplies them).
    "bert-base-cased": {"repo": "google-bert/bert-base-cased",
                        "revision": "cd5ef92a9fb2f889e972770a36d4ed042daf221e",
                        "license": "Apache-2.0", "files": [
        ("weights", "model.safetensors", "safetensors", 435755784,
         "1d8bdcee6021e2c25f0325e84889b61c2eb26b843eef5659c247af138d64f050"),
    ], "unlisted": ["config.json", "vocab.txt", "tokenizer.json"]},
    "all-MiniLM-L6-v2": {"repo": "sentence-transformers/all-MiniLM-L6-v2",
                         "revision": "1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
                         "license": "Apache-2.0", "files": [
        ("weights", "model.safetensors", "safetensors", 90868376,
         "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
        ("config", "config.json", "json", 612,
         "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
        ("vocab", "vocab.txt", "text", 231508,
         "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
        ("tokenizer", "tokenizer.json", "json", 466247,
         "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
        ("tokenizer-config", "tokenizer_config.json", "json", 350,
         "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"),
    ],
        # sentence-transformers' modules.json / 1_Pooling/config.json /
        # sentence_bert_config.json, as data: mean pooling, then Normalize.
        "meta": {"embedding_dim": 384, "pooling": "mean", "normalize": True,
                 "max_seq_length": 256}},
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
            "hf_repo": facts["repo"], "hf_revision": facts["revision"], **facts.get("meta", {})}
    if facts.get("unlisted"):
        meta["unlisted_files"] = facts["unlisted"]  # no known digest at this revision
    return [{"tag": "HF", "default": True, "files": files, "meta": meta}]


def entrypoint(name, summary, doc, task, config, inputs, count):
    context = config.get("n_positions", config.get("max_position_embeddings"))
    return {"name": name, "summary": summary, "doc": doc, "task": task, "config": config,
            "inputs": inputs, "variants": variant(name, config, task, count(config), context)}


COMMANDS = [
    {"verb": "run", "task": "text-generation",
     "summary": "Continue a prompt, streaming the text (greedy unless a sampling option is given)",
     "options": [
         {"name": "prompt", "type": "string", "short": "p", "required": True, "multiple": True,
          "help": "Text to continue; several are one left-padded batch"},
         {"name": "max-new-tokens", "type": "int", "default": 20,
          "help": "Tokens to generate at most"},
         {"name": "do-sample", "type": "bool",
          "help": "Sample instead of taking the most likely token (implied by the four below)"},
         {"name": "temperature", "type": "number", "help": "Divide the scores before sampling"},
         {"name": "top-k", "type": "int", "help": "Sample from the k most likely tokens"},
         {"name": "top-p", "type": "number",
          "help": "Sample from the smallest set of tokens of this total probability"},
         {"name": "seed", "type": "int", "help": "Seed of the sampling, so that a run repeats"},
         {"name": "repetition-penalty", "type": "number", "default": 1.0,
          "help": "Above 1 discourages tokens already in the text"},
         {"name": "stop", "type": "string", "multiple": True,
          "help": "Stop when the text contains this string (cut before it)"}]},
    {"verb": "run", "task": "fill-mask",
     "summary": "The most likely words for each [MASK] in a sentence, with their probabilities",
     "options": [
         {"name": "text", "type": "string", "short": "t", "required": True, "multiple": True,
          "help": "A sentence with [MASK] where a word is to be filled in"},
         {"name": "top-k", "type": "int", "default": 5, "help": "Fill-ins to list for each mask"}]},
    {"verb": "run", "task": "feature-extraction",
     "summary": "Sentence embeddings of texts and the cosine similarity of every pair",
     "options": [
         {"name": "text", "type": "string", "short": "t", "required": True, "multiple": True,
          "help": "A text to embed (repeat for several)"}]},
]


def main():
    manifest = {"family": "language", "plugin_version": "1.0.0", "vendor": "modelzoo",
                "entrypoints": [entrypoint(*e) for e in ENTRYPOINTS], "commands": COMMANDS}
    json.dump(manifest, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
