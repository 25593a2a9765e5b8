// modelzoo::generate and the logits processors (modelzoo/generation.h), on
// two CausalLMs defined here: a 2-layer attention decoder with random
// weights that uses the KV cache (for cache, padding and sampling
// equivalences), and a table model whose next token is a fixed function of
// the last one (for EOS, streaming and what generate() feeds the model).
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "error_text.h"
#include "modelzoo/generation.h"
#include "process.h"

using modelzoo::GenerationOptions;
using modelzoo::test::error_of;
using Rows = std::vector<std::vector<int64_t>>;

namespace {

/// A small GPT-like decoder: token + position embeddings, causal
/// self-attention over (cache +) this step, an MLP, residuals, logits tied
/// to the token embedding. Masked scores are a large finite negative (as
/// HF does), so fully padded query rows stay finite.
class TinyDecoder : public modelzoo::CausalLM {
 public:
  explicit TinyDecoder(uint64_t seed) {
    auto g = at::make_generator<at::CPUGeneratorImpl>(seed);
    const auto r = [&](std::vector<int64_t> shape, double scale) {
      return at::randn(shape, g, at::kFloat) * scale;
    };
    wte_ = r({kVocab, kWidth}, 1.0);
    wpe_ = r({kPositions, kWidth}, 0.5);
    for (int64_t l = 0; l < kLayers; ++l)
      layers_.push_back({r({kWidth, 3 * kWidth}, 0.3), r({kWidth, kWidth}, 0.3),
                         r({kWidth, 4 * kWidth}, 0.3), r({4 * kWidth, kWidth}, 0.2)});
  }

  torch::Tensor forward_causal(const torch::Tensor& ids, const torch::Tensor& mask,
                               const torch::Tensor& positions,
                               modelzoo::nn::KVCache* cache) override {
    const int64_t past = cache ? cache->length() : 0;
    const int64_t b = ids.size(0), n = ids.size(1), total = past + n, dh = kWidth / kHeads;
    REQUIRE(mask.size(1) == total);
    // allowed[b, i, j]: query i (absolute position past + i) sees key j.
    const auto query_pos = at::arange(past, total, at::kLong).view({n, 1});
    const auto causal = at::arange(total, at::kLong).view({1, total}).le(query_pos);
    const auto allowed = causal.unsqueeze(0).logical_and(mask.view({b, 1, total}).eq(1));
    auto h = wte_.index_select(0, ids.reshape(-1)).view({b, n, kWidth}) +
             wpe_.index_select(0, positions.reshape(-1)).view({b, n, kWidth});
    for (int64_t l = 0; l < kLayers; ++l) {
      const auto& w = layers_[static_cast<std::size_t>(l)];
      const auto split = [&](const torch::Tensor& t) {
        return t.view({b, n, kHeads, dh}).transpose(1, 2);
      };
      auto qkv = at::matmul(h, w.qkv).chunk(3, 2);
      auto q = split(qkv[0]), k = split(qkv[1]), v = split(qkv[2]);
      if (cache) std::tie(k, v) = cache->append(l, k, v);
      auto s = at::matmul(q, k.transpose(2, 3)) / std::sqrt(static_cast<double>(dh));
      s = s.masked_fill(allowed.unsqueeze(1).logical_not(), -1e9);
      auto a = at::matmul(s.softmax(3), v).transpose(1, 2).reshape({b, n, kWidth});
      h = h + at::matmul(a, w.out);
      h = h + at::matmul(at::tanh(at::matmul(h, w.up)), w.down);
    }
    return at::matmul(h, wte_.t());
  }
  int64_t num_layers() const override { return kLayers; }
  int64_t max_positions() const override { return kPositions; }
  int64_t vocab_size() const override { return kVocab; }

  static constexpr int64_t kVocab = 37, kWidth = 16, kHeads = 2, kLayers = 2, kPositions = 64;

