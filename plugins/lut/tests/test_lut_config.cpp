// LUT configs: DiffLUT's YAML shape, structural vs runtime overrides, errors
// that name the key and suggest the fix, save → load.
#include <filesystem>
#include <fstream>

#include "error_text.h"
#include "lut_config.h"
#include "modelzoo/sdk/error.h"
#include "process.h"

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using modelzoo::lut::LutConfig;

using modelzoo::test::error_of;

namespace {

// A DiffLUT-style file as DiffLUT's own pretrained configs are written,
// including runtime keys modelzoo does not implement.
const char* kDiffLutStyle = R"(
model_type: feedforward
layer_type: random
node_type: probabilistic
encoder_config:
  name: thermometer
  num_bits: 4
  feature_wise: true
  clip_inputs: true
node_input_dim: 6
layer_widths: [1024, 1000]
num_classes: 10
input_size: 784  # 28x28
dataset: mnist
seed: 42
runtime:
  temperature: 0.5
  eval_mode: expectation
  use_cuda: true
  regularizers:
    entropy:
      weight: 0.001
  flip_probability: 0.0
  grad_stabilization: none
  output_tau: 1.0
pretrained: true
pretrained_name: mnist_large
metadata:
  description: "Large feedforward model for MNIST classification"
  accuracy: 98.5
)";

}  // namespace

TEST_CASE("a DiffLUT-style YAML file loads", "[lut][config]") {
  const auto c = LutConfig::from_yaml_text(kDiffLutStyle, "mnist_large.yaml");
  CHECK(c.model_type == "feedforward");
  CHECK(c.encoder.name == "thermometer");
  CHECK(c.encoder.num_bits == 4);
  CHECK(c.layer_widths == std::vector<int64_t>{1024, 1000});
  CHECK(c.num_luts() == 2024);
  CHECK(c.encoded_bits() == 784 * 4);
  CHECK(c.seed == 42);
  CHECK(c.runtime.temperature == 0.5);
  CHECK(c.runtime.eval_mode == "expectation");
  CHECK(c.pretrained_name == "mnist_large");
  CHECK(c.metadata["accuracy"] == 98.5);
  // What is not implemented is reported, not lost silently.
  CHECK(c.ignored_keys == std::vector<std::string>{"runtime.grad_stabilization",
                                                   "runtime.regularizers", "runtime.use_cuda"});
}

TEST_CASE("unknown and mistyped keys are errors with a suggestion", "[lut][config]") {
  auto m = error_of(
      [] { LutConfig::from_yaml_text("layer_widths: [10]\nnode_input_dm: 4\n", "x.yaml"); });
  CHECK_THAT(m, Contains("x.yaml") && Contains("unknown key 'node_input_dm'") &&
                    Contains("did you mean 'node_input_dim'?"));
  m = error_of([] { LutConfig::from_yaml_text("runtime: {temprature: 0.5}\n", "x.yaml"); });
  CHECK_THAT(m, Contains("unknown key 'temprature'") && Contains("did you mean 'temperature'?"));
  m = error_of([] { LutConfig::from_yaml_text("encoder_config: {name: thermometer, bits: 3}\n"); });
  CHECK_THAT(m, Contains("unknown key 'bits'") && Contains("num_bits"));
  m = error_of([] { LutConfig::from_yaml_text("node_input_dim: six\n"); });
  CHECK_THAT(m, Contains("'node_input_dim' must be an integer"));
  m = error_of([] { LutConfig::from_yaml_text("node_input_dim: 7\nlayer_widths: [10]\n"); });
  CHECK_THAT(m, Contains("node_input_dim must be in 2..6 (got 7)"));
  m = error_of([] { LutConfig::from_yaml_text("layer_widths: [100, 25]\n"); });
  CHECK_THAT(m, Contains("last layer width (25) must be a multiple of num_classes (10)"));
  m = error_of(
      [] { LutConfig::from_yaml_text("layer_widths: [10]\nruntime: {eval_mode: soft}\n"); });
  CHECK_THAT(m, Contains("eval_mode must be hard, expectation, sampling or packed (got 'soft')"));
  m = error_of([] {
    LutConfig::from_yaml_text(
        "layer_widths: [10]\ninput_size: 100\ntraining: {shift_pixels: 10}\n");
  });
  CHECK_THAT(m, Contains("shift_pixels must be smaller than the image side (10)"));
  m = error_of([] {
    LutConfig::from_yaml_text("layer_widths: [10]\ninput_size: 20\ntraining: {shift_pixels: 1}\n");
  });
  CHECK_THAT(m, Contains("input_size 20 is not a square"));
  CHECK(LutConfig::from_yaml_text("layer_widths: [10]\ntraining: {shift_pixels: 2}\n")
            .training.shift_pixels == 2);
  m = error_of([] { LutConfig::from_yaml_text("layer_widths: [10\n"); });
  CHECK_THAT(m, Contains("not valid YAML"));
}

