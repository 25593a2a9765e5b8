// The pretrained LUT models shipped with the project, end to end: the
// float hard path and the packed integer path agree on every Fashion-MNIST
// test image, and `modelzoo eval` reproduces the accuracy in their metadata.
#include <png.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "idx_dataset.h"
#include "lut_network.h"
#include "modelzoo/formats/safetensors.h"
#include "packed_network.h"
#include "paths.h"
#include "process.h"
#include "yaml_bomb.h"

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

using namespace modelzoo::lut;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

const char* kShipped[] = {"fashion_mnist_small", "fashion_mnist_large"};

json manifest_entry(const std::string& name) {
  std::ifstream in(LUT_MANIFEST);
  const auto manifest = json::parse(in);
  for (const auto& e : manifest["entrypoints"])
    if (e["name"] == name) return e;
  FAIL("no entrypoint " << name << " in " << LUT_MANIFEST);
  return {};
}

bool have_fashion_mnist() {
  return std::filesystem::exists(fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz");
}

modelzoo::test::ProcessResult modelzoo_cli(std::vector<std::string> args, const std::string& home) {
  args.insert(args.begin(), modelzoo::test::cli_path());
  // Only the lut plugin; a private cache that starts empty, so the weights
  // come through the variant's file:// URL.
  return modelzoo::test::run_process(args, {{"MODELZOO_PLUGIN_PATH", LUT_PLUGIN_DIR},
                                            {"MODELZOO_HOME", home},
                                            {"MODELZOO_NUM_THREADS", "2"}});
}

}  // namespace