 private:
  struct Layer {
    torch::Tensor qkv, out, up, down;
  };
  torch::Tensor wte_, wpe_;
  std::vector<Layer> layers_;
};

/// next(t) = (3t + 1) mod 11 with a clear margin; records what it is fed.
class TableModel : public modelzoo::CausalLM {
 public:
  struct Call {
    std::vector<int64_t> ids_shape;
    torch::Tensor mask, positions;
    int64_t cache_length;
  };
  static int64_t next(int64_t t) { return (3 * t + 1) % kVocab; }

  torch::Tensor forward_causal(const torch::Tensor& ids, const torch::Tensor& mask,
                               const torch::Tensor& positions,
                               modelzoo::nn::KVCache* cache) override {
    calls.push_back(
        {ids.sizes().vec(), mask.clone(), positions.clone(), cache ? cache->length() : -1});
    if (cache) {  // hold one dummy position per fed position, as a model would
      const auto kv = at::zeros({ids.size(0), 1, ids.size(1), 1});
      for (int64_t l = 0; l < num_layers(); ++l) cache->append(l, kv, kv);
    }
    auto logits = at::zeros({ids.size(0), ids.size(1), kVocab});
    auto id = ids.accessor<int64_t, 2>();
    auto lg = logits.accessor<float, 3>();
    for (int64_t b = 0; b < ids.size(0); ++b)
      for (int64_t i = 0; i < ids.size(1); ++i) lg[b][i][next(id[b][i])] = 10.f;
    return logits;
  }
  /// What generate() asks for each step: the last position only.
  torch::Tensor next_token_logits(const torch::Tensor& ids, const torch::Tensor& mask,
                                  const torch::Tensor& positions,
                                  modelzoo::nn::KVCache* cache) override {
    ++last_only_calls;
    return forward_causal(ids, mask, positions, cache).select(1, ids.size(1) - 1);
  }
  int64_t num_layers() const override { return 1; }
  int64_t max_positions() const override { return 16; }
  int64_t vocab_size() const override { return kVocab; }

