// Wav2Vec2 / HuBERT against torchaudio 0.13 itself: make_wav2vec2_fixtures.py
// saves torchaudio's models' real state_dict() (random weights, reduced
// configs of each layout) and their outputs; the plugin's model built from
// the same config and loaded from the same file must give them within
// 1e-4 — for 1 s and 3.7 s inputs, a padded batch of two with lengths, the
// CTC head, the first layer's features, and the same weights under
// Hugging Face's names or with fairseq's 32-output head.
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <c10/core/InferenceMode.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/init_mode.h"
#include "modelzoo/weights.h"
#include "wav2vec2.h"

using namespace modelzoo;
using audio::Wav2Vec2Model;
using audio::Wav2Vec2Options;

namespace {

std::string fixture(const std::string& file) {
  return std::string(MODELZOO_AUDIO_FIXTURE_DIR) + "/" + file;
}

nlohmann::json fixture_index() {
  std::ifstream in(fixture("index.json"));
  if (!in) return nullptr;
  return nlohmann::json::parse(in);
}

std::unique_ptr<Wav2Vec2Model> load(const std::string& name, const std::string& weights_file) {
  const auto config = fixture_index().at(name);
  SkipInit no_init;
  auto model = std::make_unique<Wav2Vec2Model>(name, Wav2Vec2Options::from_config(config), false);
  const LoadReport report = model->load_weights(Weights::from_file(fixture(weights_file)));
  INFO(report.describe());
  CHECK(report.clean());
  model->eval();
  return model;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

// Every output of `name`'s fixture against `model`.
void check_outputs(Wav2Vec2Model& model, const std::string& name) {
  const auto expected = Weights::from_file(fixture(name + ".expected.pth"));
  auto& net = model.net();
  c10::InferenceMode guard;
  CHECK(max_diff(net->forward(expected.tensor("one")), expected.tensor("one_out")) <= 1e-4);
  CHECK(max_diff(net->forward(expected.tensor("long")), expected.tensor("long_out")) <= 1e-4);
  const auto [out, lengths] =
      net->forward_with_lengths(expected.tensor("batch"), expected.tensor("batch_lengths"));
  CHECK(torch::equal(lengths, expected.tensor("batch_out_lengths")));
  // Every frame, the padded ones of the shorter row included: both mask
  // the same keys.
  CHECK(max_diff(out, expected.tensor("batch_out")) <= 1e-4);
  const auto features = model.forward_features(expected.tensor("long"));
  REQUIRE(!features.empty());
  CHECK(features[0].first == "layer1");
  CHECK(max_diff(features[0].second, expected.tensor("long_layer1")) <= 1e-4);
}

bool have_fixtures() {
  if (fixture_index().is_null()) {
    WARN("skipped: no fixtures in " << MODELZOO_AUDIO_FIXTURE_DIR
                                    << " (/usr/bin/python3 needs torch and torchaudio: "
                                       "scripts/install-deps.sh installs them)");
    return false;
  }
  return true;
}

}  // namespace

TEST_CASE("Wav2Vec2 base layout (group norm, post-LN) equals torchaudio", "[audio][wav2vec2]") {
  if (!have_fixtures()) return;
  auto model = load("base", "base.pth");
  check_outputs(*model, "base");
}

TEST_CASE("Wav2Vec2 with its CTC head equals torchaudio", "[audio][wav2vec2]") {
  if (!have_fixtures()) return;
  auto model = load("asr", "asr.pth");
  CHECK(model->net()->aux->options.out_features() == 29);
  check_outputs(*model, "asr");
}

TEST_CASE("the large layout (layer norm on every conv, conv bias, pre-LN) equals torchaudio",
          "[audio][wav2vec2]") {
  if (!have_fixtures()) return;
  auto model = load("large", "large.pth");
  check_outputs(*model, "large");
}

TEST_CASE("the training path (autograd on) gives the inference path's outputs",
          "[audio][wav2vec2]") {
  if (!have_fixtures()) return;
  // The fused layer runs only without autograd; the explicit one must agree.
  for (const std::string name : {"asr", "large"}) {
    INFO(name);
    auto model = load(name, name + ".pth");
    const auto expected = Weights::from_file(fixture(name + ".expected.pth"));
    const auto [out, lengths] = model->net()->forward_with_lengths(
        expected.tensor("batch"), expected.tensor("batch_lengths"));
    CHECK(out.requires_grad());
    CHECK(max_diff(out.detach(), expected.tensor("batch_out")) <= 1e-4);
  }
}

TEST_CASE("a 32-output CTC head loads as the 29 labels, as torchaudio drops outputs 1-3",
          "[audio][wav2vec2]") {
  if (!have_fixtures()) return;
  auto model = load("asr", "asr_aux32.pth");
  check_outputs(*model, "asr");
}

TEST_CASE("Hugging Face's Wav2Vec2ForCTC names load through the key map", "[audio][wav2vec2]") {
  if (!have_fixtures()) return;
  for (const std::string file : {"asr_hf.pth", "asr_hf_param.pth"}) {
    INFO(file);
    const auto config = fixture_index().at("asr");
    SkipInit no_init;
    Wav2Vec2Model model("asr", Wav2Vec2Options::from_config(config), false);
    const LoadReport report = model.load_weights(Weights::from_file(fixture(file)));
    INFO(report.describe());
    CHECK(report.clean());
    CHECK(report.ignored == std::vector<std::string>{"wav2vec2.masked_spec_embed"});
    model.eval();
    check_outputs(model, "asr");
  }
  CHECK(audio::torchaudio_name("wav2vec2.encoder.layers.1.final_layer_norm.bias") ==
        "encoder.transformer.layers.1.final_layer_norm.bias");
  CHECK(audio::torchaudio_name("hubert.feature_projection.projection.weight") ==
        "encoder.feature_projection.projection.weight");
  CHECK(audio::torchaudio_name("lm_head.weight") == "aux.weight");
  CHECK(audio::torchaudio_name("encoder.transformer.layer_norm.weight") ==
        "encoder.transformer.layer_norm.weight");
}

TEST_CASE("a checkpoint of another layout is refused with every bad name", "[audio][wav2vec2]") {
  if (!have_fixtures()) return;
  // The base weights (no head) into the ASR model: the head is missing.
  const auto config = fixture_index().at("asr");
  SkipInit no_init;
  Wav2Vec2Model model("asr", Wav2Vec2Options::from_config(config), false);
  CHECK_THROWS_WITH(model.load_weights(Weights::from_file(fixture("base.pth"))),
                    Catch::Contains("aux.weight") && Catch::Contains("missing"));
  // The large layout into the base model: norms and biases it does not have.
  Wav2Vec2Model base("base", Wav2Vec2Options::from_config(fixture_index().at("base")), false);
  CHECK_THROWS_WITH(base.load_weights(Weights::from_file(fixture("large.pth"))),
                    Catch::Contains("unexpected"));
}
