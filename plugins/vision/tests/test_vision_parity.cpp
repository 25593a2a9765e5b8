// Parity with torchvision, for every entrypoint of the vision plugin: the
// same random weights (saved by torchvision with torch.save, read by
// modelzoo's .pth reader) give the same logits and feature maps, in eval
// mode, within 1e-4 (relative for logits above 1), for batch > 1 and inputs
// other than 224 x 224.
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include "modelzoo/sdk/error.h"
#include "vision_test_support.h"

using namespace modelzoo;
using namespace modelzoo::test;

namespace {

constexpr double kTolerance = 1e-4;

void check_parity(const std::string& case_name) {
  const nlohmann::json index = vision_fixture_index();
  if (index.is_null()) {
    WARN("skipped: no fixtures (the vision_fixtures test needs torchvision in /usr/bin/python3)");
    return;
  }
  REQUIRE(index.at("cases").contains(case_name));
  const auto& c = index["cases"][case_name];
  const std::string entrypoint = c.at("entrypoint");
  Hub hub(vision_hub_options());
  LoadReport report;
  auto model = pretrained(hub, "vision/" + entrypoint, c.at("config"),
                          fixture_path(c.at("checkpoint")), &report);
  INFO(entrypoint << " " << c.at("config").dump());
  CHECK(report.clean());
  CHECK(report.notes.empty());
  int64_t params = 0;
  for (const auto& p : model->named_parameters()) params += p.value().numel();
  CHECK(params == c.at("num_params").get<int64_t>());
  CHECK(report.loaded == model->state_dict().size());
  CHECK_FALSE(model->is_training());

  const Weights reference = Weights::from_file(fixture_path(c.at("reference")));
  torch::InferenceMode guard;
  int i = 0;
  for (const auto& run : c.at("runs")) {
    const std::string n = std::to_string(i++);
    const torch::Tensor x = reference.tensor("input" + n);
    INFO("input " << x.sizes());
    const torch::Tensor logits = model->forward(x);
    const torch::Tensor want = reference.tensor("logits" + n);
    REQUIRE(logits.sizes() == want.sizes());
    CHECK(relative_max_diff(logits, want) <= kTolerance);
    CHECK(model->output_shape(x.sizes().vec()) == run.at("logits").get<std::vector<int64_t>>());

    const auto features = model->features()->forward_features(x);
    REQUIRE(features.size() == run.at("features").size());
    for (size_t f = 0; f < features.size(); ++f) {
      CHECK(features[f].first == run["features"][f][0].get<std::string>());
      CHECK(features[f].second.sizes().vec() == run["features"][f][1].get<std::vector<int64_t>>());
    }
    CHECK(relative_max_diff(features.back().second, reference.tensor("features" + n)) <=
          kTolerance);
  }
  CHECK(model->classifier()->num_classes() == 1000);
}

}  // namespace

#define PARITY_CASE(name)                                                     \
  TEST_CASE(name " computes what torchvision computes", "[vision][parity]") { \
    check_parity(name);                                                       \
  }

PARITY_CASE("resnet18")
PARITY_CASE("resnet34")
PARITY_CASE("resnet50")
PARITY_CASE("resnet101")
PARITY_CASE("resnet152")
PARITY_CASE("resnext50_32x4d")
PARITY_CASE("resnext101_32x8d")
PARITY_CASE("resnext101_64x4d")
PARITY_CASE("wide_resnet50_2")
PARITY_CASE("wide_resnet101_2")
PARITY_CASE("efficientnet_b0")
PARITY_CASE("efficientnet_b1")
PARITY_CASE("efficientnet_b2")
PARITY_CASE("efficientnet_b3")
PARITY_CASE("efficientnet_b4")
PARITY_CASE("vit_b_16")
PARITY_CASE("vit_b_16@64")
PARITY_CASE("convnext_tiny")

TEST_CASE("every entrypoint of the manifest has a parity case", "[vision][parity]") {
  const nlohmann::json index = vision_fixture_index();
  if (index.is_null()) {
    WARN("skipped: no fixtures");
    return;
  }
  Hub hub(vision_hub_options());
  Query q;
  q.families = {"vision"};
  const auto entries = hub.list(q);
  CHECK(entries.size() == 17);
  for (const auto* e : entries) {
    bool found = false;
    for (const auto& [key, c] : index["cases"].items()) found |= c["entrypoint"] == e->spec.name;
    INFO(e->spec.name);
    CHECK(found);
  }
}