  static constexpr int64_t kVocab = 11;
  std::vector<Call> calls;
  int last_only_calls = 0;
};

std::vector<int64_t> as_vector(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

GenerationOptions sampling(uint64_t seed) {
  GenerationOptions o;
  o.max_new_tokens = 30;
  o.do_sample = true;
  o.temperature = 1.3;
  o.top_k = 12;
  o.top_p = 0.9;
  o.repetition_penalty = 1.2;
  o.seed = seed;
  return o;
}

const Rows kPrompts = {{1, 5, 9}, {2, 3, 4, 5, 6, 7, 8}, {30, 12, 7, 7, 1}};

}  // namespace

TEST_CASE("greedy generation with the KV cache gives the tokens of generation without it",
          "[generation]") {
  TinyDecoder model(7);
  GenerationOptions o;
  o.max_new_tokens = 40;
  const Rows cached = modelzoo::generate(model, kPrompts, o);
  o.use_cache = false;
  const Rows full = modelzoo::generate(model, kPrompts, o);
  CHECK(cached == full);
  for (const auto& row : cached) CHECK(row.size() == 40);
  // Not a constant sequence: the comparison above would be weak otherwise.
  CHECK(std::set<int64_t>(cached[0].begin(), cached[0].end()).size() > 3);
}

TEST_CASE("seeded sampling repeats exactly, with or without the cache, and another seed differs",
          "[generation]") {
  TinyDecoder model(11);
  GenerationOptions o = sampling(42);
  const Rows first = modelzoo::generate(model, kPrompts, o);
  CHECK(modelzoo::generate(model, kPrompts, o) == first);
  o.use_cache = false;
  CHECK(modelzoo::generate(model, kPrompts, o) == first);
  CHECK(modelzoo::generate(model, kPrompts, sampling(43)) != first);
  // Sampling is not greedy here: the greedy run differs from the sampled one.
  GenerationOptions greedy;
  greedy.max_new_tokens = 30;
  greedy.repetition_penalty = 1.2;
  CHECK(modelzoo::generate(model, kPrompts, greedy) != first);
}

TEST_CASE("sampling options do nothing without do_sample, as in Hugging Face", "[generation]") {
  TinyDecoder model(5);
  GenerationOptions plain;
  plain.max_new_tokens = 15;
  GenerationOptions ignored = plain;
  ignored.temperature = 0.2;
  ignored.top_k = 2;
  ignored.top_p = 0.1;
  ignored.seed = 3;
  CHECK(modelzoo::generate(model, kPrompts, ignored) == modelzoo::generate(model, kPrompts, plain));
}

TEST_CASE("a left-padded batch gives each row the tokens it gets alone", "[generation]") {
  TinyDecoder model(3);
  for (const bool use_cache : {true, false}) {
    GenerationOptions o;
    o.max_new_tokens = 25;
    o.use_cache = use_cache;
    o.repetition_penalty = 5.0;
    Rows alone;
    for (const auto& p : kPrompts) alone.push_back(modelzoo::generate(model, {p}, o).at(0));
    // Pad with the first token the shortest prompt's row generates: were
    // the padding penalised, that token would lose its place in the batch.
    o.pad_token_id = alone[0][0];
    CAPTURE(use_cache);
    CHECK(modelzoo::generate(model, kPrompts, o) == alone);
  }
}

TEST_CASE("generate feeds HF's mask and position ids, one position per step with the cache",
          "[generation]") {
  TableModel model;
  GenerationOptions o;
  o.max_new_tokens = 3;
  const Rows out = modelzoo::generate(model, {{4, 2}, {1, 2, 3, 6}}, o);
  CHECK(out == Rows{{TableModel::next(2), TableModel::next(TableModel::next(2)),
                     TableModel::next(TableModel::next(TableModel::next(2)))},
                    {TableModel::next(6), TableModel::next(TableModel::next(6)),
                     TableModel::next(TableModel::next(TableModel::next(6)))}});
  REQUIRE(model.calls.size() == 3);
  CHECK(model.last_only_calls == 3);  // the model's own last-position path
  // Prefill: the left-padded prompts, mask 0 on the padding, positions
  // cumsum(mask) - 1 with pads at 1 (HF's rule).
  CHECK(model.calls[0].ids_shape == std::vector<int64_t>{2, 4});
  CHECK(as_vector(model.calls[0].mask) == std::vector<int64_t>{0, 0, 1, 1, 1, 1, 1, 1});
  CHECK(as_vector(model.calls[0].positions) == std::vector<int64_t>{1, 1, 0, 1, 0, 1, 2, 3});
  CHECK(model.calls[0].cache_length == 0);
  // Then one position per step, the mask grown by one, each row's next position.
  CHECK(model.calls[1].ids_shape == std::vector<int64_t>{2, 1});
  CHECK(model.calls[1].cache_length == 4);
  CHECK(as_vector(model.calls[1].mask) == std::vector<int64_t>{0, 0, 1, 1, 1, 1, 1, 1, 1, 1});
  CHECK(as_vector(model.calls[1].positions) == std::vector<int64_t>{2, 4});
  CHECK(as_vector(model.calls[2].positions) == std::vector<int64_t>{3, 5});
  CHECK(model.calls[2].cache_length == 5);

  TableModel uncached;
  o.use_cache = false;
  CHECK(modelzoo::generate(uncached, {{4, 2}, {1, 2, 3, 6}}, o) == out);
  REQUIRE(uncached.calls.size() == 3);
  CHECK(uncached.calls[2].ids_shape == std::vector<int64_t>{2, 6});
  CHECK(uncached.calls[2].cache_length == -1);
  CHECK(as_vector(uncached.calls[2].positions) ==
        std::vector<int64_t>{1, 1, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5});
}

TEST_CASE("a row that produces EOS stops and the others go on", "[generation]") {
  // From 1: 4, 2, 7, 0, 1, … ; from 5: 5 -> 5 forever.
  TableModel model;
  GenerationOptions o;
  o.max_new_tokens = 6;
  o.eos_token_ids = {9, 7};
  for (const bool use_cache : {true, false}) {
    o.use_cache = use_cache;
    const Rows out = modelzoo::generate(model, {{1}, {3, 5}}, o);
    CAPTURE(use_cache);
    CHECK(out == Rows{{4, 2, 7}, {5, 5, 5, 5, 5, 5}});
  }
  // Once row 0 stopped, the model is fed row 1 only.
  o.use_cache = true;
  model.calls.clear();
  modelzoo::generate(model, {{1}, {3, 5}}, o);
  REQUIRE(model.calls.size() == 6);
  CHECK(model.calls[2].ids_shape == std::vector<int64_t>{2, 1});
  CHECK(model.calls[3].ids_shape == std::vector<int64_t>{1, 1});
  CHECK(model.calls[3].cache_length == 4);
}

TEST_CASE("on_token streams every token in order, and returning false stops the run",
          "[generation]") {
  TinyDecoder model(9);
  GenerationOptions o;
  o.max_new_tokens = 10;
  Rows streamed(kPrompts.size());
  const Rows out = modelzoo::generate(model, kPrompts, o, [&](std::size_t row, int64_t token) {
    streamed.at(row).push_back(token);
    return true;
  });
  CHECK(streamed == out);

  // Stop at row 1's fourth token: rows 0 and 1 have four, row 2 three.
  int calls = 0;
  const Rows stopped = modelzoo::generate(model, kPrompts, o, [&](std::size_t row, int64_t) {
    ++calls;
    return !(row == 1 && calls == 3 * 3 + 2);
  });
  CHECK(calls == 11);
  REQUIRE(stopped.size() == 3);
  CHECK(stopped[0] == std::vector<int64_t>(out[0].begin(), out[0].begin() + 4));
  CHECK(stopped[1] == std::vector<int64_t>(out[1].begin(), out[1].begin() + 4));
  CHECK(stopped[2] == std::vector<int64_t>(out[2].begin(), out[2].begin() + 3));
}

TEST_CASE("prompt plus max_new_tokens beyond max_positions is refused before any forward",
          "[generation]") {
  TableModel model;  // max_positions 16
  GenerationOptions o;
  o.max_new_tokens = 7;
  const Rows prompts = {{1, 2}, std::vector<int64_t>(10, 3)};
  const std::string e = error_of([&] { modelzoo::generate(model, prompts, o); });
  CHECK_THAT(e, Catch::Contains("longest prompt (10 tokens)") && Catch::Contains("17 positions") &&
                    Catch::Contains("model's 16") && Catch::Contains("lower max_new_tokens"));
  CHECK(model.calls.empty());
  o.max_new_tokens = 6;  // exactly fits
  CHECK(modelzoo::generate(model, prompts, o).at(1).size() == 6);

  CHECK_THAT(error_of([&] {
               modelzoo::generate(model, {{1}, {}}, o);
             }),
             Catch::Contains("prompt 1 is empty"));
  CHECK_THAT(error_of([&] {
               modelzoo::generate(model, {{1, 11}}, o);
             }),
             Catch::Contains("token id 11") && Catch::Contains("vocabulary of 11"));
  o.do_sample = true;
  o.top_p = 0;
  CHECK_THAT(error_of([&] { modelzoo::generate(model, {{1}}, o); }), Catch::Contains("top_p"));
}

TEST_CASE("the logits processors match an independent Python reference", "[generation]") {
  modelzoo::test::TempDir dir;
  const std::string out = dir.path() + "/expected.json";
  const auto r = modelzoo::test::run_process(
      {"/usr/bin/python3", std::string(MODELZOO_TEST_SOURCE_DIR) + "/logits_reference.py", out});
  if (r.exit_code != 0 && r.err.find("No module named 'torch'") != std::string::npos) {
    WARN("skipped: /usr/bin/python3 has no torch (scripts/install-deps.sh installs it)");
    return;
  }
  REQUIRE(r.exit_code == 0);
  const auto cases = nlohmann::json::parse(std::ifstream(out)).at("cases");
  REQUIRE(cases.size() == 16);
  const auto tensor = [](const nlohmann::json& rows, at::ScalarType type) {
    std::vector<double> flat;
    for (const auto& row : rows)
      for (const auto& x : row) flat.push_back(x.is_null() ? -INFINITY : x.get<double>());
    return at::tensor(flat, at::kDouble)
        .view({static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())})
        .to(type);
  };
  for (const auto& c : cases) {
    const std::string op = c.at("op");
    const double param = c.at("param");
    CAPTURE(op, param);
    const auto scores = tensor(c.at("scores"), at::kFloat);
    const auto before = scores.clone();
    at::Tensor got;
    if (op == "repetition_penalty")
      got = modelzoo::logits::repetition_penalty(scores, tensor(c.at("ids"), at::kLong), param,
                                                 tensor(c.at("mask"), at::kLong));
    else if (op == "temperature")
      got = modelzoo::logits::temperature(scores, param);
    else if (op == "top_k")
      got = modelzoo::logits::top_k(scores, static_cast<int64_t>(param));
    else
      got = modelzoo::logits::top_p(scores, param);
    const auto expected = tensor(c.at("expected"), at::kDouble);
    got = got.to(at::kDouble);
    // The same entries filtered, the others equal to float precision.
    CHECK(at::equal(at::isinf(got), at::isinf(expected)));
    const auto finite = at::isfinite(expected);
    CHECK(at::allclose(got.masked_select(finite), expected.masked_select(finite), 1e-6, 1e-6));
    CHECK(at::equal(scores, before));  // inputs untouched
  }
  // The padding-only token is not penalised; the mask is what excludes it.
  const auto& rep = cases[0];
  const auto scores = tensor(rep.at("scores"), at::kFloat);
  const auto ids = tensor(rep.at("ids"), at::kLong);
  const auto masked =
      modelzoo::logits::repetition_penalty(scores, ids, 1.3, tensor(rep.at("mask"), at::kLong));
  const auto unmasked = modelzoo::logits::repetition_penalty(scores, ids, 1.3);
  CHECK(masked[1][39].item<float>() == scores[1][39].item<float>());
  CHECK(unmasked[1][39].item<float>() != scores[1][39].item<float>());
}

TEST_CASE("logits processors refuse out-of-range parameters and keep at least one token",
          "[generation]") {
  const auto scores = at::tensor({1.f, 5.f, 2.f, 5.f}).view({1, 4});
  CHECK_THAT(error_of([&] { modelzoo::logits::temperature(scores, 0); }),
             Catch::Contains("temperature must be > 0"));
  CHECK_THAT(error_of([&] { modelzoo::logits::top_k(scores, -1); }), Catch::Contains("k must"));
  CHECK_THAT(error_of([&] { modelzoo::logits::top_p(scores, 1.5); }), Catch::Contains("(0, 1]"));
  CHECK_THAT(error_of([&] { modelzoo::logits::repetition_penalty(scores, {}, 0); }),
             Catch::Contains("penalty must be > 0"));
  // A tiny p keeps the single best token; k = 0 and p = 1 keep all.
  CHECK(at::isfinite(modelzoo::logits::top_p(at::tensor({1.f, 9.f, 2.f}).view({1, 3}), 1e-9))
            .sum()
            .item<int64_t>() == 1);
  CHECK(at::equal(modelzoo::logits::top_k(scores, 0), scores));
  CHECK(at::equal(modelzoo::logits::top_p(scores, 1.0), scores));
}
