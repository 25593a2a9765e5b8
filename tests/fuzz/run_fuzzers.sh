#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in ./build-fuzz and
# runs each for RUNS executions (default 1,000,000) from a seed corpus made
# of the test fixtures: safetensors files, torch.save checkpoints and
# TorchScript archives, and the data.pkl pickles inside them (with Silero
# VAD's published archive's when ../shared/assets has it). Crashes are left
# in build-fuzz/crashes/.
#   tests/fuzz/run_fuzzers.sh [RUNS] [TARGET...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${MODELZOO_FUZZ_BUILD_DIR:-$root/build-fuzz}
runs=${1:-1000000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_safetensors fuzz_zip fuzz_unpickler fuzz_torchscript fuzz_shard_index fuzz_elf
                                    fuzz_manifest fuzz_statement fuzz_trust_store fuzz_registry_cache
                                    fuzz_ledger fuzz_cache_records fuzz_http_headers fuzz_image
                                    fuzz_lut_config fuzz_idx fuzz_tokenizer fuzz_sentencepiece)

"$root/scripts/install-deps.sh"
if ! command -v clang++ >/dev/null; then  # libFuzzer ships with Debian's clang
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMODELZOO_BUILD_TESTS=OFF -DMODELZOO_BUILD_FUZZERS=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

