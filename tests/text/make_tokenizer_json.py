"""Writes tokenizer.json files in Hugging Face's layout for GPT-2 from a
vocab.json and merges.txt, with only the standard library: the layout that
the `tokenizers` library saves for gpt2 (ByteLevel pre-tokenizer without a
prefix space, <|endoftext|> as a special added token), once with merges as
"a b" strings (tokenizers < 0.20) and once as ["a", "b"] pairs (>= 0.20).

    make_tokenizer_json.py VOCAB_JSON MERGES_TXT OUT_DIR
"""
import json
import pathlib
import sys

vocab_path, merges_path, out_dir = sys.argv[1:4]
vocab = json.loads(pathlib.Path(vocab_path).read_text(encoding="utf-8"))
lines = pathlib.Path(merges_path).read_text(encoding="utf-8").split("\n")
merges = [line for line in lines[1:] if line]  # line 0 is "#version: 0.2"

def tokenizer(merge_list):
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": vocab["<|endoftext|>"], "content": "<|endoftext|>",
                          "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                           "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": "", "end_of_word_suffix": "", "fuse_unk": False,
                  "byte_fallback": False, "vocab": vocab, "merges": merge_list},
    }

out = pathlib.Path(out_dir)
(out / "strings").mkdir(parents=True, exist_ok=True)
(out / "pairs").mkdir(parents=True, exist_ok=True)
(out / "strings" / "tokenizer.json").write_text(
    json.dumps(tokenizer(merges), ensure_ascii=False), encoding="utf-8")
(out / "pairs" / "tokenizer.json").write_text(
    json.dumps(tokenizer([m.split(" ") for m in merges]), ensure_ascii=False), encoding="utf-8")
