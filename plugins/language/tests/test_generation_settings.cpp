// The decoding a language command uses: the model's generation_config.json
// (Qwen2.5's samples, SmolLM2's and TinyLlama's only name their EOS) under
// the user's options, as Hugging Face's generate() combines them.
#include "commands/generation_settings.h"

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "modelzoo/text/byte_level_bpe.h"

using namespace modelzoo;
using modelzoo::language::apply_generation_config;
using modelzoo::language::generation_settings;

namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("modelzoo-gen-" + name);
  std::ofstream(path) << text;
  return path.string();
}

// Qwen2.5-0.5B-Instruct's generation_config.json, as published.
const char* const kQwenGenerationConfig = R"({
  "bos_token_id": 151643,
  "pad_token_id": 151643,
  "do_sample": true,
  "eos_token_id": [
    151645,
    151643
  ],
  "repetition_penalty": 1.1,
  "temperature": 0.7,
  "top_p": 0.8,
  "top_k": 20,
  "transformers_version": "4.37.0"
}
)";

LoadedModel with_generation_config(const std::string& path) {
  LoadedModel loaded;
  loaded.info = {
      {"name", "language/test"},
      {"files",
       {{{"role", "generation-config"}, {"file", "generation_config.json"}, {"path", path}}}}};
  return loaded;
}

text::ByteLevelBpe tiny_tokenizer() {  // <|endoftext|> is id 2, the tokenizer's EOS
  return text::ByteLevelBpe::from_vocab_and_merges(R"({"a": 0, "b": 1, "<|endoftext|>": 2})", "");
}

}  // namespace

TEST_CASE("generation_config.json: EOS ids and a published sampling default",
          "[language][generation-config]") {
  GenerationOptions g;
  g.eos_token_ids = {151643};
  apply_generation_config(write_file("qwen.json", kQwenGenerationConfig), &g);
  CHECK(g.eos_token_ids == (std::vector<int64_t>{151643, 151645}));  // each once
  CHECK(g.do_sample);
  CHECK(g.temperature == Approx(0.7));
  CHECK(g.top_k == 20);
  CHECK(g.top_p == Approx(0.8));
  CHECK(g.repetition_penalty == Approx(1.1));

  GenerationOptions tiny;  // TinyLlama's: one EOS id, nothing about sampling
  apply_generation_config(
      write_file("tiny.json", R"({"bos_token_id": 1, "eos_token_id": 2, "max_length": 2048})"),
      &tiny);
  CHECK(tiny.eos_token_ids == std::vector<int64_t>{2});
  CHECK_FALSE(tiny.do_sample);
}

TEST_CASE("the user's options win over generation_config.json", "[language][generation-config]") {
  const auto tokenizer = tiny_tokenizer();
  const LoadedModel qwen = with_generation_config(write_file("qwen2.json", kQwenGenerationConfig));
  const auto defaults = generation_settings(nlohmann::json::object(), qwen, tokenizer);
  CHECK(defaults.do_sample);  // as the model is published
  CHECK(defaults.eos_token_ids == (std::vector<int64_t>{2, 151645, 151643}));
  const auto mine = generation_settings(
      {{"do_sample", false}, {"repetition_penalty", 1.0}, {"max_new_tokens", 5}}, qwen, tokenizer);
  CHECK(mine.repetition_penalty == Approx(1.0));
  CHECK(mine.max_new_tokens == 5);
  const auto hot = generation_settings({{"temperature", 1.5}}, qwen, tokenizer);
  CHECK(hot.do_sample);
  CHECK(hot.temperature == Approx(1.5));
  CHECK(hot.top_k == 20);  // the rest from the file

  // No generation_config.json: greedy, the tokenizer's EOS.
  LoadedModel bare;
  bare.info = {{"files", nlohmann::json::array()}};
  const auto greedy = generation_settings(nlohmann::json::object(), bare, tokenizer);
  CHECK_FALSE(greedy.do_sample);
  CHECK(greedy.eos_token_ids == std::vector<int64_t>{2});
}

TEST_CASE("a malformed generation_config.json is refused with the file and the key",
          "[language][generation-config]") {
  GenerationOptions g;
  const auto bad_eos = write_file("bad-eos.json", R"({"eos_token_id": "</s>"})");
  CHECK_THROWS_WITH(apply_generation_config(bad_eos, &g),
                    Catch::Contains(bad_eos) && Catch::Contains("'eos_token_id'"));
  const auto bad_type = write_file("bad-type.json", R"({"temperature": "hot"})");
  CHECK_THROWS_WITH(apply_generation_config(bad_type, &g),
                    Catch::Contains("'temperature' has the wrong type"));
  CHECK_THROWS_WITH(apply_generation_config(write_file("list.json", "[1, 2]"), &g),
                    Catch::Contains("expected a JSON object"));
}