# Seed corpora from the fixtures the tests use.
seeds=$build/seeds
rm -rf "$seeds"  # a few seconds to make; always from the current fixtures
if true; then
  mkdir -p "$seeds/files" "$seeds/safetensors" "$seeds/zip" "$seeds/pickle" "$seeds/torchscript" \
           "$seeds/jit" "$seeds/index" "$seeds/elf" \
           "$seeds/manifest" "$seeds/statement" "$seeds/trust" "$seeds/registry" "$seeds/ledger" \
           "$seeds/cache_records" "$seeds/http_headers" "$seeds/image" "$seeds/lut_config" "$seeds/idx" \
           "$seeds/tokenizer" "$seeds/sentencepiece"
  # The host's JSON inputs, from the fixtures and a build of the in-tree
  # plugins' own files where there is one.
  cp "$root"/tests/plugins/fixtures/*.json "$root"/plugins/lut/manifest.json "$seeds/manifest/"
  cp "$root"/tests/fuzz/seeds/statement/* "$seeds/statement/"
  cp "$root"/tests/fuzz/seeds/trust/* "$seeds/trust/"
  cp "$root"/tests/fuzz/seeds/ledger/* "$seeds/ledger/"
  cp "$root"/tests/fuzz/seeds/registry/* "$seeds/registry/"
  cp "$root"/tests/fuzz/seeds/cache_records/* "$seeds/cache_records/"
  cp "$root"/tests/fuzz/seeds/http_headers/* "$seeds/http_headers/"
  cp "$root"/tests/fuzz/seeds/image/* "$seeds/image/"
  # The LUT family: its shipped configs, a small safetensors file carrying
  # one as metadata, and small IDX files (plain, gzip, two gzip members).
  cp "$root"/plugins/lut/configs/*.yaml "$root"/tests/fuzz/seeds/lut_config/* "$seeds/lut_config/"
  cp "$root"/tests/fuzz/seeds/idx/* "$seeds/idx/"
  # Tokenizers: small files of each layout (mode byte, then parts split by 0x1E).
  cp "$root"/tests/fuzz/seeds/tokenizer/* "$seeds/tokenizer/"
  # SentencePiece (model, 0x1E, text, 0x1E, tokenizer_config.json): a small
  # BPE model with byte fallback written here in protobuf's wire format,
  # and the head of the real Llama-2 model where ../shared has it (whole,
  # it is past -max_len).
  /usr/bin/python3 - "$seeds/sentencepiece" <<'PY'
import struct, sys
def varint(v):
    out = b""
    while True:
        out += bytes([(v & 0x7F) | (0x80 if v > 0x7F else 0)])
        v >>= 7
        if not v:
            return out
def field(n, b): return varint(n << 3 | 2) + varint(len(b)) + b
def flag(n, v): return varint(n << 3) + varint(v)
def piece(text, score, kind):
    return field(1, field(1, text.encode()) + varint(2 << 3 | 5) + struct.pack("<f", score) + flag(3, kind))
pieces = piece("<unk>", 0, 2) + piece("<s>", 0, 3) + piece("</s>", 0, 3)
pieces += b"".join(piece("<0x%02X>" % b, 0, 6) for b in range(256))
for i, p in enumerate(["\u2581", "a", "b", "ab", "\u2581ab", "\u2581a", "c"]):
    pieces += piece(p, -1.0 - i, 1)
model = pieces + field(2, flag(3, 2) + flag(35, 1)) + field(3, flag(4, 0))
config = b'{"add_bos_token": true, "add_eos_token": true}'
open(sys.argv[1] + "/tiny", "wb").write(model + b"\x1eab ab c \xf0\x9f\x98\x80\x1e" + config)
open(sys.argv[1] + "/tiny_no_config", "wb").write(model + b"\x1e<s>abc</s>")
PY
  llama2=$root/../shared/assets/llama2/tokenizer.model
  [ -e "$llama2" ] && head -c 60000 "$llama2" > "$seeds/sentencepiece/llama2_head"
  # Small real shared objects (dynamic sections, RUNPATH) and a plugin-like
  # one with a manifest section, built here.
  cp /usr/lib/x86_64-linux-gnu/libdl.so.2 /usr/lib/x86_64-linux-gnu/librt.so.1 "$seeds/elf/"
  printf '__attribute__((section(".modelzoo_manifest"), used)) const char m[] = "{}";\n' \
    | clang -x c -shared -fPIC -Wl,-rpath,'$ORIGIN/../lib' -o "$seeds/elf/tiny_plugin.so" -
  cp "$root"/tests/plugins/files/*.index.json "$seeds/index/"
  /usr/bin/python3 "$root/tests/formats/make_pth_fixtures.py" "$seeds/files" > /dev/null
  /usr/bin/python3 "$root/tests/formats/safetensors_peer.py" write "$seeds/safetensors/peer.safetensors" > /dev/null
  cp "$root"/tests/plugins/toy/weights/*.safetensors "$seeds/safetensors/"
  rm "$seeds/files/resnet18.pth" "$seeds/files/truncated.pth"  # large; the small ones cover the layout
  cp "$seeds"/files/*.pth "$seeds/zip/"
  silero=$root/../shared/assets/silero_vad/silero_vad.jit
  [ -e "$silero" ] || silero=
  /usr/bin/python3 "$root/tests/formats/make_torchscript_fixtures.py" "$seeds/jit" $silero > /dev/null
  cp "$seeds"/jit/*.pt "$seeds/zip/"  # small; Silero's archive is only a pickle seed
  /usr/bin/python3 - "$seeds/files" "$seeds/pickle" "$seeds/jit" "$seeds/torchscript" <<'PY'
import pathlib, sys, zipfile
for source, target in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    for f in pathlib.Path(source).iterdir():
        try:
            with zipfile.ZipFile(f) as z:
                for name in z.namelist():
                    if name.endswith("data.pkl"):
                        (pathlib.Path(target) / (f.name + ".pkl")).write_bytes(z.read(name))
        except zipfile.BadZipFile:
            pass
PY
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$build/crashes"
for target in "${targets[@]}"; do
  case $target in
    fuzz_safetensors) corpus=safetensors ;;
    fuzz_zip) corpus=zip ;;
    fuzz_unpickler) corpus=pickle ;;
    fuzz_torchscript) corpus=torchscript ;;
    fuzz_shard_index) corpus=index ;;
    fuzz_elf) corpus=elf ;;
    fuzz_manifest) corpus=manifest ;;
    fuzz_statement) corpus=statement ;;
    fuzz_trust_store) corpus=trust ;;
    fuzz_registry_cache) corpus=registry ;;
    fuzz_ledger) corpus=ledger ;;
    fuzz_cache_records) corpus=cache_records ;;
    fuzz_http_headers) corpus=http_headers ;;
    fuzz_image) corpus=image ;;
    fuzz_lut_config) corpus=lut_config ;;
    fuzz_idx) corpus=idx ;;
    fuzz_tokenizer) corpus=tokenizer ;;
    fuzz_sentencepiece) corpus=sentencepiece ;;
  esac
  work=$build/corpus/$target
  mkdir -p "$work"
  # Crashes kept from an earlier run are re-run first: one that still fails
  # stops here; one that passes now (fixed) is dropped.
  for old in "$build/crashes/$target-"*; do
    [ -e "$old" ] || continue
    "$build/tests/fuzz/$target" "$old" > /dev/null 2>&1 \
      || { echo "$target: $old still crashes" >&2; exit 1; }
    rm "$old"
  done
  echo "== $target: $runs runs"
  "$build/tests/fuzz/$target" -runs="$runs" -max_len=65536 -artifact_prefix="$build/crashes/$target-" \
    -print_final_stats=1 "$work" "$seeds/$corpus" 2>&1 | grep -E "^(#[0-9]+ +DONE|Done|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)" || true
  ls "$build/crashes/$target-"* >/dev/null 2>&1 && { echo "$target: crash found, see $build/crashes" >&2; exit 1; }
done
echo "run_fuzzers: no crash in ${targets[*]}"
