// GPT-2: the model against the independent reference of
// make_language_fixtures.py (a left-padded batch, hidden states and
// logits), generation's KV cache against the full forward, and the load
// rules for Hugging Face's checkpoints (prefix, mask buffers, the tied
// lm_head, a legacy pickle, a wrong shape, a missing key).
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

#include "error_text.h"
#include "gpt2.h"
#include "language_test_support.h"
#include "modelzoo/generation.h"
#include "modelzoo/init_mode.h"
#include "modelzoo/language_model.h"
#include "modelzoo/nn/kv_cache.h"
#include "process.h"

using namespace modelzoo;
using namespace modelzoo::test;
using modelzoo::language::Gpt2Model;
using modelzoo::language::Gpt2Options;

namespace {

std::shared_ptr<Gpt2Model> tiny_gpt2(const nlohmann::json& index) {
  return std::make_shared<Gpt2Model>("gpt2", Gpt2Options::from_config(index.at("gpt2")),
                                     /*initialised=*/false);
}

std::shared_ptr<Gpt2Model> loaded_gpt2(const nlohmann::json& index, const std::string& file,
                                       LoadReport* report = nullptr) {
  auto model = tiny_gpt2(index);
  LoadReport r = model->load_weights(Weights::from_file(language_fixture(file)));
  if (report) *report = r;
  model->eval();
  return model;
}

bool has_note(const LoadReport& r, const std::string& text) {
  return std::any_of(r.notes.begin(), r.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

// The fixture checkpoint as a mutable state dict, for derived cases.
torch::OrderedDict<std::string, torch::Tensor> fixture_state(const std::string& file) {
  torch::OrderedDict<std::string, torch::Tensor> state;
  for (const auto& item : Weights::from_file(language_fixture(file)).state_dict())
    state.insert(item.key(), item.value().clone());
  return state;
}

}  // namespace

TEST_CASE("GPT-2 matches the reference on a left-padded batch", "[language][gpt2][parity]") {
  REQUIRE_LANGUAGE_FIXTURES();
  LoadReport report;
  auto model = loaded_gpt2(fixture_index, "gpt2_tiny.safetensors", &report);
  CHECK(report.clean());
  CHECK(report.ignored.size() == 4);  // attn.bias and attn.masked_bias of 2 layers
  CHECK(has_note(report, "4 causal-mask buffers (attn.bias, attn.masked_bias) ignored"));

  const Weights expected = Weights::from_file(language_fixture("gpt2.expected.safetensors"));
  const auto ids = expected.tensor("input_ids"), mask = expected.tensor("attention_mask");
  const auto positions = expected.tensor("position_ids");
  torch::InferenceMode guard;
  CHECK(max_diff_where(model->hidden_states(ids, mask, positions, nullptr),
                       expected.tensor("hidden"), mask) <= 1e-4);
  const auto logits = model->forward_causal(ids, mask, positions, nullptr);
  CHECK(logits.sizes() == torch::IntArrayRef({3, 7, 101}));
  CHECK(max_diff_where(logits, expected.tensor("logits"), mask) <= 1e-4);
  // Without position ids, the positions come from the mask, as in
  // Hugging Face's generate: the same numbers at the real tokens.
  CHECK(max_diff_where(model->forward_causal(ids, mask, {}, nullptr), expected.tensor("logits"),
                       mask) <= 1e-4);
  // The plain forward: one unpadded row, positions 0…6.
  CHECK(max_diff(model->forward(ids.slice(0, 0, 1)), expected.tensor("logits_row0")) <= 1e-4);
}

TEST_CASE("GPT-2 with the KV cache, one token at a time, equals the full forward",
          "[language][gpt2][kv-cache]") {
  REQUIRE_LANGUAGE_FIXTURES();
  auto model = loaded_gpt2(fixture_index, "gpt2_tiny.safetensors");
  const Weights expected = Weights::from_file(language_fixture("gpt2.expected.safetensors"));
  const auto ids = expected.tensor("input_ids"), mask = expected.tensor("attention_mask");
  torch::InferenceMode guard;
  const auto full = model->forward_causal(ids, mask, {}, nullptr);

  // A prefill of the first 4 columns (left padding included), then one
  // column a step, the mask growing with the cache.
  nn::KVCache cache(model->num_layers());
  std::vector<torch::Tensor> steps{
      model->forward_causal(ids.slice(1, 0, 4), mask.slice(1, 0, 4), {}, &cache)};
  for (int64_t t = 4; t < ids.size(1); ++t) {
    CHECK(cache.length() == t);
    steps.push_back(
        model->forward_causal(ids.slice(1, t, t + 1), mask.slice(1, 0, t + 1), {}, &cache));
  }
  const auto cached = torch::cat(steps, 1);
  CHECK(max_diff_where(cached, full, mask) <= 1e-5);
  CHECK(max_diff_where(cached, expected.tensor("logits"), mask) <= 1e-4);
  // The cache's length counts against n_positions (32 here).
  CHECK_THROWS_WITH(model->forward_causal(torch::zeros({3, 26}, torch::kLong),
                                          torch::ones({3, 33}, torch::kLong), {}, &cache),
                    Catch::Contains("33 positions exceed the model's n_positions (32)"));
}

TEST_CASE("GPT-2 generates the same tokens with the KV cache as without",
          "[language][gpt2][generation]") {
  REQUIRE_LANGUAGE_FIXTURES();
  auto model = loaded_gpt2(fixture_index, "gpt2_tiny.safetensors");
  // Prompts of different lengths: the SDK's generate() left-pads them.
  const std::vector<std::vector<int64_t>> prompts{{5, 17, 42, 3, 99}, {7}, {64, 2, 8}};
  GenerationOptions options;
  options.max_new_tokens = 12;
  torch::InferenceMode guard;
  const auto cached = generate(*model, prompts, options);
  options.use_cache = false;
  CHECK(generate(*model, prompts, options) == cached);
  // A seeded sampled run, both ways.
  options.do_sample = true;
  options.seed = 7;
  options.top_k = 20;
  const auto sampled = generate(*model, prompts, options);
  options.use_cache = true;
  CHECK(generate(*model, prompts, options) == sampled);
  // Each row alone gives its tokens of the batch: padding changes nothing.
  options = GenerationOptions{};
  options.max_new_tokens = 12;
  for (std::size_t row = 0; row < prompts.size(); ++row)
    CHECK(generate(*model, {prompts[row]}, options).at(0) == cached.at(row));
}

TEST_CASE("GPT-2 loads the Hub's layout, a zip .pth, and refuses a legacy pickle",
          "[language][gpt2][load]") {
  REQUIRE_LANGUAGE_FIXTURES();
  auto reference = loaded_gpt2(fixture_index, "gpt2_tiny.safetensors");
  for (const char* file : {"gpt2_tiny_hub.safetensors", "gpt2_tiny.pth"}) {
    INFO(file);
    LoadReport report;
    auto model = loaded_gpt2(fixture_index, file, &report);
    CHECK(report.clean());
    CHECK(report.loaded == reference->state_dict().size());
    for (const auto& item : reference->state_dict())
      CHECK(torch::equal(model->state_dict()[item.key()], item.value()));
  }
  const std::string legacy = error_of([&] { loaded_gpt2(fixture_index, "gpt2_tiny_legacy.bin"); });
  CHECK_THAT(legacy,
             Catch::Contains("gpt2_tiny_legacy.bin is a legacy (pre-1.6) torch.save file") &&
                 Catch::Contains("torch.save(torch.load(f), out)"));
}

TEST_CASE("GPT-2's lm_head.weight: tied when equal to wte, refused when not",
          "[language][gpt2][load]") {
  REQUIRE_LANGUAGE_FIXTURES();
  TempDir dir;
  auto state = fixture_state("gpt2_tiny.safetensors");
  const torch::Tensor wte = state["transformer.wte.weight"];
  state.insert("lm_head.weight", wte.clone());
  const std::string same = save_variant(state, dir.path() + "/same.safetensors");
  auto model = tiny_gpt2(fixture_index);
  const LoadReport report = model->load_weights(Weights::from_file(same));
  CHECK(report.clean());
  CHECK(has_note(report, "lm_head.weight: the same values as transformer.wte.weight, tied to it"));
  CHECK(torch::equal(model->net()->wte->weight, wte));

  state["lm_head.weight"] = wte + 1;
  const std::string other = save_variant(state, dir.path() + "/other.safetensors");
  CHECK_THAT(error_of([&] { tiny_gpt2(fixture_index)->load_weights(Weights::from_file(other)); }),
             Catch::Contains("lm_head.weight [101, 64] differs from transformer.wte.weight "
                             "[101, 64], to which gpt2 ties it"));
  // Only the output layer's name: loaded as wte.
  auto head_only = fixture_state("gpt2_tiny.safetensors");
  head_only.insert("lm_head.weight", wte.clone());
  head_only.erase("transformer.wte.weight");
  const std::string renamed = save_variant(head_only, dir.path() + "/head_only.safetensors");
  auto from_head = tiny_gpt2(fixture_index);
  const LoadReport head_report = from_head->load_weights(Weights::from_file(renamed));
  CHECK(head_report.clean());
  CHECK(has_note(head_report, "lm_head.weight: loaded as wte.weight, to which it is tied"));
  CHECK(torch::equal(from_head->net()->wte->weight, wte));

  LoadOptions lenient;
  lenient.strict = false;
  const LoadReport dropped =
      tiny_gpt2(fixture_index)->load_weights(Weights::from_file(other), lenient);
  CHECK(has_note(dropped, "the copy was dropped"));
}

TEST_CASE("GPT-2: a wrong shape and a missing key are named", "[language][gpt2][load]") {
  REQUIRE_LANGUAGE_FIXTURES();
  TempDir dir;
  auto state = fixture_state("gpt2_tiny.safetensors");
  state["transformer.h.1.mlp.c_fc.weight"] =
      state["transformer.h.1.mlp.c_fc.weight"].t().contiguous();
  const std::string transposed = save_variant(state, dir.path() + "/transposed.safetensors");
  CHECK_THAT(
      error_of([&] { tiny_gpt2(fixture_index)->load_weights(Weights::from_file(transposed)); }),
      Catch::Contains(
          "shape mismatch for h.1.mlp.c_fc.weight: model [64, 256], checkpoint [256, 64]"));

  auto partial = fixture_state("gpt2_tiny.safetensors");
  partial.erase("transformer.ln_f.bias");
  const std::string missing = save_variant(partial, dir.path() + "/missing.safetensors");
  CHECK_THAT(
      error_of([&] { tiny_gpt2(fixture_index)->load_weights(Weights::from_file(missing)); }),
      Catch::Contains("1 missing") && Catch::Contains("missing from the checkpoint: ln_f.bias"));
  // Non-strict under SkipInit, what is missing is initialised, not garbage.
  LoadOptions lenient;
  lenient.strict = false;
  auto model = tiny_gpt2(fixture_index);
  const LoadReport report = model->load_weights(Weights::from_file(missing), lenient);
  CHECK(report.missing == std::vector<std::string>{"ln_f.bias"});
  CHECK(torch::equal(model->net()->ln_f->bias, torch::zeros({64})));
  CHECK(has_note(report, "keep a random initialisation"));
}

TEST_CASE("GPT-2's config: Hugging Face's names, n_ctx as an alias, bad values named",
          "[language][gpt2][config]") {
  const Gpt2Options o =
      Gpt2Options::from_config({{"n_layer", 2}, {"n_ctx", 64}, {"n_embd", 32}, {"n_head", 4}});
  CHECK(o.n_positions == 64);
  CHECK(o.n_layer == 2);
  CHECK(o.vocab_size == 50257);
  CHECK(Gpt2Options::from_config({{"n_positions", 16}, {"n_ctx", 64}}).n_positions == 16);
  CHECK_THAT(error_of([] {
               Gpt2Options::from_config({{"n_embd", 30}, {"n_head", 4}});
             }),
             Catch::Contains("n_embd (30) must be a multiple of n_head (4)"));
  CHECK_THAT(error_of([] {
               Gpt2Options::from_config({{"n_layer", "two"}});
             }),
             Catch::Contains("config 'n_layer': expected a positive integer (got \"two\")"));
}

TEST_CASE("the plugin's gpt2 entrypoints build GPT-2 through the Hub, as a CausalLM",
          "[language][gpt2][plugin]") {
  REQUIRE_LANGUAGE_FIXTURES();
  Hub hub(language_hub_options());
  std::shared_ptr<Model> model;
  {
    SkipInit no_init;
    model = hub.create("gpt2", fixture_index.at("gpt2"));
  }
  CHECK(model->load_weights(Weights::from_file(language_fixture("gpt2_tiny.safetensors"))).clean());
  model->eval();
  auto* lm = dynamic_cast<CausalLM*>(model.get());
  REQUIRE(lm != nullptr);
  CHECK(lm->num_layers() == 2);
  CHECK(lm->max_positions() == 32);
  CHECK(lm->vocab_size() == 101);
  const Weights expected = Weights::from_file(language_fixture("gpt2.expected.safetensors"));
  torch::InferenceMode guard;
  const auto mask = expected.tensor("attention_mask");
  CHECK(max_diff_where(lm->forward_causal(expected.tensor("input_ids"), mask,
                                          expected.tensor("position_ids"), nullptr),
                       expected.tensor("logits"), mask) <= 1e-4);

  // The shipped sizes, built without initialisation (nothing is touched).
  SkipInit no_init;
  auto count = [](const Model& m) {
    int64_t n = 0;
    for (const auto& p : m.named_parameters()) n += p.value().numel();
    return n;
  };
  CHECK(count(*hub.create("gpt2")) == 124439808);  // Hugging Face's num_parameters()
  CHECK(count(*hub.create("distilgpt2")) == 81912576);
  CHECK(count(*hub.create("gpt2-medium")) == 354823168);
}
