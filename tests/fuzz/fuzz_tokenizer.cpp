// libFuzzer target: the tokenizers of modelzoo::text on arbitrary bytes.
// Tokenizer files come from the network, text from anyone. The input is
// one mode byte, then parts separated by 0x1E (the ASCII record
// separator):
//   mode % 4 == 0  ByteLevelBpe: vocab.json, merges.txt, text
//   mode % 4 == 1  ByteLevelBpe: tokenizer.json, text, tokenizer_config.json
//   mode % 4 == 2  WordPiece: vocab.txt, text, second text
//   mode % 4 == 3  WordPiece: tokenizer.json, text, second text
// A malformed file must give modelzoo::Error, never a crash; a tokenizer
// that loads must encode any text, decode to valid UTF-8, stream exactly
// what decode gives, and keep its encodings' vectors aligned and within
// max_length. Every input is also encoded as text by two fixed tokenizers,
// where the byte-level round trip must give the text back.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "modelzoo/sdk/error.h"
#include "modelzoo/text/byte_level_bpe.h"
#include "modelzoo/text/wordpiece.h"
#include "valid_utf8.h"

namespace {

using modelzoo::fuzz::valid_utf8;
using modelzoo::text::ByteLevelBpe;
using modelzoo::text::WordPiece;

void check(bool ok) {
  if (!ok) std::abort();
}

std::vector<std::string_view> parts_of(std::string_view rest) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (parts.size() < 3) {
    const size_t end = rest.find('\x1e', start);
    if (end == std::string_view::npos) break;
    parts.push_back(rest.substr(start, end - start));
    start = end + 1;
  }
  parts.push_back(rest.substr(start));
  while (parts.size() < 3) parts.emplace_back();
  return parts;
}

void exercise(const ByteLevelBpe& bpe, std::string_view text) {
  const std::vector<int64_t> ids = bpe.encode(text);
  for (const int64_t id : ids) check(id >= 0 && id < bpe.vocab_size());
  const std::string decoded = bpe.decode(ids);
  check(valid_utf8(decoded));
  modelzoo::text::StreamDecoder stream(bpe);
  std::string streamed;
  for (const int64_t id : ids) streamed += stream.push(id);
  streamed += stream.finish();
  check(streamed == decoded);
  (void)bpe.decode(ids, /*skip_special_tokens=*/true);
}

void exercise(const WordPiece& wp, std::string_view a, std::string_view b, uint8_t mode) {
  modelzoo::text::EncodeOptions options;
  options.truncation = (mode & 4) != 0;
  options.add_special_tokens = (mode & 8) == 0;
  options.max_length = 3 + (mode >> 4);
  options.padding =
      (mode & 4) ? modelzoo::text::Padding::kMaxLength : modelzoo::text::Padding::kNone;
  for (const auto& e : {wp.encode(a, options), wp.encode_pair(a, b, options)}) {
    check(e.token_type_ids.size() == e.size() && e.attention_mask.size() == e.size() &&
          e.tokens.size() == e.size());
    if (options.truncation) check(e.size() == *options.max_length);
    for (const int64_t id : e.ids) check(id >= 0 && id < wp.vocab_size());
    (void)wp.decode(e.ids, true);  // the vocabulary's bytes: UTF-8 only if the file is
  }
  const auto batch = wp.encode_batch({std::string(a), std::string(b)});
  check(batch.size() == 2 && batch[0].size() == batch[1].size());
}

// A fixed byte-level BPE: every byte, a few merges, <|endoftext|>.
const ByteLevelBpe& fixed_bpe() {
  static const ByteLevelBpe bpe = [] {
    std::string vocab = "{";
    int next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const int cp = printable ? b : next++;
      std::string ch;
      if (cp < 0x80) {
        ch = (cp == '"' || cp == '\\') ? std::string("\\") + static_cast<char>(cp)
                                       : std::string(1, static_cast<char>(cp));
      } else {
        ch += static_cast<char>(0xC0 | (cp >> 6));
        ch += static_cast<char>(0x80 | (cp & 0x3F));
      }
      vocab += "\"" + ch + "\": " + std::to_string(b) + ", ";
    }
    vocab += R"("Ġt": 256, "he": 257, "Ġthe": 258, "in": 259, "Ġa": 260, "er": 261,)"
             R"( "<|endoftext|>": 262})";
    return ByteLevelBpe::from_vocab_and_merges(vocab,
                                               "#version: 0.2\nĠ t\nh e\nĠt he\ni n\nĠ a\ne r\n");
  }();
  return bpe;
}

const WordPiece& fixed_wordpiece() {
  static const WordPiece wp = WordPiece::from_vocab_text(
      "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\nc\n##a\n##b\n##c\nthe\n,\n."
      "\n\xc3\xa9\n\xe6\x97\xa5\n");
  return wp;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint8_t mode = size > 0 ? data[0] : 0;
  const auto parts = parts_of(size > 0 ? input.substr(1) : input);
  try {
    switch (mode % 4) {
      case 0:
        exercise(ByteLevelBpe::from_vocab_and_merges(parts[0], parts[1]), parts[2]);
        break;
      case 1:
        exercise(ByteLevelBpe::from_tokenizer_json_text(parts[0], "tokenizer.json", parts[2]),
                 parts[1]);
        break;
      case 2:
        exercise(WordPiece::from_vocab_text(parts[0]), parts[1], parts[2], mode);
        break;
      case 3:
        exercise(WordPiece::from_tokenizer_json_text(parts[0]), parts[1], parts[2], mode);
        break;
    }
  } catch (const modelzoo::Error&) {
  }
  // Any bytes as text: the fixed BPE covers every byte, so decoding gives
  // the text back exactly when it is valid UTF-8.
  const ByteLevelBpe& bpe = fixed_bpe();
  exercise(bpe, input);
  if (valid_utf8(input)) check(bpe.decode(bpe.encode(input)) == input);
  exercise(fixed_wordpiece(), input, parts[1], mode);
  return 0;
}
