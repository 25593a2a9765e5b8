// LLaMA-family decoders (SmolLM2, Qwen2.5, TinyLlama shapes, reduced): the
// model against the independent plain-torch reference of
// make_llama_fixtures.py on bf16 checkpoints (a left-padded batch, tied and
// untied heads, Qwen2's biases, llama3 and linear RoPE scaling), the KV
// cache against the full forward, sharded against single-file, the exact
// bf16 widening, and the config and load rules.
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include "language_test_support.h"
#include "llama.h"
#include "modelzoo/generation.h"
#include "modelzoo/nn/kv_cache.h"
#include "modelzoo/sdk/error.h"

using namespace modelzoo;
using namespace modelzoo::test;
using modelzoo::language::LlamaKind;
using modelzoo::language::LlamaModel;
using modelzoo::language::LlamaOptions;

namespace {

nlohmann::json llama_index() {
  std::ifstream in(language_fixture("llama_index.json"));
  if (!in) return nullptr;
  return nlohmann::json::parse(in);
}

LlamaKind kind_of(const nlohmann::json& config) {
  return config.at("model_type") == "qwen2" ? LlamaKind::kQwen2 : LlamaKind::kLlama;
}

std::shared_ptr<LlamaModel> loaded(const nlohmann::json& index, const std::string& which,
                                   const std::string& file, LoadReport* report = nullptr) {
  const auto& config = index.at(which);
  auto model = std::make_shared<LlamaModel>(
      which, LlamaOptions::from_config(config, kind_of(config)), /*initialised=*/false);
  LoadReport r = model->load_weights(Weights::from_file(language_fixture(file)));
  if (report) *report = r;
  model->eval();
  return model;
}

bool has_note(const LoadReport& r, const std::string& text) {
  return std::any_of(r.notes.begin(), r.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

}  // namespace

#define REQUIRE_LLAMA_FIXTURES()                                                   \
  const nlohmann::json index = llama_index();                                      \
  if (index.is_null()) {                                                           \
    WARN("skipped: no fixtures (llama_fixtures needs torch in /usr/bin/python3)"); \
    return;                                                                        \
  }

TEST_CASE("LLaMA-family logits match the plain-torch reference on bf16 checkpoints",
          "[language][llama][parity]") {
  REQUIRE_LLAMA_FIXTURES();
  for (const std::string which : {"smol", "qwen", "tiny", "linear"}) {
    INFO(which);
    LoadReport report;
    auto model = loaded(index, which, which + ".safetensors", &report);
    CHECK(report.clean());
    const Weights expected = Weights::from_file(language_fixture(which + ".expected.safetensors"));
    const auto ids = expected.tensor("input_ids"), mask = expected.tensor("attention_mask");
    torch::InferenceMode guard;
    const auto logits = model->forward_causal(ids, mask, {}, nullptr);
    CHECK(logits.sizes() == torch::IntArrayRef({2, 7, 97}));
    CHECK(max_diff_where(logits, expected.tensor("logits"), mask) <= 1e-4);
    // The last position alone, as generation asks for it.
    CHECK(max_diff(model->next_token_logits(ids, mask, {}, nullptr),
                   expected.tensor("logits").select(1, 6)) <= 1e-4);
  }
}

TEST_CASE("LLaMA-family weights widen from bf16 exactly", "[language][llama][bf16]") {
  REQUIRE_LLAMA_FIXTURES();
  auto model = loaded(index, "smol", "smol.safetensors");
  const Weights expected = Weights::from_file(language_fixture("smol.expected.safetensors"));
  const auto& layer = *model->net()->model->layers[1]->as<language::LlamaDecoderLayerImpl>();
  const auto& loaded_weight = layer.self_attn->q_proj->weight;
  CHECK(loaded_weight.scalar_type() == torch::kFloat);
  CHECK(torch::equal(loaded_weight, expected.tensor("q_proj_fp32")));  // bit for bit
}

TEST_CASE("LLaMA-family decoding with the KV cache equals the full forward",
          "[language][llama][kv-cache]") {
  REQUIRE_LLAMA_FIXTURES();
  for (const std::string which : {"smol", "qwen", "tiny"}) {
    INFO(which);
    auto model = loaded(index, which, which + ".safetensors");
    const Weights expected = Weights::from_file(language_fixture(which + ".expected.safetensors"));
    const auto ids = expected.tensor("input_ids"), mask = expected.tensor("attention_mask");
    const auto want = expected.tensor("logits");
    torch::InferenceMode guard;
    // A prefill of the first 4 columns (left padding included), then one
    // column a step, the mask growing with the cache.
    nn::KVCache cache(model->num_layers());
    auto first = model->forward_causal(ids.slice(1, 0, 4), mask.slice(1, 0, 4), {}, &cache);
    CHECK(max_diff_where(first, want.slice(1, 0, 4), mask.slice(1, 0, 4)) <= 1e-4);
    for (int64_t t = 4; t < ids.size(1); ++t) {
      CHECK(cache.length() == t);
      const auto step =
          model->forward_causal(ids.slice(1, t, t + 1), mask.slice(1, 0, t + 1), {}, &cache);
      CHECK(max_diff(step, want.slice(1, t, t + 1)) <= 1e-4);
    }
  }
}

TEST_CASE("LLaMA-family generation with the cache equals generation without it",
          "[language][llama][generate]") {
  REQUIRE_LLAMA_FIXTURES();
  for (const std::string which : {"qwen", "tiny"}) {
    INFO(which);
    auto model = loaded(index, which, which + ".safetensors");
    GenerationOptions o;
    o.max_new_tokens = 24;
    o.eos_token_ids = {};
    const std::vector<std::vector<int64_t>> prompts = {{5, 17, 42, 3, 88, 9}, {61, 2}};
    torch::InferenceMode guard;
    const auto cached = generate(*model, prompts, o);
    o.use_cache = false;
    const auto uncached = generate(*model, prompts, o);
    CHECK(cached == uncached);
    CHECK(cached.at(0).size() == 24);
    CHECK(cached.at(1).size() == 24);
  }
}

TEST_CASE("a sharded LLaMA checkpoint gives the same model as the single file",
          "[language][llama][sharded]") {
  REQUIRE_LLAMA_FIXTURES();
  LoadReport report;
  auto sharded = loaded(index, "linear", "linear.safetensors.index.json", &report);
  CHECK(report.clean());
  auto single = loaded(index, "linear", "linear.safetensors");
  const auto a = sharded->net()->named_parameters(), b = single->net()->named_parameters();
  REQUIRE(a.size() == b.size());
  for (const auto& item : a) {
    INFO(item.key());
    CHECK(torch::equal(item.value(), b[item.key()]));
  }
}

TEST_CASE("LLaMA-family configs: Hugging Face's keys, and what cannot be computed refused by name",
          "[language][llama][config]") {
  const nlohmann::json smol = {{"hidden_size", 576},       {"intermediate_size", 1536},
                               {"num_hidden_layers", 30},  {"num_attention_heads", 9},
                               {"num_key_value_heads", 3}, {"rms_norm_eps", 1e-5},
                               {"rope_theta", 100000.0},   {"tie_word_embeddings", true},
                               {"vocab_size", 49152},      {"max_position_embeddings", 8192},
                               {"model_type", "llama"},    {"hidden_act", "silu"},
                               {"rope_scaling", nullptr}};
  const auto o = LlamaOptions::from_config(smol, LlamaKind::kLlama);
  CHECK(o.head_dim == 64);
  CHECK(o.tie_word_embeddings);
  CHECK_FALSE(o.qkv_bias);
  const auto q = LlamaOptions::from_config({{"model_type", "qwen2"}}, LlamaKind::kQwen2);
  CHECK(q.qkv_bias);
  CHECK_FALSE(q.o_bias);
  CHECK(LlamaOptions::from_config({{"attention_bias", true}}, LlamaKind::kLlama).o_bias);

  auto refused = [](nlohmann::json config, LlamaKind kind, const std::string& text) {
    INFO(config.dump());
    CHECK_THROWS_WITH(LlamaOptions::from_config(config, kind), Catch::Contains(text));
  };
  refused({{"rope_scaling", {{"rope_type", "yarn"}, {"factor", 4.0}}}}, LlamaKind::kLlama,
          "the type \"yarn\" is not supported (linear and llama3 are)");
  refused({{"rope_scaling", {{"type", "linear"}}}}, LlamaKind::kLlama, "needs a 'factor'");
  refused({{"hidden_act", "gelu"}}, LlamaKind::kLlama, "'hidden_act': \"gelu\" is not supported");
  refused({{"model_type", "mistral"}}, LlamaKind::kLlama, "'model_type' is \"mistral\"");
  refused({{"model_type", "qwen2"}, {"use_sliding_window", true}}, LlamaKind::kQwen2,
          "sliding-window attention is not supported");
  refused({{"num_attention_heads", 9}, {"num_key_value_heads", 2}}, LlamaKind::kLlama,
          "num_attention_heads (9) must be a multiple of num_key_value_heads (2)");
  refused({{"head_dim", 15}}, LlamaKind::kLlama, "head_dim (15) must be even");
  refused({{"rms_norm_eps", -1}}, LlamaKind::kLlama, "'rms_norm_eps': expected a positive number");
}

TEST_CASE("a tied LLaMA head: a copy of the embeddings in the file is checked, not trusted",
          "[language][llama][tied]") {
  REQUIRE_LLAMA_FIXTURES();
  torch::OrderedDict<std::string, torch::Tensor> state;
  for (const auto& item : Weights::from_file(language_fixture("smol.safetensors")).state_dict())
    state.insert(item.key(), item.value().clone());
  const auto table = state["model.embed_tokens.weight"];

  // The same tensor under both names (older writers): loaded, with a note.
  state.insert("lm_head.weight", table.clone());
  save_variant(state, language_fixture("smol_with_head.safetensors"));
  LoadReport report;
  loaded(index, "smol", "smol_with_head.safetensors", &report);
  CHECK(report.clean());
  CHECK(has_note(report, "lm_head.weight"));

  // Only under the head's name (a writer that kept that one): loaded as the table.
  state.erase("model.embed_tokens.weight");
  save_variant(state, language_fixture("smol_head_only.safetensors"));
  auto model = loaded(index, "smol", "smol_head_only.safetensors", &report);
  CHECK(report.clean());
  CHECK(torch::equal(model->net()->model->embed_tokens->weight, table.to(torch::kFloat)));

  // A different head cannot be represented by a tied model: refused.
  state.insert("model.embed_tokens.weight", table);
  state["lm_head.weight"] = table + 1;
  save_variant(state, language_fixture("smol_other_head.safetensors"));
  CHECK_THROWS_WITH(loaded(index, "smol", "smol_other_head.safetensors"),
                    Catch::Contains("lm_head.weight"));
}
