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
LLAMA_DOC = ("A LLaMA-architecture decoder (Touvron et al. 2023, https://arxiv.org/abs/2302.13971): "
             "pre-RMSNorm blocks, rotary position embeddings (rope_theta, optional rope_scaling "
             "linear or llama3), grouped-query attention (num_key_value_heads), a SwiGLU "
             "feed-forward, and an output layer tied to the embeddings or its own lm_head. "
             "Hugging Face's parameter names; loads the published bf16 model.safetensors (one "
             "file or shards) exactly. Config (config.json's names): hidden_size, "
             "intermediate_size, num_hidden_layers, num_attention_heads, num_key_value_heads, "
             "head_dim, max_position_embeddings, vocab_size, rms_norm_eps, rope_theta, "
             "rope_scaling, tie_word_embeddings, attention_bias, mlp_bias.")
QWEN2_DOC = ("Qwen2 (Qwen team 2024, https://arxiv.org/abs/2407.10671): the LLaMA architecture "
             "with biases on the q/k/v projections (none on o_proj). Same config keys as the "
             "LLaMA entrypoints; use_sliding_window must be false.")

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


def llama_config(hidden, intermediate, layers, heads, kv_heads, context, vocab, eps, theta,
                 tied):
    return {"hidden_size": hidden, "intermediate_size": intermediate, "num_hidden_layers": layers,
            "num_attention_heads": heads, "num_key_value_heads": kv_heads,
            "max_position_embeddings": context, "vocab_size": vocab, "rms_norm_eps": eps,
            "rope_theta": theta, "tie_word_embeddings": tied}


