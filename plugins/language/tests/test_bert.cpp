// BERT and MiniLM: the encoder, pooler and fill-mask head against the
// independent reference of make_language_fixtures.py (a right-padded batch
// of sentence pairs), the sentence embedding (mean pooling over the mask,
// L2 normalisation), and the load rules for Hugging Face's checkpoints
// ('bert.' prefix, gamma/beta, position_ids, the next-sentence head, the
// tied decoder, a wrong shape, a missing key).
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

#include "bert.h"
#include "error_text.h"
#include "language_test_support.h"
#include "modelzoo/init_mode.h"
#include "modelzoo/language_model.h"
#include "process.h"

using namespace modelzoo;
using namespace modelzoo::test;
using modelzoo::language::BertModel;
using modelzoo::language::BertOptions;

namespace {

std::shared_ptr<BertModel> tiny_bert(const nlohmann::json& index, bool mlm_head) {
  return std::make_shared<BertModel>(mlm_head ? "bert-base-uncased" : "all-MiniLM-L6-v2",
                                     BertOptions::from_config(index.at("bert"), mlm_head),
                                     /*initialised=*/false);
}

std::shared_ptr<BertModel> loaded_bert(const nlohmann::json& index, const std::string& file,
                                       bool mlm_head, LoadReport* report = nullptr) {
  auto model = tiny_bert(index, mlm_head);
  LoadReport r = model->load_weights(Weights::from_file(language_fixture(file)));
  if (report) *report = r;
  model->eval();
  return model;
}

bool has_note(const LoadReport& r, const std::string& text) {
  return std::any_of(r.notes.begin(), r.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

torch::OrderedDict<std::string, torch::Tensor> fixture_state(const std::string& file) {
  torch::OrderedDict<std::string, torch::Tensor> state;
  for (const auto& item : Weights::from_file(language_fixture(file)).state_dict())
    state.insert(item.key(), item.value().clone());
  return state;
}

}  // namespace

TEST_CASE("BERT matches the reference on a right-padded batch of pairs",
          "[language][bert][parity]") {
  REQUIRE_LANGUAGE_FIXTURES();
  LoadReport report;
  auto model = loaded_bert(fixture_index, "bert_tiny.safetensors", true, &report);
  CHECK(report.clean());
  CHECK(has_note(report, "cls.seq_relationship.*: the next-sentence head (2 tensors)"));
  // position_ids and the two next-sentence tensors.
  CHECK(report.ignored.size() == 3);

  const Weights expected = Weights::from_file(language_fixture("bert.expected.safetensors"));
  const auto ids = expected.tensor("input_ids"), mask = expected.tensor("attention_mask");
  const auto types = expected.tensor("token_type_ids");
  torch::InferenceMode guard;
  const auto hidden = model->encode(ids, mask, types);
  // Padded positions too: their queries see the same real keys in both.
  CHECK(max_diff(hidden, expected.tensor("hidden")) <= 1e-4);
  CHECK(max_diff(model->pooled(hidden), expected.tensor("pooled")) <= 1e-4);
  const auto logits = model->mlm_logits(ids, mask, types);
  CHECK(logits.sizes() == torch::IntArrayRef({3, 9, 99}));
  CHECK(max_diff(logits, expected.tensor("logits")) <= 1e-4);
  // forward() of a fill-mask model is its logits (no padding: row 0).
  CHECK(max_diff(model->forward(ids.slice(0, 0, 1)),
                 model->mlm_logits(ids.slice(0, 0, 1), {}, {})) == 0);
}

TEST_CASE("BERT: newer names and the tied decoder saved as copies load the same",
          "[language][bert][load]") {
  REQUIRE_LANGUAGE_FIXTURES();
  auto old_names = loaded_bert(fixture_index, "bert_tiny.safetensors", true);
  LoadReport report;
  auto model = loaded_bert(fixture_index, "bert_tiny_new.safetensors", true, &report);
  CHECK(report.clean());
  CHECK(has_note(report,
                 "cls.predictions.decoder.weight: the same values as "
                 "bert.embeddings.word_embeddings.weight, tied to it"));
  CHECK(has_note(report, "cls.predictions.decoder.bias: the same values as cls.predictions.bias"));
  CHECK(report.loaded == old_names->state_dict().size());
  for (const auto& item : old_names->state_dict())
    CHECK(torch::equal(model->state_dict()[item.key()], item.value()));

  // The shared bias saved under the decoder's name only.
  TempDir dir;
  auto decoder_only = fixture_state("bert_tiny_new.safetensors");
  const torch::Tensor bias = decoder_only["cls.predictions.bias"];
  decoder_only.erase("cls.predictions.bias");
  const std::string renamed = save_variant(decoder_only, dir.path() + "/decoder_bias.safetensors");
  auto from_decoder = tiny_bert(fixture_index, true);
  const LoadReport decoder_report = from_decoder->load_weights(Weights::from_file(renamed));
  CHECK(decoder_report.clean());
  CHECK(has_note(
      decoder_report,
      "cls.predictions.decoder.bias: loaded as cls.predictions.bias, to which it is tied"));
  CHECK(torch::equal(from_decoder->net()->mlm_bias, bias));

  // A decoder that is not the word embeddings cannot be represented.
  auto state = fixture_state("bert_tiny_new.safetensors");
  state["cls.predictions.decoder.weight"] = state["cls.predictions.decoder.weight"] * 2;
  const std::string other = save_variant(state, dir.path() + "/untied.safetensors");
  CHECK_THAT(
      error_of([&] { tiny_bert(fixture_index, true)->load_weights(Weights::from_file(other)); }),
      Catch::Contains("cls.predictions.decoder.weight [99, 64] differs from "
                      "bert.embeddings.word_embeddings.weight [99, 64]"));
}

TEST_CASE("BERT: a wrong shape and a missing key are named", "[language][bert][load]") {
  REQUIRE_LANGUAGE_FIXTURES();
  TempDir dir;
  auto state = fixture_state("bert_tiny.safetensors");
  state["bert.encoder.layer.1.intermediate.dense.weight"] = torch::zeros({64, 128});
  const std::string wrong = save_variant(state, dir.path() + "/wrong.safetensors");
  CHECK_THAT(
      error_of([&] { tiny_bert(fixture_index, true)->load_weights(Weights::from_file(wrong)); }),
      Catch::Contains("shape mismatch for encoder.layer.1.intermediate.dense.weight: model "
                      "[128, 64], checkpoint [64, 128]"));
  auto partial = fixture_state("bert_tiny.safetensors");
  partial.erase("bert.encoder.layer.0.output.LayerNorm.gamma");
  const std::string missing = save_variant(partial, dir.path() + "/missing.safetensors");
  CHECK_THAT(
      error_of([&] { tiny_bert(fixture_index, true)->load_weights(Weights::from_file(missing)); }),
      Catch::Contains("missing from the checkpoint: encoder.layer.0.output.LayerNorm.weight"));
  // The feature-extraction model has no head: a fill-mask checkpoint's
  // head is unexpected there, not silently dropped.
  CHECK_THAT(error_of([&] {
               tiny_bert(fixture_index, false)
                   ->load_weights(Weights::from_file(language_fixture("bert_tiny.safetensors")));
             }),
             Catch::Contains("not in the model: cls.predictions.bias"));
}

TEST_CASE("MiniLM's sentence embedding matches the reference's mean pooling and L2 norm",
          "[language][minilm][parity]") {
  REQUIRE_LANGUAGE_FIXTURES();
  LoadReport report;
  auto model = loaded_bert(fixture_index, "minilm_tiny.safetensors", false, &report);
  CHECK(report.clean());
  CHECK(report.ignored == std::vector<std::string>{"embeddings.position_ids"});
  const Weights expected = Weights::from_file(language_fixture("minilm.expected.safetensors"));
  const auto ids = expected.tensor("input_ids"), mask = expected.tensor("attention_mask");
  torch::InferenceMode guard;
  CHECK(max_diff(model->encode(ids, mask, {}), expected.tensor("hidden")) <= 1e-4);
  const auto embedding = model->embed(ids, mask);
  CHECK(embedding.sizes() == torch::IntArrayRef({3, 64}));
  CHECK(max_diff(embedding, expected.tensor("embedding")) <= 1e-4);
  CHECK(max_diff(embedding.norm(2, -1), torch::ones({3})) <= 1e-5);
  // forward() of a feature-extraction model is its last hidden states.
  CHECK(model->forward(ids).sizes() == torch::IntArrayRef({3, 9, 64}));
  CHECK_THAT(error_of([&] { model->mlm_logits(ids, mask, {}); }),
             Catch::Contains("all-MiniLM-L6-v2 has no masked-language-model head"));
}

TEST_CASE("the plugin's BERT entrypoints build through the Hub, as TextEncoders",
          "[language][bert][plugin]") {
  REQUIRE_LANGUAGE_FIXTURES();
  Hub hub(language_hub_options());
  std::shared_ptr<Model> model;
  {
    SkipInit no_init;
    model = hub.create("all-MiniLM-L6-v2", fixture_index.at("bert"));
  }
  CHECK(
      model->load_weights(Weights::from_file(language_fixture("minilm_tiny.safetensors"))).clean());
  model->eval();
  auto* encoder = dynamic_cast<TextEncoder*>(model.get());
  REQUIRE(encoder != nullptr);
  CHECK(encoder->hidden_size() == 64);
  CHECK(encoder->max_positions() == 40);
  const Weights expected = Weights::from_file(language_fixture("minilm.expected.safetensors"));
  const auto ids = expected.tensor("input_ids"), mask = expected.tensor("attention_mask");
  torch::InferenceMode guard;
  // A host app's sentence embedding: the SDK capability and the pooling.
  const auto hidden = encoder->encode(ids, mask, torch::zeros_like(ids));
  CHECK(max_diff(modelzoo::language::mean_pool_normalized(hidden, mask),
                 expected.tensor("embedding")) <= 1e-4);

  SkipInit no_init;
  auto count = [](const Model& m) {
    int64_t n = 0;
    for (const auto& p : m.named_parameters()) n += p.value().numel();
    return n;
  };
  // Hugging Face's num_parameters() (tied decoder counted once).
  CHECK(count(*hub.create("bert-base-uncased")) == 110104890);
  CHECK(count(*hub.create("bert-base-cased")) == 108931396);
  CHECK(count(*hub.create("all-MiniLM-L6-v2")) == 22713216);
}