TEST_CASE("shipped models: packed integer path = float hard path on all test images",
          "[lut][shipped][packed]") {
  if (!have_fashion_mnist()) {
    WARN("skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  const auto test = load_fashion_mnist("test");
  REQUIRE(test.size() == 10000);
  int checked = 0;
  for (const std::string name : kShipped) {
    const auto entry = manifest_entry(name);
    for (const auto& variant : entry["variants"]) {
      INFO(name << "." << variant["tag"].get<std::string>());
      const std::string weights = std::string(MODELZOO_SOURCE_DIR) + "/plugins/lut/weights/" +
                                  variant["file"].get<std::string>();
      // The entrypoint's config (the shipped YAML's, as a config test
      // checks), with what an earlier variant's own config changes.
      auto config = entry["config"];
      config.update(variant["meta"].value("config", json::object()));
      LutNetwork network(LutConfig::from_json(config));
      network->load_weights(weights);
      network->eval();
      CHECK(network->config().num_luts() <= (name == "fashion_mnist_small" ? 4000 : 16000));
      torch::NoGradGuard no_grad;
      const PackedNetwork packed(*network);
      int64_t correct = 0;
      for (int64_t start = 0; start < test.size(); start += 1000) {
        const auto batch = test.slice(start, start + 1000);
        const auto counts = network->hard_counts(batch.images);
        const auto packed_counts = packed.counts(network->encoder->encode_bits(batch.images));
        REQUIRE(torch::equal(packed_counts, counts));
        // The same words written straight from the images (fused encoder).
        REQUIRE(torch::equal(packed.image_counts(batch.images), counts));
        const auto predicted = packed.predict(network->encoder->encode_bits(batch.images));
        REQUIRE(torch::equal(predicted, network->forward_mode(batch.images, "hard").argmax(1)));
        correct += predicted.eq(batch.labels).sum().item<int64_t>();
      }
      CHECK(correct == variant["meta"]["metrics"]["Fashion-MNIST"]["correct"].get<int64_t>());
      ++checked;
    }
  }
  CHECK(checked >= 3);  // small V1, large V2 and V3 at least
}

TEST_CASE("modelzoo eval reproduces the shipped models' published accuracy",
          "[lut][shipped][cli]") {
  if (!have_fashion_mnist()) return;
  modelzoo::test::TempDir home;
  for (const std::string name : kShipped) {
    const auto entry = manifest_entry(name);
    for (const auto& variant : entry["variants"]) {
      // Every published tag, the default also by its bare name.
      const std::string tag = variant["tag"];
      INFO(name << "." << tag);
      const auto metrics = variant["meta"]["metrics"]["Fashion-MNIST"];
      const std::string model =
          "lut/" + name + (variant.value("default", false) ? std::string() : "." + tag);
      auto r = modelzoo_cli({"eval", model, "--data", "fashion-mnist", "--json"}, home.path());
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      const auto out = json::parse(r.out);
      CHECK(out["eval_mode"] == "hard");
      CHECK(out["total"] == 10000);
      CHECK(out["correct"] == metrics["correct"]);
      CHECK(out["acc@1"].get<double>() == Approx(metrics["acc@1"].get<double>()).margin(0.005));
      // A variant trained with another config reports its own.
      auto config = entry["config"];
      config.update(variant["meta"].value("config", json::object()));
      CHECK(out["config"]["receptive_field"] == config["receptive_field"]);
      // The packed integer path, through the plugin, gives the same count.
      r = modelzoo_cli({"eval", model, "-c", "eval_mode=packed", "--json"}, home.path());
      REQUIRE(r.exit_code == 0);
      CHECK(json::parse(r.out)["correct"] == metrics["correct"]);
    }
  }
}

namespace {

// Writes uint8 pixels, (H, W) gray or (H, W, 3) RGB, as a PNG file.
bool write_png(const std::string& path, const torch::Tensor& pixels) {
  const auto data = pixels.contiguous();
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.height = static_cast<png_uint_32>(data.size(0));
  image.width = static_cast<png_uint_32>(data.size(1));
  image.format = data.dim() == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  return png_image_write_to_file(&image, path.c_str(), 0, data.data_ptr<uint8_t>(), 0, nullptr);
}

}  // namespace

TEST_CASE("modelzoo eval/run: overrides and inputs", "[lut][shipped][cli]") {
  if (!have_fashion_mnist()) return;
  modelzoo::test::TempDir home;
  // A structural key cannot change on pretrained weights.
  auto r = modelzoo_cli({"eval", "fashion_mnist_small", "-c", "node_input_dim=4"}, home.path());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("'node_input_dim' is a structural key") &&
                        Contains("cannot be overridden when weights are loaded"));
  r = modelzoo_cli({"eval", "fashion_mnist_small", "-c", "temprature=0.5"}, home.path());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("did you mean 'temperature'?"));
  // A runtime key changes behaviour: expectation mode scores differ from hard.
  r = modelzoo_cli({"run", "fashion_mnist_small", "--idx-index", "0", "--json"}, home.path());
  REQUIRE(r.exit_code == 0);
  const auto hard = json::parse(r.out)["predictions"][0];
  r = modelzoo_cli(
      {"run", "fashion_mnist_small", "--idx-index", "0", "-c", "eval_mode=expectation", "--json"},
      home.path());
  REQUIRE(r.exit_code == 0);
  const auto soft = json::parse(r.out)["predictions"][0];
  CHECK(hard["true_index"] == 9);  // the first test image is an ankle boot
  CHECK(hard["probability"] != soft["probability"]);

  // --image: the same test image written as a PNG gives the same class and scores.
  const auto test = load_fashion_mnist("test").slice(0, 1);
  const auto pixels = (test.images * 255).round().to(torch::kUInt8).contiguous();
  const std::string png_path = home.path() + "/test0.png";
  REQUIRE(write_png(png_path, pixels.view({28, 28})));
  r = modelzoo_cli({"run", "fashion_mnist_small", "--image", png_path, "--json"}, home.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["predictions"][0]["index"] == hard["index"]);
  CHECK(json::parse(r.out)["predictions"][0]["probability"] == hard["probability"]);
  // Another size, in colour: each pixel a 2x2 block of RGB (v, v, v). It is
  // fitted back into 28 x 28 with antialiasing (a slight blur), and the
  // boot stays a boot.
  const auto big = pixels.view({28, 28})
                       .repeat_interleave(2, 0)
                       .repeat_interleave(2, 1)
                       .unsqueeze(2)
                       .expand({56, 56, 3})
                       .contiguous();
  const std::string rgb_path = home.path() + "/test0_rgb.png";
  REQUIRE(write_png(rgb_path, big));
  r = modelzoo_cli({"run", "fashion_mnist_small", "--image", rgb_path, "--json"}, home.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["predictions"][0]["index"] == hard["index"]);
  CHECK(json::parse(r.out)["predictions"][0]["probability"] !=
        hard["probability"]);  // resized, not read as is
  r = modelzoo_cli({"run", "fashion_mnist_small", "--image", home.path() + "/none.png"},
                   home.path());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("none.png"));
  r = modelzoo_cli({"run", "fashion_mnist_small", "--idx-index", "10000"}, home.path());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("outside the test set (0..9999)"));
  r = modelzoo_cli({"run", "fashion_mnist_small"}, home.path());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("--image FILE") && Contains("--idx-index N"));
}

