// modelzoo::text::Tokenizer, the interface commands hold without knowing
// the kind: ByteLevelBpe through it on GPT-2's real vocabulary (encode
// with and without special tokens, a StreamDecoder built from the
// interface, share()), and tokenizer_config.json's bos/eos/add_bos_token.
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error_text.h"
#include "modelzoo/text/byte_level_bpe.h"
#include "modelzoo/text/tokenizer.h"

namespace fs = std::filesystem;
using modelzoo::text::ByteLevelBpe;
using modelzoo::text::StreamDecoder;
using modelzoo::text::Tokenizer;
using Ids = std::vector<int64_t>;

namespace {

const fs::path kVocabDir = MODELZOO_GPT2_VOCAB_DIR;

bool have_gpt2_files() {
  if (fs::exists(kVocabDir / "vocab.json") && fs::exists(kVocabDir / "merges.txt")) return true;
  WARN("skipped: the GPT-2 vocabulary is not in " << kVocabDir.string()
                                                  << " (the text_gpt2_vocab test fetches it)");
  return false;
}

std::shared_ptr<const Tokenizer> gpt2() {
  static const auto tokenizer = std::make_shared<ByteLevelBpe>(ByteLevelBpe::from_files(
      (kVocabDir / "vocab.json").string(), (kVocabDir / "merges.txt").string()));
  return tokenizer;
}

// A tokenizer.json of five tokens, <s> and </s> added special tokens.
std::string tiny_json() {
  return nlohmann::json{
      {"added_tokens",
       {{{"id", 3}, {"content", "<s>"}, {"special", true}},
        {{"id", 4}, {"content", "</s>"}, {"special", true}}}},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}},
      {"model", {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", {"a b"}}}}}
      .dump();
}

}  // namespace

TEST_CASE("ByteLevelBpe through the Tokenizer interface is GPT-2's BPE", "[text][tokenizer]") {
  if (!have_gpt2_files()) return;
  const auto tokenizer = gpt2();
  const auto& bpe = dynamic_cast<const ByteLevelBpe&>(*tokenizer);
  const std::string text = "Hello world, 🤗 and 東京!";
  CHECK(tokenizer->encode("Hello world", false) == Ids{15496, 995});
  // GPT-2's post-processor adds nothing around a text.
  CHECK(tokenizer->encode(text, true) == bpe.encode(text));
  CHECK(tokenizer->bos_id() == 50256);
  CHECK(tokenizer->eos_id() == 50256);
  CHECK(tokenizer->vocab_size() == 50257);
  CHECK(tokenizer->is_special(50256));
  CHECK_FALSE(tokenizer->is_special(995));

  Ids ids = bpe.encode(text);
  ids.push_back(50256);
  for (const bool skip : {false, true}) {
    StreamDecoder stream(tokenizer, skip);
    std::string streamed;
    for (const int64_t id : ids) streamed += stream.push(id);
    streamed += stream.finish();
    CHECK(streamed == tokenizer->decode(ids, skip));
  }
  // A decoder built from a reference shares the tables and outlives it.
  std::unique_ptr<StreamDecoder> stream;
  {
    const ByteLevelBpe copy = bpe;
    stream = std::make_unique<StreamDecoder>(copy);
  }
  CHECK(stream->push(15496) == "Hello");
}

TEST_CASE("tokenizer_config.json decides bos, eos and what encode(text, true) adds",
          "[text][tokenizer]") {
  const auto plain = ByteLevelBpe::from_tokenizer_json_text(tiny_json());
  CHECK_FALSE(plain.bos_id());  // no <|endoftext|>, nothing configured
  CHECK(plain.encode("ab", true) == Ids{2});

  const auto llama_like = ByteLevelBpe::from_tokenizer_json_text(
      tiny_json(), "tokenizer.json",
      R"({"bos_token": "<s>", "eos_token": {"content": "</s>", "__type": "AddedToken"},
          "add_bos_token": true, "add_eos_token": true})");
  CHECK(llama_like.bos_id() == 3);
  CHECK(llama_like.eos_id() == 4);
  CHECK(llama_like.encode("ab", true) == Ids{3, 2, 4});
  CHECK(llama_like.encode("ab", false) == Ids{2});

  const auto none = ByteLevelBpe::from_tokenizer_json_text(
      tiny_json(), "tokenizer.json", R"({"bos_token": null, "eos_token": "</s>"})");
  CHECK_FALSE(none.bos_id());
  CHECK(none.eos_id() == 4);

  const std::string error = modelzoo::test::error_of([] {
    ByteLevelBpe::from_tokenizer_json_text(
        tiny_json(), "tokenizer.json", R"({"add_bos_token": "yes"})", "dir/tokenizer_config.json");
  });
  CHECK_THAT(error, Catch::Contains("dir/tokenizer_config.json") &&
                        Catch::Contains("add_bos_token must be true or false"));
}