TEST_CASE("structural overrides with weights are refused, runtime ones apply", "[lut][config]") {
  auto c = LutConfig::from_yaml_text(kDiffLutStyle);
  for (const std::string key :
       {"node_input_dim", "layer_widths", "encoder_config", "num_classes", "receptive_field"}) {
    auto copy = c;
    const nlohmann::json value = key == "layer_widths"      ? nlohmann::json({10, 10})
                                 : key == "encoder_config"  ? nlohmann::json({{"num_bits", 2}})
                                 : key == "receptive_field" ? nlohmann::json(5)
                                                            : nlohmann::json(4);
    const auto m = error_of([&] { copy.apply_overrides({{key, value}}, true, "lut/mnist_large"); });
    CHECK_THAT(m, Contains("overriding lut/mnist_large") &&
                      Contains("'" + key + "' is a structural key") &&
                      Contains("cannot be overridden when weights are loaded") &&
                      Contains("temperature"));
  }
  // Without weights a structural key may change (a new model is built).
  auto fresh = c;
  fresh.apply_overrides({{"node_input_dim", 4}}, false);
  CHECK(fresh.node_input_dim == 4);
  // Runtime keys change behaviour only, flat (DiffLUT's overrides) or nested.
  c.apply_overrides({{"temperature", 0.25}, {"eval_mode", "sampling"}}, true);
  CHECK(c.runtime.temperature == 0.25);
  CHECK(c.runtime.eval_mode == "sampling");
  c.apply_overrides({{"runtime", {{"num_samples", 3}}}}, true);
  CHECK(c.runtime.num_samples == 3);
  const auto m = error_of([&] { c.apply_overrides({{"temperture", 1.0}}, true); });
  CHECK_THAT(m, Contains("unknown key 'temperture'") && Contains("did you mean 'temperature'?"));
}

TEST_CASE("save_config → load gives the same config", "[lut][config]") {
  modelzoo::test::TempDir dir;
  auto c = LutConfig::from_yaml_text(kDiffLutStyle);
  c.runtime.output_tau = 2.5;
  c.training.epochs = 3;
  const std::string path = dir.path() + "/saved.yaml";
  c.save(path);
  const auto back = LutConfig::from_yaml_file(path);
  CHECK(back.to_json() == c.to_json());
  CHECK(back.to_flat_json() == c.to_flat_json());
  CHECK_THAT(error_of([&] { LutConfig::from_yaml_file(dir.path() + "/missing.yaml"); }),
             Contains("cannot read LUT config") && Contains("missing.yaml"));
}

TEST_CASE("the manifest's configs are the shipped YAML configs", "[lut][config]") {
  std::ifstream in(LUT_MANIFEST);
  REQUIRE(in);
  const auto manifest = nlohmann::json::parse(in);
  const std::string configs = std::string(MODELZOO_SOURCE_DIR) + "/plugins/lut/configs/";
  int checked = 0;
  for (const auto& e : manifest["entrypoints"]) {
    const std::string name = e["name"];
    const std::string file = configs + (name == "lut_network" ? "tiny" : name) + ".yaml";
    INFO(name << " vs " << file);
    CHECK(e["config"] == LutConfig::from_yaml_file(file).to_flat_json());
    ++checked;
  }
  CHECK(checked >= 1);
}

TEST_CASE("receptive_field: a structural key checked against the image", "[lut][config]") {
  auto c = LutConfig::from_yaml_text(kDiffLutStyle);
  c.apply_overrides({{"receptive_field", 5}}, false);
  CHECK(c.receptive_field == 5);
  CHECK(LutConfig::from_yaml_text(c.to_yaml()).receptive_field == 5);
  for (const auto& [value, expected] : std::vector<std::pair<int64_t, std::string>>{
           {4, "odd window size"}, {29, "odd window size in 1..28"}}) {
    auto bad = c;
    bad.receptive_field = value;
    CHECK_THAT(error_of([&] { bad.validate(); }), Contains(expected));
  }
  auto not_square = c;
  not_square.input_size = 700;
  CHECK_THAT(error_of([&] { not_square.validate(); }), Contains("needs square images"));
  auto learnable = c;
  learnable.layer_type = "learnable";
  CHECK_THAT(error_of([&] { learnable.validate(); }), Contains("random connections only"));
}