def llama_params(c, qkv_bias=False):
    h, i, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    d = c.get("head_dim", h // c["num_attention_heads"])
    q, kv = c["num_attention_heads"] * d, c["num_key_value_heads"] * d
    attention = h * q + 2 * h * kv + q * h + ((q + 2 * kv) if qkv_bias else 0)
    layer = 2 * h + attention + 3 * h * i
    head = 0 if c["tie_word_embeddings"] else v * h
    return v * h + c["num_hidden_layers"] * layer + h + head


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

SMOLLM2_TOKENIZER = [  # the same files in the three SmolLM2 repositories
    ("tokenizer", "tokenizer.json", "json", 2104556,
     "9ca9acddb6525a194ec8ac7a87f24fbba7232a9a15ffa1af0c1224fcd888e47c"),
]
SMOLLM2_INSTRUCT_FILES = [
    ("tokenizer-config", "tokenizer_config.json", "json", 3764,
     "4ec77d44f62efeb38d7e044a1db318f6a939438425312dfa333b8382dbad98df"),
    ("generation-config", "generation_config.json", "json", 132,
     "87b916edaaab66b3899b9d0dd0752727dff6666686da0504d89ae0a6e055a013"),
]
HF.update({
    "smollm2-135m": {"repo": "HuggingFaceTB/SmolLM2-135M",
                     "revision": "93efa2f097d58c2a74874c7e644dbc9b0cee75a2",
                     "license": "Apache-2.0", "files": [
        ("weights", "model.safetensors", "safetensors", 269060552,
         "80521b40281d6ce74e35c9282c22539e75aa0ac8578892b2a59955ef78d55da1"),
        ("config", "config.json", "json", 704,
         "1d556eab73b69c7f11f64c557a2f9c6f440bd4c6b89bb2584a6b498c92603843"),
        ("generation-config", "generation_config.json", "json", 111,
         "2056c988e990b0d13670f63f2f3b87b3b6d07edaf7a3416998ba27dab2d8a059"),
        ("tokenizer-config", "tokenizer_config.json", "json", 3658,
         "4bb9af56a342753d39374f4016a16574cab299fe088e896f425ce3c433f61424"),
    ] + SMOLLM2_TOKENIZER},
    "smollm2-135m-instruct": {"repo": "HuggingFaceTB/SmolLM2-135M-Instruct",
                              "revision": "12fd25f77366fa6b3b4b768ec3050bf629380bac",
                              "license": "Apache-2.0", "files": [
        ("weights", "model.safetensors", "safetensors", 269060552,
         "5af571cbf074e6d21a03528d2330792e532ca608f24ac70a143f6b369968ab8c"),
        ("config", "config.json", "json", 861,
         "8eb740e8bbe4cff95ea7b4588d17a2432deb16e8075bc5828ff7ba9be94d982a"),
    ] + SMOLLM2_INSTRUCT_FILES + SMOLLM2_TOKENIZER},
    "smollm2-360m-instruct": {"repo": "HuggingFaceTB/SmolLM2-360M-Instruct",
                              "revision": "a10cc1512eabd3dde888204e902eca88bddb4951",
                              "license": "Apache-2.0", "files": [
        ("weights", "model.safetensors", "safetensors", 723674912,
         "e6bffe7435d7ddc10fd3b9a9efd429dafbacb1cb17015fb5562664e7532bf86e"),
        ("config", "config.json", "json", 846,
         "224f72354f10d617a359cc82ad15a3c96e866b9b2ffadb81997eeea9e88e22ee"),
    ] + SMOLLM2_INSTRUCT_FILES + SMOLLM2_TOKENIZER},
    "qwen2.5-0.5b-instruct": {"repo": "Qwen/Qwen2.5-0.5B-Instruct",
                              "revision": "7ae557604adf67be50417f59c2c2f167def9a775",
                              "license": "Apache-2.0", "files": [
        ("weights", "model.safetensors", "safetensors", 988097824,
         "fdf756fa7fcbe7404d5c60e26bff1a0c8b8aa1f72ced49e7dd0210fe288fb7fe"),
        ("config", "config.json", "json", 659,
         "18e18afcaccafade98daf13a54092927904649e1dd4eba8299ab717d5d94ff45"),
        ("generation-config", "generation_config.json", "json", 242,
         "e558847a8b4402616f1273797b015104dc266fe4b520056fca88823ba8f8ebe6"),
        ("tokenizer", "tokenizer.json", "json", 7031645,
         "c0382117ea329cdf097041132f6d735924b697924d6f6fc3945713e96ce87539"),
        ("tokenizer-config", "tokenizer_config.json", "json", 7305,
         "5b5d4f65d0acd3b2d56a35b56d374a36cbc1c8fa5cf3b3febbbfabf22f359583"),
    ]},
    "tinyllama-1.1b-chat": {"repo": "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
                            "revision": "fe8a4ea1ffedaf415f4da2f062534de366a451e6",
                            "license": "Apache-2.0", "files": [
        ("weights", "model.safetensors", "safetensors", 2200119864,
         "6e6001da2106d4757498752a021df6c2bdc332c650aae4bae6b0c004dcf14933"),
        ("config", "config.json", "json", 608,
         "486bedda3a6988332e60d9638a09ca4b260d34ebcf1b19e22cf3b140b63d8fe9"),
        ("generation-config", "generation_config.json", "json", 124,
         "18046d04f5bd8b4998095ecabdd17a1bf0053d9acdccead4a05be4a3575f3c5c"),
        # SentencePiece's own model: the tokenizer TinyLlama was trained with
        # (Llama 2's); tokenizer.json is its Hugging Face conversion.
        ("tokenizer-model", "tokenizer.model", "sentencepiece", 499723,
         "9e556afd44213b6bd1be2b850ebbbd98f5481437a8021afaf58ee7fb1818d347"),
        ("tokenizer-config", "tokenizer_config.json", "json", 1289,
         "7b41ba7d0eb91e77914ca3dafde559ea3e19878769b7e68409e89bed5222e77a"),
    ]},
})

# The chat models' chat formats (plugins/language/src/chat_template.h), as
# data: what their tokenizer_config.json "chat_template" (Jinja, kept in
# tests/chat_templates/hf_chat_templates.json) renders without tools.
# "stop": the token texts a reply ends at (tokenizer_config.json's
# eos_token; generation_config.json's eos_token_id, two for Qwen2.5). The
# base smollm2-135m has none here: a base model is not tuned to converse.
SMOLLM2_CHAT = {"format": "chatml",
                "default_system": "You are a helpful AI assistant named SmolLM, trained by "
                                  "Hugging Face",
                "stop": ["<|im_end|>"]}
CHAT_TEMPLATES = {
    "smollm2-135m-instruct": SMOLLM2_CHAT,
    "smollm2-360m-instruct": SMOLLM2_CHAT,
    "qwen2.5-0.5b-instruct": {"format": "chatml",
                              "default_system": "You are Qwen, created by Alibaba Cloud. You are "
                                                "a helpful assistant.",
                              "stop": ["<|im_end|>", "<|endoftext|>"]},
    "tinyllama-1.1b-chat": {"format": "zephyr", "end_of_turn": "</s>", "stop": ["</s>"]},
}
for _name, _template in CHAT_TEMPLATES.items():
    HF[_name].setdefault("meta", {})["chat_template"] = _template

SMOLLM2_135M = llama_config(576, 1536, 30, 9, 3, 8192, 49152, 1e-5, 100000.0, True)

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
    ("smollm2-135m", "SmolLM2 135M base (Hugging Face 2024), a LLaMA-architecture decoder",
     LLAMA_DOC, "text-generation", SMOLLM2_135M, GPT2_INPUTS, llama_params),
    ("smollm2-135m-instruct", "SmolLM2 135M Instruct (Hugging Face 2024), for chat",
     LLAMA_DOC, "text-generation", SMOLLM2_135M, GPT2_INPUTS, llama_params),
    ("smollm2-360m-instruct", "SmolLM2 360M Instruct (Hugging Face 2024), for chat", LLAMA_DOC,
     "text-generation", llama_config(960, 2560, 32, 15, 5, 8192, 49152, 1e-5, 100000.0, True),
     GPT2_INPUTS, llama_params),
    ("qwen2.5-0.5b-instruct", "Qwen2.5 0.5B Instruct (Qwen team 2024), for chat", QWEN2_DOC,
     "text-generation",
     llama_config(896, 4864, 24, 14, 2, 32768, 151936, 1e-6, 1000000.0, True), GPT2_INPUTS,
     lambda c: llama_params(c, qkv_bias=True)),
    ("tinyllama-1.1b-chat", "TinyLlama 1.1B Chat v1.0 (Zhang et al. 2024), for chat", LLAMA_DOC,
     "text-generation", llama_config(2048, 5632, 22, 32, 4, 2048, 32000, 1e-5, 10000.0, False),
     GPT2_INPUTS, llama_params),
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


# The sampling options run:text-generation and chat share
# (src/commands/generation_settings.cpp reads them).
SAMPLING_OPTIONS = [
    {"name": "do-sample", "type": "bool",
     "help": "Sample instead of taking the most likely token (implied by the four below; "
             "the default is the model's generation_config.json, else greedy)"},
    {"name": "temperature", "type": "number", "help": "Divide the scores before sampling"},
    {"name": "top-k", "type": "int", "help": "Sample from the k most likely tokens"},
    {"name": "top-p", "type": "number",
     "help": "Sample from the smallest set of tokens of this total probability"},
    {"name": "seed", "type": "int", "help": "Seed of the sampling, so that a run repeats"},
    {"name": "repetition-penalty", "type": "number",
     "help": "Above 1 discourages tokens already in the text (default: the model's "
             "generation_config.json, else 1)"},
]

COMMANDS = [
    {"verb": "run", "task": "text-generation",
     "summary": "Continue a prompt, streaming the text (greedy unless a sampling option is given)",
     "options": [
         {"name": "prompt", "type": "string", "short": "p", "required": True, "multiple": True,
          "help": "Text to continue; several are one left-padded batch"},
         {"name": "max-new-tokens", "type": "int", "default": 20,
          "help": "Tokens to generate at most"}] + SAMPLING_OPTIONS + [
         {"name": "stop", "type": "string", "multiple": True,
          "help": "Stop when the text contains this string (cut before it)"}]},
    {"verb": "chat", "task": "text-generation",
     "summary": "Converse with a chat model on the terminal (/reset, /exit, Ctrl-C stops a "
                "reply), or answer one --message",
     "options": [
         {"name": "message", "type": "string", "short": "m",
          "help": "Answer this one message and exit (with --json: the conversation as JSON)"},
         {"name": "system", "type": "string",
          "help": "The system prompt (instead of the model's default one)"},
         {"name": "template", "type": "string", "choices": ["chatml", "zephyr"],
          "help": "The chat format of a model whose variant declares none"},
         {"name": "max-new-tokens", "type": "int", "default": 256,
          "help": "Tokens of a reply at most"}] + SAMPLING_OPTIONS},
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
