// libFuzzer target: the SentencePiece reader of modelzoo::text on arbitrary
// bytes. tokenizer.model comes from the network (a protobuf read by
// modelzoo's own wire reader), text from anyone. The input is parts
// separated by 0x1E (the ASCII record separator): the model file, a text,
// tokenizer_config.json. A malformed or unsupported model must give
// modelzoo::Error, never a crash; a model that loads must encode any text
// to ids below its vocabulary size, decode any ids of its vocabulary to
// valid UTF-8 and stream exactly what decode gives.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "modelzoo/sdk/error.h"
#include "modelzoo/text/sentencepiece.h"
#include "valid_utf8.h"

namespace {

using modelzoo::fuzz::valid_utf8;
using modelzoo::text::SentencePiece;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_decode(const SentencePiece& sp, const std::vector<int64_t>& ids, bool skip) {
  const std::string decoded = sp.decode(ids, skip);
  check(valid_utf8(decoded));
  modelzoo::text::StreamDecoder stream(sp, skip);
  std::string streamed;
  for (const int64_t id : ids) streamed += stream.push(id);
  streamed += stream.finish();
  check(streamed == decoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (parts.size() < 2) {
    const size_t end = input.find('\x1e', start);
    if (end == std::string_view::npos) break;
    parts.push_back(input.substr(start, end - start));
    start = end + 1;
  }
  parts.push_back(input.substr(start));
  while (parts.size() < 3) parts.emplace_back();
  try {
    const SentencePiece sp =
        SentencePiece::from_model_bytes(parts[0], "tokenizer.model", {}, parts[2]);
    const int64_t vocab = sp.vocab_size();
    check(vocab > 0);
    for (const bool special : {false, true}) {
      const std::vector<int64_t> ids = sp.encode(parts[1], special);
      for (const int64_t id : ids) check(id >= 0 && id < vocab);
      check_decode(sp, ids, false);
    }
    // Ids the text's bytes choose, every one of the vocabulary's range.
    std::vector<int64_t> ids;
    for (const char c : parts[1]) ids.push_back(static_cast<uint8_t>(c) % vocab);
    check_decode(sp, ids, false);
    check_decode(sp, ids, true);
  } catch (const modelzoo::Error&) {
  }
  return 0;
}
