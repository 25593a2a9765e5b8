// modelzoo::text::SentencePiece on the real Llama-2 tokenizer.model
// (../shared/assets/llama2, the file TinyLlama uses; skipped with a message
// where it is absent): Hugging Face's published ids, byte fallback for
// emoji, the decode round trip, streaming that equals decode, and agreement
// with Google's libsentencepiece (linked here as the reference: this
// process has no LibTorch, whose protobuf clashes with it) on random text
// and random ids. Then the refusal of malformed and unsupported models.
#include <sentencepiece_processor.h>
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "error_text.h"
#include "modelzoo/text/sentencepiece.h"

namespace fs = std::filesystem;
using modelzoo::text::SentencePiece;
using modelzoo::text::StreamDecoder;
using Ids = std::vector<int64_t>;

namespace {

const fs::path kModel = MODELZOO_LLAMA2_TOKENIZER;

bool have_model() {
  if (fs::exists(kModel)) return true;
  WARN("skipped: the Llama-2 tokenizer.model is not at "
       << kModel.string() << " (../shared/assets/llama2 beside the checkout)");
  return false;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const SentencePiece& llama() {
  static const SentencePiece sp = SentencePiece::from_model_file(kModel.string());
  return sp;
}

const sentencepiece::SentencePieceProcessor& reference() {
  static const auto processor = [] {
    auto p = std::make_unique<sentencepiece::SentencePieceProcessor>();
    const auto status = p->Load(kModel.string());
    if (!status.ok()) FAIL("libsentencepiece cannot load " << kModel << ": " << status.ToString());
    return p;
  }();
  return *processor;
}

Ids reference_encode(const std::string& text) {
  std::vector<int> ids;
  REQUIRE(reference().Encode(text, &ids).ok());
  return Ids(ids.begin(), ids.end());
}

std::string reference_decode(const Ids& ids) {
  std::string text;
  REQUIRE(reference().Decode(std::vector<int>(ids.begin(), ids.end()), &text).ok());
  return text;
}

void append_utf8(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Random text from ASCII (letters, digits, punctuation, runs of spaces and
// newlines), Latin-1, Cyrillic, CJK, rare CJK (byte fallback) and emoji.
std::vector<std::string> random_texts(unsigned seed, int count) {
  std::mt19937 rng(seed);
  const std::vector<std::pair<char32_t, char32_t>> ranges = {
      {0x20, 0x7E}, {0x20, 0x7E},   {0x20, 0x7E},     {' ', ' '},         {'\n', '\n'},
      {0xA0, 0xFF}, {0x400, 0x4FF}, {0x4E00, 0x9FFF}, {0x20000, 0x2000F}, {0x1F300, 0x1F64F}};
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    std::string text;
    const int length = 1 + static_cast<int>(rng() % 60);
    for (int j = 0; j < length; ++j) {
      const auto& [lo, hi] = ranges[rng() % ranges.size()];
      append_utf8(&text, lo + rng() % (hi - lo + 1));
    }
    texts.push_back(text);
  }
  return texts;
}

std::string streamed(const SentencePiece& sp, const Ids& ids, bool skip = false) {
  StreamDecoder stream(sp, skip);
  std::string text;
  for (const int64_t id : ids) text += stream.push(id);
  return text + stream.finish();
}

std::string model_error(const std::string& bytes) {
  return modelzoo::test::error_of(
      [&] { SentencePiece::from_model_bytes(bytes, "dir/tokenizer.model"); });
}

// Protobuf wire format, to write small models.
std::string varint(uint64_t v) {
  std::string out;
  do {
    out += static_cast<char>((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
    v >>= 7;
  } while (v);
  return out;
}
std::string field(uint32_t number, const std::string& bytes) {
  return varint(number << 3 | 2) + varint(bytes.size()) + bytes;
}
std::string flag(uint32_t number, uint64_t value) {
  return varint(number << 3) + varint(value);
}
std::string piece(const std::string& text, float score, int type) {
  std::string score_bytes(4, '\0');
  std::memcpy(&score_bytes[0], &score, 4);
  return field(1, field(1, text) + varint(2 << 3 | 5) + score_bytes + flag(3, type));
}
// A BPE model: <unk> <s> </s> a b ab ▁ ▁ab, no byte fallback, Llama's normalizer.
std::string tiny_model(const std::string& extra_trainer = "",
                       const std::string& normalizer = flag(4, 0)) {
  return piece("<unk>", 0, 2) + piece("<s>", 0, 3) + piece("</s>", 0, 3) + piece("a", -1, 1) +
         piece("b", -2, 1) + piece("ab", -3, 1) + piece("\xe2\x96\x81", -4, 1) +
         piece(
             "\xe2\x96\x81"
             "ab",
             -5, 1) +
         field(2, flag(3, 2) + extra_trainer) + field(3, normalizer);
}

}  // namespace

TEST_CASE("SentencePiece gives Llama-2's ids, BOS first", "[text][sentencepiece]") {
  if (!have_model()) return;
  const SentencePiece& sp = llama();
  CHECK(sp.vocab_size() == 32000);
  CHECK(sp.bos_id() == 1);
  CHECK(sp.eos_id() == 2);
  CHECK(sp.unk_id() == 0);
  CHECK(sp.encode("I believe the meaning of life is", true) ==
        Ids{1, 306, 4658, 278, 6593, 310, 2834, 338});
  CHECK(sp.encode("Simply put, the theory of relativity states that ", true) ==
        Ids{1, 3439, 17632, 1925, 29892, 278, 6368, 310, 14215, 537, 5922, 393, 29871});
  CHECK(sp.encode("I believe", false) == Ids{306, 4658});
  CHECK(sp.encode("", true) == Ids{1});
  CHECK(sp.token_to_id("\xe2\x96\x81the") == 278);
  CHECK(sp.id_to_token(278) == "\xe2\x96\x81the");
  CHECK(sp.token_to_id("<0x0A>") == 13);
  CHECK_FALSE(sp.token_to_id("no such piece"));
}

TEST_CASE("SentencePiece spells emoji by byte-fallback pieces and decodes them back",
          "[text][sentencepiece]") {
  if (!have_model()) return;
  const SentencePiece& sp = llama();
  // 🦙 (U+1F999) is F0 9F A6 99: no piece, so four byte pieces <0xF0>…
  const Ids ids = sp.encode("\xF0\x9F\xA6\x99", false);
  REQUIRE(ids.size() == 5);
  CHECK(ids[0] == 29871);  // the dummy prefix "▁"
  CHECK(sp.id_to_token(ids[1]) == "<0xF0>");
  CHECK(sp.id_to_token(ids[2]) == "<0x9F>");
  CHECK(sp.id_to_token(ids[3]) == "<0xA6>");
  CHECK(sp.id_to_token(ids[4]) == "<0x99>");
  for (size_t i = 1; i < ids.size(); ++i) CHECK(sp.is_byte(ids[i]));
  CHECK(sp.decode(ids) == "\xF0\x9F\xA6\x99");
  // Streaming holds the bytes back until the character is complete.
  StreamDecoder stream(sp);
  CHECK(stream.push(ids[0]).empty());
  CHECK(stream.push(ids[1]).empty());
  CHECK(stream.push(ids[2]).empty());
  CHECK(stream.push(ids[3]).empty());
  CHECK(stream.push(ids[4]) == "\xF0\x9F\xA6\x99");
  // An unfinished character is U+FFFD for each byte, as sentencepiece does.
  CHECK(sp.decode({ids[1], ids[2], 306}) == "\xEF\xBF\xBD\xEF\xBF\xBD I");
}

TEST_CASE("SentencePiece agrees with libsentencepiece on random text", "[text][sentencepiece]") {
  if (!have_model()) return;
  const SentencePiece& sp = llama();
  for (const std::string& text : random_texts(11, 400)) {
    INFO(text);
    const Ids ids = sp.encode(text, false);
    REQUIRE(ids == reference_encode(text));
    CHECK(sp.decode(ids) == reference_decode(ids));
    CHECK(streamed(sp, ids) == sp.decode(ids));
    // The dummy prefix comes and goes: the text comes back as it was.
    CHECK(sp.decode(ids) == text);
  }
}

TEST_CASE("SentencePiece decodes random ids as libsentencepiece does, streaming included",
          "[text][sentencepiece]") {
  if (!have_model()) return;
  const SentencePiece& sp = llama();
  std::mt19937 rng(5);
  // Ids that stress the decoder: control pieces, <unk>, "▁", byte pieces
  // (valid and broken UTF-8), ordinary pieces.
  const Ids interesting = {0, 1, 2, 29871, 259, 13, 3, 4, 243, 162, 169, 156, 195, 172, 306, 278};
  for (int round = 0; round < 500; ++round) {
    Ids ids;
    const int length = static_cast<int>(rng() % 12);
    for (int i = 0; i < length; ++i)
      ids.push_back(rng() % 2 ? interesting[rng() % interesting.size()]
                              : static_cast<int64_t>(rng() % 32000));
    INFO("round " << round);
    CHECK(sp.decode(ids) == reference_decode(ids));
    CHECK(streamed(sp, ids) == sp.decode(ids));
    CHECK(streamed(sp, ids, true) == sp.decode(ids, true));
  }
}

TEST_CASE("SentencePiece matches <s> and </s> in the text whole", "[text][sentencepiece]") {
  if (!have_model()) return;
  const SentencePiece& sp = llama();
  // As Hugging Face's Llama tokenizers: each text piece gets the dummy prefix.
  Ids expected = {1};
  for (const int64_t id : sp.encode("Hi", false)) expected.push_back(id);
  expected.push_back(2);
  for (const int64_t id : sp.encode("there", false)) expected.push_back(id);
  CHECK(sp.encode("<s>Hi</s>there", false) == expected);
  CHECK(sp.is_special(1));
  CHECK(sp.is_special(0));
  CHECK_FALSE(sp.is_special(306));
  CHECK(sp.decode(expected, /*skip_special_tokens=*/true) == "Hi there");
  CHECK(sp.decode(expected) == "Hi there");  // control pieces decode to nothing
}

TEST_CASE("tokenizer_config.json's add_bos_token, add_eos_token and tokens apply",
          "[text][sentencepiece]") {
  if (!have_model()) return;
  const std::string model = read_file(kModel);
  const auto both = SentencePiece::from_model_bytes(
      model, "tokenizer.model", {},
      R"({"add_bos_token": true, "add_eos_token": true, "bos_token": {"content": "<s>"}})");
  CHECK(both.encode("I believe", true) == Ids{1, 306, 4658, 2});
  const auto none =
      SentencePiece::from_model_bytes(model, "tokenizer.model", {}, R"({"add_bos_token": false})");
  CHECK(none.encode("I believe", true) == Ids{306, 4658});
  CHECK_THAT(modelzoo::test::error_of([&] {
               SentencePiece::from_model_bytes(model, "tokenizer.model", {},
                                               R"({"eos_token": "<|im_end|>"})", "cfg.json");
             }),
             Catch::Contains("cfg.json: eos_token '<|im_end|>' is no control piece of "
                             "tokenizer.model"));
}

TEST_CASE("a small SentencePiece model: merges by score, <unk>, the dummy prefix",
          "[text][sentencepiece]") {
  const auto sp = SentencePiece::from_model_bytes(tiny_model(), "tiny.model");
  CHECK(sp.vocab_size() == 8);
  CHECK(sp.encode("ab", false) == Ids{7});  // ▁ab
  CHECK(sp.encode("ab ab", false) == Ids{7, 7});
  CHECK(sp.encode("ba", false) == Ids{6, 4, 3});        // ▁ b a
  CHECK(sp.encode("xyz a", false) == Ids{6, 0, 6, 3});  // one <unk> for the run
  CHECK(sp.decode({7, 7}) == "ab ab");
  CHECK(sp.decode({0}) == " \xE2\x81\x87 ");
  const auto no_prefix =
      SentencePiece::from_model_bytes(tiny_model("", flag(3, 0) + flag(4, 0)), "tiny.model");
  CHECK(no_prefix.encode("ab", false) == Ids{5});
  CHECK(no_prefix.decode({7}) == " ab");
}

TEST_CASE("malformed and unsupported SentencePiece models are refused with the file and field",
          "[text][sentencepiece]") {
  CHECK_THAT(model_error(""), Catch::Contains("dir/tokenizer.model: the model has no pieces"));
  CHECK_THAT(model_error("garbage that is not protobuf at all"),
             Catch::Contains("dir/tokenizer.model"));
  std::string truncated = tiny_model();
  truncated.resize(truncated.size() - 3);
  CHECK_THAT(model_error(truncated),
             Catch::Contains("dir/tokenizer.model") && Catch::Contains("download it again"));
  // The proto's default model type is UNIGRAM.
  CHECK_THAT(model_error(piece("<unk>", 0, 2) + field(3, flag(4, 0))),
             Catch::Contains("dir/tokenizer.model: trainer_spec.model_type is UNIGRAM, which "
                             "modelzoo's SentencePiece does not support"));
  CHECK_THAT(model_error(tiny_model("", "")),
             Catch::Contains("normalizer_spec.remove_extra_whitespaces is set"));
  CHECK_THAT(model_error(tiny_model("", field(2, "charsmap") + flag(4, 0))),
             Catch::Contains("normalizer_spec has a precompiled_charsmap"));
  CHECK_THAT(model_error(tiny_model(flag(35, 1))),
             Catch::Contains("trainer_spec.byte_fallback is set but the byte piece <0x00> is "
                             "missing"));
  CHECK_THAT(model_error(tiny_model() + piece("a", 0, 1)),
             Catch::Contains("dir/tokenizer.model: pieces[8]: the piece 'a' appears twice"));
  CHECK_THAT(model_error(tiny_model() + piece("<mask>", 0, 4)),
             Catch::Contains("pieces[8]: the user-defined piece '<mask>', which modelzoo's "
                             "SentencePiece does not support"));
  CHECK_THAT(model_error(tiny_model() + piece("<0xZZ>", 0, 6)),
             Catch::Contains("pieces[8]: the byte piece is spelled '<0xZZ>'"));
  // A piece that is not UTF-8 (found by fuzz_sentencepiece: its decode was not UTF-8).
  CHECK_THAT(model_error(tiny_model() + piece("\xfc"
                                              "s>",
                                              0, 1)),
             Catch::Contains("pieces[8]: the piece") && Catch::Contains("is not valid UTF-8"));
  CHECK_THAT(model_error(tiny_model(field(44, "\xff"))),
             Catch::Contains("trainer_spec.unk_surface is not valid UTF-8"));
  CHECK_THAT(model_error(tiny_model() + piece("x", 0, 9)),
             Catch::Contains("pieces[8]: type 9 is not a SentencePiece piece type"));
  CHECK_THAT(modelzoo::test::error_of(
                 [] { SentencePiece::from_model_file("/nonexistent/tokenizer.model"); }),
             Catch::Contains("/nonexistent/tokenizer.model does not exist"));
}
