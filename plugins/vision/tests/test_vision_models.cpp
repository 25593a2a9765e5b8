// The vision models' capabilities beyond parity: a new head or another
// in_chans over a pretrained checkpoint (with reports), checkpoints of the
// wrong architecture (a per-key report), the older ViT key layout, the
// classifier and feature capabilities, torchvision's initialisation.
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <algorithm>

#include "modelzoo/sdk/error.h"
#include "process.h"
#include "vision_test_support.h"

using namespace modelzoo;
using namespace modelzoo::test;

namespace {

bool has_note(const LoadReport& r, const std::string& text) {
  return std::any_of(r.notes.begin(), r.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

#define REQUIRE_FIXTURES()                                                    \
  const nlohmann::json index = vision_fixture_index();                        \
  if (index.is_null()) {                                                      \
    WARN("skipped: no fixtures (vision_fixtures needs python3-torchvision)"); \
    return;                                                                   \
  }

}  // namespace

TEST_CASE("num_classes other than the checkpoint's: a fresh head, the rest loads",
          "[vision][adapt]") {
  REQUIRE_FIXTURES();
  Hub hub(vision_hub_options());
  const Weights reference = Weights::from_file(fixture_path("resnet18.ref.pth"));
  LoadReport report;
  auto model =
      pretrained(hub, "resnet18", {{"num_classes", 10}}, fixture_path("resnet18.pth"), &report);
  CHECK(report.clean());
  CHECK(has_note(report, "fc.*: new head for 10 classes, initialised (the checkpoint's has 1000)"));
  CHECK(model->classifier()->num_classes() == 10);
  torch::InferenceMode guard;
  const torch::Tensor x = reference.tensor("input0");
  CHECK(model->forward(x).sizes() == torch::IntArrayRef({2, 10}));
  // The trunk is torchvision's; the head is initialised like nn.Linear.
  CHECK(relative_max_diff(model->features()->forward_features(x).back().second,
                          reference.tensor("features0")) <= 1e-4);
  const torch::Tensor w = model->named_parameters()["fc.weight"];
  CHECK(w.abs().max().item<double>() <= 1.0 / std::sqrt(512.0) + 1e-6);
  CHECK(w.std().item<double>() > 0.01);

  auto headless =
      pretrained(hub, "resnet18", {{"num_classes", 0}}, fixture_path("resnet18.pth"), &report);
  CHECK(report.clean());
  CHECK(has_note(report, "fc.*: head removed"));
  CHECK(headless->forward(x).sizes() == torch::IntArrayRef({2, 512}));
}

TEST_CASE("in_chans other than 3: the first convolution is adapted and reported",
          "[vision][adapt]") {
  REQUIRE_FIXTURES();
  Hub hub(vision_hub_options());
  const Weights checkpoint = Weights::from_file(fixture_path("resnet18.pth"));
  const torch::Tensor rgb = checkpoint.tensor("conv1.weight");

  LoadReport report;
  auto gray = pretrained(hub, "resnet18", {{"in_chans", 1}}, fixture_path("resnet18.pth"), &report);
  CHECK(report.clean());
  CHECK(has_note(report, "conv1.weight: adapted from 3 to 1 input channels (summed"));
  CHECK(torch::allclose(gray->named_parameters()["conv1.weight"], rgb.sum(1, true)));
  // A gray image through the adapted model is the same image as RGB
  // through the original.
  auto color = pretrained(hub, "resnet18", nlohmann::json::object(), fixture_path("resnet18.pth"));
  torch::InferenceMode guard;
  const torch::Tensor x = torch::randn({2, 1, 48, 48});
  CHECK(relative_max_diff(gray->forward(x), color->forward(x.expand({2, 3, 48, 48}))) <= 1e-4);

  auto five = pretrained(hub, "efficientnet_b0", {{"in_chans", 5}},
                         fixture_path("efficientnet_b0.pth"), &report);
  CHECK(has_note(report, "features.0.0.weight: adapted from 3 to 5 input channels (repeated"));
  const torch::Tensor w3 =
      Weights::from_file(fixture_path("efficientnet_b0.pth")).tensor("features.0.0.weight");
  const torch::Tensor w5 = five->named_parameters()["features.0.0.weight"];
  CHECK(w5.sizes() == torch::IntArrayRef({32, 5, 3, 3}));
  CHECK(torch::allclose(w5.slice(1, 0, 3), w3 * 0.6));
  CHECK(torch::allclose(w5.slice(1, 3, 5), w3.slice(1, 0, 2) * 0.6));
  CHECK(five->forward(torch::randn({1, 5, 32, 32})).sizes() == torch::IntArrayRef({1, 1000}));
}

TEST_CASE("a checkpoint of another architecture fails with a per-key report", "[vision][adapt]") {
  REQUIRE_FIXTURES();
  Hub hub(vision_hub_options());
  CHECK_THROWS_WITH(
      pretrained(hub, "resnet18", nlohmann::json::object(), fixture_path("efficientnet_b0.pth")),
      Catch::Contains("efficientnet_b0.pth into resnet18 (strict)") &&
          Catch::Contains("missing from the checkpoint: layer1.0.conv1.weight") &&
          Catch::Contains("not in the model: features.0.0.weight") &&
          Catch::Contains("is this a checkpoint of resnet18?"));
  CHECK_THROWS_WITH(
      pretrained(hub, "resnet18", nlohmann::json::object(), fixture_path("resnet34.pth")),
      Catch::Contains("not in the model: layer1.2.conv1.weight"));
  CHECK_THROWS_WITH(
      pretrained(hub, "resnet50", nlohmann::json::object(), fixture_path("wide_resnet50_2.pth")),
      Catch::Contains("shape mismatch for layer1.0.conv1.weight: model [64, 64, 1, 1], "
                      "checkpoint [128, 64, 1, 1]"));
  // A ViT checkpoint for another image size names the position embedding.
  CHECK_THROWS_WITH(
      pretrained(hub, "vit_b_16", nlohmann::json::object(), fixture_path("vit_b_16_at_64.pth")),
      Catch::Contains("encoder.pos_embedding: model [1, 197, 768], "
                      "checkpoint [1, 17, 768]"));
}

TEST_CASE("ViT checkpoints of torchvision < 0.13 (mlp.linear_1/2) load", "[vision][adapt]") {
  REQUIRE_FIXTURES();
  const Weights current = Weights::from_file(fixture_path("vit_b_16_at_64.pth"));
  torch::OrderedDict<std::string, torch::Tensor> legacy;
  size_t renamed = 0;
  for (const auto& item : current.state_dict()) {
    std::string key = item.key();
    for (auto [from, to] : {std::pair<std::string, std::string>{".mlp.0.", ".mlp.linear_1."},
                            {".mlp.3.", ".mlp.linear_2."}}) {
      if (auto pos = key.find(from); pos != std::string::npos) {
        key = key.substr(0, pos) + to + key.substr(pos + from.size());
        ++renamed;
      }
    }
    legacy.insert(key, item.value());
  }
  CHECK(renamed == 12 * 4);
  TempDir dir;
  Weights::save(legacy, dir.path() + "/vit_legacy.safetensors");
  Hub hub(vision_hub_options());
  LoadReport report;
  auto model = pretrained(hub, "vit_b_16", {{"image_size", 64}},
                          dir.path() + "/vit_legacy.safetensors", &report);
  CHECK(report.clean());
  CHECK(report.loaded == model->state_dict().size());
  const Weights reference = Weights::from_file(fixture_path("vit_b_16_at_64.ref.pth"));
  torch::InferenceMode guard;
  CHECK(relative_max_diff(model->forward(reference.tensor("input0")),
                          reference.tensor("logits0")) <= 1e-4);
}

TEST_CASE("classifier and feature capabilities of every architecture", "[vision]") {
  Hub hub(vision_hub_options());
  struct Expect {
    const char* name;
    int64_t features;
    std::vector<int64_t> last_map;  // for a 1x3x64x64 input
  };
  const Expect expected[] = {{"resnet18", 512, {1, 512, 2, 2}},
                             {"resnet50", 2048, {1, 2048, 2, 2}},
                             {"efficientnet_b0", 1280, {1, 1280, 2, 2}},
                             {"convnext_tiny", 768, {1, 768, 2, 2}}};
  torch::NoGradGuard no_grad;
  for (const auto& e : expected) {
    INFO(e.name);
    auto model = hub.create(e.name);
    model->eval();
    Classifier* head = model->classifier();
    REQUIRE(head);
    CHECK(head->num_features() == e.features);
    CHECK(head->num_classes() == 1000);
    CHECK(model->output_shape({4, 3, 64, 64}) == std::vector<int64_t>{4, 1000});
    CHECK(model->features()->forward_features(torch::zeros({1, 3, 64, 64})).back().second.sizes() ==
          torch::IntArrayRef(e.last_map));
    head->reset_classifier(7);
    CHECK(model->output_shape({2, 3, 64, 64}) == std::vector<int64_t>{2, 7});
    head->reset_classifier(0);
    CHECK(model->output_shape({2, 3, 64, 64}) == std::vector<int64_t>{2, e.features});
  }
  auto vit = hub.create("vit_b_16", {{"image_size", 32}});
  CHECK(vit->classifier()->num_features() == 768);
  CHECK(vit->output_shape({3, 3, 32, 32}) == std::vector<int64_t>{3, 1000});
  CHECK_THROWS_WITH(vit->output_shape({1, 3, 64, 64}),
                    Catch::Contains("expected input [N, 3, 32, 32] (got [0, 3, 64, 64])") &&
                        Catch::Contains("config image_size=64"));
}

TEST_CASE("random models start as torchvision initialises them", "[vision]") {
  Hub hub(vision_hub_options());
  auto resnet = hub.create("resnet50", {{"zero_init_residual", true}});
  auto params = resnet->named_parameters();
  CHECK(params["bn1.weight"].eq(1).all().item<bool>());
  CHECK(params["layer1.0.bn3.weight"].eq(0).all().item<bool>());
  CHECK(params["layer1.0.bn2.weight"].eq(1).all().item<bool>());
  // kaiming_normal(fan_out, relu): std sqrt(2 / (64 * 7 * 7)).
  CHECK(params["conv1.weight"].std().item<double>() ==
        Approx(std::sqrt(2.0 / (64 * 49))).epsilon(0.05));
  CHECK(resnet->named_buffers()["bn1.running_var"].eq(1).all().item<bool>());

  auto vit = hub.create("vit_b_16", {{"image_size", 32}});
  CHECK(vit->named_parameters()["heads.head.weight"].eq(0).all().item<bool>());
  CHECK(vit->named_parameters()["encoder.pos_embedding"].std().item<double>() ==
        Approx(0.02).epsilon(0.05));
  auto convnext = hub.create("convnext_tiny");
  CHECK(convnext->named_parameters()["features.1.0.layer_scale"].eq(1e-6f).all().item<bool>());
}

TEST_CASE("config errors name the key", "[vision]") {
  Hub hub(vision_hub_options());
  CHECK_THROWS_WITH(
      hub.create("resnet18", {{"groups", 32}}),
      Catch::Contains("basic ResNet blocks support only groups=1") && !Catch::Contains("frame #"));
  CHECK_THROWS_WITH(hub.create("vit_b_16", {{"image_size", 100}}),
                    Catch::Contains("image_size 100 is not a multiple of the patch size 16"));
  CHECK_THROWS_WITH(hub.create("resnet18", {{"num_clases", 3}}), Catch::Contains("num_classes"));
}