TEST_CASE("modelzoo train writes weights that modelzoo eval reads", "[lut][cli][train]") {
  if (!have_fashion_mnist()) return;
  modelzoo::test::TempDir home;
  const std::string out = home.path() + "/run";
  auto train_tiny = [&] {
    return modelzoo_cli(
        {"train", "lut", std::string(MODELZOO_SOURCE_DIR) + "/plugins/lut/configs/tiny.yaml",
         "--data", "fashion-mnist", "--train-samples", "1000", "-o", out, "--json"},
        home.path());
  };
  auto r = train_tiny();
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // One JSON line per epoch, then the summary.
  CHECK_THAT(r.out, Contains("\"epoch\":1") && Contains("test_accuracy_hard"));
  CHECK(std::filesystem::exists(out + "/tiny.safetensors"));
  CHECK(std::filesystem::exists(out + "/checkpoint.safetensors"));
  const std::vector<int64_t> widths = {400, 200};
  CHECK(LutConfig::from_yaml_file(out + "/config.yaml").layer_widths == widths);
  r = modelzoo_cli({"eval", "lut/lut_network", "--weights", out + "/tiny.safetensors", "--limit",
                    "500", "--json"},
                   home.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto result = json::parse(r.out);
  CHECK(result["total"] == 500);
  CHECK(result["acc@1"].get<double>() > 30.0);
  CHECK(result["config"]["layer_widths"] == json({400, 200}));

  // Training again into a finished run does nothing, and says what the
  // weights there scored.
  const auto again = train_tiny();
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.err, Contains("were already done") && Contains("--fresh"));
  const std::string last_line = again.out.substr(again.out.rfind('{'));
  const auto summary = json::parse(last_line);
  CHECK(summary["epoch"].get<int64_t>() >= 1);
  CHECK(summary["test_accuracy_hard"].get<double>() > 0.3);
  // The same config under another file name finds that finished checkpoint
  // too: it writes the weights under its own name and says what they score,
  // not "epoch 0, test accuracy -100.00%".
  std::filesystem::copy_file(std::string(MODELZOO_SOURCE_DIR) + "/plugins/lut/configs/tiny.yaml",
                             home.path() + "/tiny_again.yaml");
  const auto renamed = modelzoo_cli({"train", "lut", home.path() + "/tiny_again.yaml", "--data",
                                     "fashion-mnist", "--train-samples", "1000", "-o", out},
                                    home.path());
  INFO(renamed.err);
  REQUIRE(renamed.exit_code == 0);
  CHECK_THAT(renamed.err, Contains("were already done"));
  CHECK_THAT(renamed.out, !Contains("-100") && !Contains("epoch 0,") &&
                              Contains("tiny_again.safetensors  (epoch 1, test accuracy "));
  CHECK(std::filesystem::exists(out + "/tiny_again.safetensors"));

  // Fine-tuning from those weights, with straight-through epochs that a
  // shorter --epochs cuts down (with a note) rather than refusing.
  auto tuned = LutConfig::from_yaml_file(out + "/config.yaml");
  tuned.training.epochs = 3;
  tuned.training.straight_through_epochs = 3;
  tuned.save(home.path() + "/tuned.yaml");
  const std::string out2 = home.path() + "/tuned";
  r = modelzoo_cli({"train", "lut", home.path() + "/tuned.yaml", "--epochs", "1", "--train-samples",
                    "300", "--init-weights", out + "/tiny.safetensors", "-o", out2, "--json"},
                   home.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("shortens training.straight_through_epochs from 3 to 1"));
  CHECK(LutConfig::from_yaml_file(out2 + "/config.yaml").training.straight_through_epochs == 1);
  r = modelzoo_cli({"eval", "lut/lut_network", "--weights", out2 + "/tuned.safetensors", "--limit",
                    "500", "--json"},
                   home.path());
  REQUIRE(r.exit_code == 0);
  // 300 images alone reach far less than the model it started from.
  CHECK(json::parse(r.out)["acc@1"].get<double>() > result["acc@1"].get<double>() - 10);

  r = modelzoo_cli({"train", "vision", "x.yaml"}, home.path());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("the vision family has no `train` command"));
  r = modelzoo_cli({"train", "lut", home.path() + "/missing.yaml"}, home.path());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("cannot read LUT config"));
}

TEST_CASE("an alias bomb in a weights file's config metadata is refused fast",
          "[lut][cli][security]") {
  // The config a `modelzoo train` output carries in its safetensors header
  // is read by `run --weights` / `eval --weights` and when `train` resumes
  // from a checkpoint: each hung, growing past 1 GB, on a 1 KB bomb.
  modelzoo::test::TempDir home;
  const std::string weights = home.path() + "/bomb.safetensors";
  static const float kOne = 1.0f;
  modelzoo::formats::TensorView one;
  one.name = "x";
  one.shape = {1};
  one.strides = {1};
  one.storage = reinterpret_cast<const uint8_t*>(&kOne);
  one.storage_bytes = sizeof kOne;
  const std::string bomb = modelzoo::lut::test::alias_bomb("model_type: feedforward\n");
  modelzoo::formats::write_safetensors(weights, {one}, {{"config", bomb}, {"epoch", "1"}});
  auto timed = [&](std::vector<std::string> args) {
    const auto start = std::chrono::steady_clock::now();
    auto r = modelzoo_cli(std::move(args), home.path());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(seconds < 30);
    return r;
  };
  auto r =
      timed({"run", "lut/lut_network", "--weights", weights, "--image", home.path() + "/x.png"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains(weights + " (config metadata of lut/lut_network): line 4") &&
                        Contains("YAML aliases (*name) are not accepted"));
  if (!have_fashion_mnist()) return;  // train reads the data before it resumes
  const std::string out = home.path() + "/run";
  std::filesystem::create_directories(out);
  std::filesystem::copy_file(weights, out + "/checkpoint.safetensors");
  r = timed({"train", "lut", std::string(MODELZOO_SOURCE_DIR) + "/plugins/lut/configs/tiny.yaml",
             "--train-samples", "100", "-o", out});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains(out + "/checkpoint.safetensors (config): line 4") &&
                        Contains("YAML aliases"));
}
