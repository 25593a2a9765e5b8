// load_causal_lm_tokenizer: the kind of tokenizer a causal LM's files are,
// by role — tokenizer.model → SentencePiece (the real Llama-2 model from
// ../shared/assets, skipped with a message where absent), tokenizer.json →
// byte-level BPE, vocab.json + merges.txt → GPT-2's — with
// tokenizer_config.json read by its role wherever it is, and the error that
// names the files when there are none.
#include "commands/tokenizer_files.h"

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error_text.h"
#include "modelzoo/text/byte_level_bpe.h"
#include "modelzoo/text/sentencepiece.h"
#include "process.h"

using modelzoo::LoadedModel;
using nlohmann::json;
using Ids = std::vector<int64_t>;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

LoadedModel loaded_with(const json& files) {
  LoadedModel loaded;
  loaded.info = {{"name", "language/test"}, {"files", files}};
  return loaded;
}

json file_entry(const std::string& role, const std::string& path) {
  return {
      {"role", role}, {"file", std::filesystem::path(path).filename().string()}, {"path", path}};
}

const std::string kLlama2 = MODELZOO_LLAMA2_TOKENIZER;

}  // namespace

TEST_CASE("a tokenizer.model is SentencePiece, with tokenizer_config.json by role",
          "[language][tokenizer]") {
  if (!std::filesystem::exists(kLlama2)) {
    WARN("skipped: the Llama-2 tokenizer.model is not at " << kLlama2
                                                           << " (../shared beside the checkout)");
    return;
  }
  const auto tokenizer = modelzoo::language::load_causal_lm_tokenizer(
      loaded_with(json::array({file_entry("tokenizer-model", kLlama2)})));
  CHECK(dynamic_cast<const modelzoo::text::SentencePiece*>(tokenizer.get()));
  CHECK(tokenizer->encode("I believe the meaning of life is", true) ==
        Ids{1, 306, 4658, 278, 6593, 310, 2834, 338});
  CHECK(tokenizer->eos_id() == 2);

  modelzoo::test::TempDir dir;
  write_file(dir.path() + "/config.json", R"({"add_bos_token": false, "add_eos_token": true})");
  const auto configured = modelzoo::language::load_causal_lm_tokenizer(
      loaded_with(json::array({file_entry("tokenizer-model", kLlama2),
                               file_entry("tokenizer-config", dir.path() + "/config.json")})));
  CHECK(configured->encode("I believe", true) == Ids{306, 4658, 2});
}

TEST_CASE("a tokenizer.json is byte-level BPE, else vocab.json + merges.txt, none is an error",
          "[language][tokenizer]") {
  modelzoo::test::TempDir dir;
  const json tokenizer_json = {
      {"added_tokens",
       {{{"id", 3}, {"content", "<|im_end|>"}, {"special", true}, {"normalized", false}}}},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model",
       {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", {"a b"}}}}};
  write_file(dir.path() + "/tokenizer.json", tokenizer_json.dump());
  std::filesystem::create_directories(dir.path() + "/elsewhere");
  write_file(dir.path() + "/elsewhere/tokenizer_config.json",
             R"({"bos_token": null, "eos_token": "<|im_end|>"})");
  const auto bpe = modelzoo::language::load_causal_lm_tokenizer(loaded_with(json::array(
      {file_entry("tokenizer", dir.path() + "/tokenizer.json"),
       file_entry("tokenizer-config", dir.path() + "/elsewhere/tokenizer_config.json")})));
  CHECK(dynamic_cast<const modelzoo::text::ByteLevelBpe*>(bpe.get()));
  CHECK(bpe->encode("ab<|im_end|>", true) == Ids{2, 3});
  CHECK(bpe->eos_id() == 3);
  CHECK_FALSE(bpe->bos_id());

  const std::string error = modelzoo::test::error_of(
      [] { modelzoo::language::load_causal_lm_tokenizer(loaded_with(json::array())); });
  CHECK_THAT(error, Catch::Contains("language/test needs its tokenizer files") &&
                        Catch::Contains("tokenizer.model"));
}
