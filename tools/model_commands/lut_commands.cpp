// The lut family's `train`, `eval` and `run`: LUT networks on Fashion-MNIST.
//
// eval and run build the model through the Hub (the lut plugin) and load
// the pretrained variant from the cache, like any app; runtime keys may be
// overridden (-c eval_mode=expectation), structural keys may not. train
// uses the family's code directly (modelzoo_lut_core).
#include <unistd.h>

#include <torch/types.h>

#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "family_commands.h"
#include "heap_reuse.h"
#include "idx_dataset.h"
#include "lut_config.h"
#include "modelzoo/cache/progress.h"
#include "modelzoo/cache/store.h"
#include "modelzoo/image/image.h"
#include "modelzoo/model.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/threads.h"
#include "modelzoo/weights.h"
#include "trainer.h"

namespace modelzoo::cli {
namespace fs = std::filesystem;
namespace {

void check_data(const nlohmann::json& args) {
  const std::string data = args.value("data", "fashion-mnist");
  if (data != "fashion-mnist" && data != "fashion_mnist")
    throw Error("unknown data set '" + data + "' for the lut family (use --data fashion-mnist)");
}

std::string percent(double fraction) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << 100.0 * fraction << "%";
  return s.str();
}

// A model of the lut family with weights loaded: the pretrained variant
// through the cache, or --weights FILE (whose metadata carries its config).
struct LoadedModel {
  std::shared_ptr<Model> model;
  std::string name;  ///< family/entrypoint[.TAG]
  std::string weights;
  nlohmann::json meta = nlohmann::json::object();
  std::vector<std::string> categories;
};

LoadedModel load_model(Hub& hub, const Resolved& resolved, const nlohmann::json& args) {
  LoadedModel out;
  const auto& entry = *resolved.entry;
  const nlohmann::json overrides = args.value("config", nlohmann::json::object());
  nlohmann::json config_overrides = nlohmann::json::object();
  const std::string weights_file = args.value("weights", "");
  if (!weights_file.empty()) {
    const auto w = Weights::from_file(weights_file);
    const auto it = w.file().metadata.find("config");
    if (it != w.file().metadata.end()) {
      // The file's own structure wins; the entrypoint only lends the family.
      config_overrides =
          lut::LutConfig::from_yaml_text(it->second, weights_file + " (config)").to_flat_json();
    }
    out.weights = weights_file;
    out.name = entry.qualified_name() + " (" + weights_file + ")";
  } else {
    const WeightVariant* variant =
        resolved.variant ? resolved.variant : entry.spec.find_variant("DEFAULT");
    if (!variant)
      throw Error(entry.qualified_name() +
                  " has no pretrained weights; pass --weights FILE "
                  "(e.g. the output of `modelzoo train lut CONFIG.yaml`)");
    cache::Store store;
    const cache::PullRequest request{entry.qualified_name() + "." + variant->tag, *variant};
    out.weights = store.pull(request).path.string();
    out.name = request.alias;
    out.meta = variant->meta;
    config_overrides = entry.spec.config;
    // An earlier variant trained with another config carries what differs
    // (the manifest's meta.config convention, as for vision variants).
    if (variant->meta.contains("config")) config_overrides.update(variant->meta["config"]);
  }
  // Structural keys are fixed by the weights: check the user's overrides
  // with the family's rules before building anything.
  auto config = lut::LutConfig::from_json(config_overrides, out.name);
  config.apply_overrides(overrides, /*weights_loaded=*/true, out.name);
  out.model = hub.create(entry.qualified_name(), config.to_flat_json());
  Weights::from_file(out.weights).load_into(*out.model);
  out.model->eval();
  if (out.meta.contains("categories"))
    out.categories = out.meta["categories"].get<std::vector<std::string>>();
  else
    out.categories = lut::fashion_mnist_classes();
  return out;
}

// Any PNG or JPEG as a Fashion-MNIST input (1, side·side) in [0, 1]: gray
// by PIL's convert("L") integer formula (exact for gray images), and an
// image of another size fitted into side x side (antialiased, aspect kept)
// and centred on black — the dataset's layout: a light object on a dark
// background. A side x side gray image is used pixel for pixel.
torch::Tensor read_image_gray(const std::string& path, int64_t side) {
  const auto gray = image::fit_into_square(image::to_gray(image::decode_file(path)), side);
  return gray.to(torch::kFloat32).reshape({1, side * side}).div_(255.0f);  // as the IDX reader does
}

class TrainProgress {
 public:
  explicit TrainProgress(bool json) : json_(json), tty_(isatty(2) != 0) {}
  void batch(int64_t epoch, int64_t epochs, int64_t b, int64_t batches, double loss) {
    if (json_ || !tty_) return;
    const int width = 30, filled = static_cast<int>(width * b / batches);
    std::fprintf(stderr, "\repoch %lld/%lld [%s%s] %lld/%lld loss %.4f", (long long)epoch,
                 (long long)epochs, std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), (long long)b, (long long)batches, loss);
    std::fflush(stderr);
  }
  void epoch(const lut::EpochReport& r, int64_t epochs) {
    if (json_) {
      std::cout << nlohmann::json{{"epoch", r.epoch},
                                  {"epochs", epochs},
                                  {"loss", r.loss},
                                  {"train_accuracy", r.train_accuracy},
                                  {"test_accuracy_hard", r.eval_accuracy},
                                  {"seconds", r.seconds}}
                       .dump()
                << std::endl;
      return;
    }
    if (tty_) std::fprintf(stderr, "\r\033[K");
    std::printf("epoch %lld/%lld  loss %.4f  train acc %s  test acc (hard) %s  %.1f s\n",
                (long long)r.epoch, (long long)epochs, r.loss, percent(r.train_accuracy).c_str(),
                percent(r.eval_accuracy).c_str(), r.seconds);
    std::fflush(stdout);
  }

 private:
  bool json_, tty_;
};

}  // namespace

int lut_train_command(const nlohmann::json& args) {
  check_data(args);
  lut::retain_freed_heap_memory();
  if (args.value("threads", 0) > 0) set_intra_op_threads(args.value("threads", 0));
  const std::string config_file = args.at("config_file").get<std::string>();
  auto config = lut::LutConfig::from_yaml_file(config_file);
  for (const auto& k : config.ignored_keys)
    std::cerr << "modelzoo: warning: " << config_file << ": '" << k
              << "' is a DiffLUT key modelzoo does not implement; ignored\n";
  if (args.value("epochs", 0) > 0) {
    config.training.epochs = args.value("epochs", 0);
    if (config.training.straight_through_epochs > config.training.epochs) {
      std::cerr << "modelzoo: note: --epochs " << config.training.epochs
                << " also shortens training.straight_through_epochs from "
                << config.training.straight_through_epochs << " to " << config.training.epochs
                << '\n';
      config.training.straight_through_epochs = config.training.epochs;
    }
  }
  if (args.value("train_samples", -1) >= 0)
    config.training.train_samples = args.value("train_samples", 0);
  config.validate();
  const std::string stem = fs::path(config_file).stem().string();
  fs::path out = args.value("out", "");
  if (out.empty()) out = "train-" + stem;
  fs::create_directories(out);
  config.save((out / "config.yaml").string());

  const std::string dir = args.value("data_dir", "");
  const auto train_set = lut::load_fashion_mnist("train", dir);
  const auto test_set = lut::load_fashion_mnist("test", dir);
  lut::LutNetwork network(config);
  const bool json = args.value("json", false);
  if (!json)
    std::cout << "training " << stem << ": " << config.num_luts() << " LUTs, layers "
              << nlohmann::json(config.layer_widths).dump() << ", k=" << config.node_input_dim
              << ", " << config.encoder.name << " (" << config.encoder.num_bits << " bits), "
              << config.training.epochs << " epochs on "
              << (config.training.train_samples > 0 ? config.training.train_samples
                                                    : train_set.size())
              << " images, " << intra_op_threads() << " threads → " << out.string() << std::endl;

  TrainProgress progress(json);
  lut::TrainOptions options;
  options.checkpoint = (out / "checkpoint.safetensors").string();
  options.resume = args.value("resume", true);
  options.max_epochs = args.value("max_epochs", 0);
  options.init_weights = args.value("init_weights", "");
  const fs::path model_file = out / (stem + ".safetensors");
  int64_t current_epoch = 0;
  options.on_batch = [&](int64_t b, int64_t batches, double loss) {
    progress.batch(current_epoch + 1, config.training.epochs, b, batches, loss);
  };
  options.on_epoch = [&](const lut::EpochReport& r) {
    current_epoch = r.epoch;
    progress.epoch(r, config.training.epochs);
    // The model alone (no optimizer state), with what it scored, after every
    // epoch: what gets shipped.
    std::ostringstream acc;
    acc << std::setprecision(17) << r.eval_accuracy;
    network->save_weights(model_file.string(),
                          {{"epoch", std::to_string(r.epoch)}, {"test_accuracy_hard", acc.str()}});
  };
  if (options.resume && fs::exists(options.checkpoint) && !json)
    std::cout << "resuming from " << options.checkpoint << std::endl;
  const auto report = lut::train(network, train_set, test_set, options);
  if (json)
    std::cout << nlohmann::json{{"weights", model_file.string()},
                                {"epoch", report.epoch},
                                {"test_accuracy_hard", report.eval_accuracy}}
                     .dump()
              << std::endl;
  else
    std::cout << "weights: " << model_file.string() << "  (epoch " << report.epoch
              << ", test accuracy " << percent(report.eval_accuracy) << " in hard mode)\n";
  return 0;
}

int lut_eval_command(Hub& hub, const Resolved& resolved, const nlohmann::json& args) {
  check_data(args);
  lut::retain_freed_heap_memory();
  auto loaded = load_model(hub, resolved, args);
  auto test_set = lut::load_fashion_mnist("test", args.value("data_dir", ""));
  const int64_t limit = args.value("limit", 0);
  if (limit > 0 && limit < test_set.size()) test_set = test_set.slice(0, limit);
  torch::InferenceMode guard;
  int64_t correct = 0;
  for (int64_t start = 0; start < test_set.size(); start += 1000) {
    const auto batch = test_set.slice(start, std::min(test_set.size(), start + 1000));
    correct += loaded.model->forward(batch.images).argmax(1).eq(batch.labels).sum().item<int64_t>();
  }
  const int64_t total = test_set.size();
  const std::string mode = loaded.model->config().value("eval_mode", "hard");
  const double accuracy = 100.0 * double(correct) / double(total);
  if (args.value("json", false)) {
    std::cout << nlohmann::json{{"name", loaded.name},
                                {"data", "fashion-mnist/test"},
                                {"eval_mode", mode},
                                {"correct", correct},
                                {"total", total},
                                {"acc@1", accuracy},
                                {"config", loaded.model->config()}}
                     .dump(2)
              << '\n';
  } else {
    std::cout << loaded.name << " on Fashion-MNIST test (" << total << " images, eval_mode " << mode
              << "): accuracy " << percent(double(correct) / double(total)) << " (" << correct
              << "/" << total << ")\n";
    if (loaded.meta.contains("metrics")) {
      const auto& m = loaded.meta["metrics"];
      if (m.contains("Fashion-MNIST") && m["Fashion-MNIST"].contains("correct") && limit == 0 &&
          mode == "hard")
        std::cout << "  published: " << m["Fashion-MNIST"]["correct"] << "/"
                  << m["Fashion-MNIST"].value("total", 0)
                  << (m["Fashion-MNIST"]["correct"] == correct ? " (reproduced exactly)"
                                                               : " (DIFFERENT)")
                  << '\n';
    }
  }
  return 0;
}

int lut_run_command(Hub& hub, const Resolved& resolved, const nlohmann::json& args) {
  const std::string image = args.value("image", "");
  const auto indices = args.value("idx_index", std::vector<int64_t>{});
  if (image.empty() == indices.empty())
    throw Error(
        "give exactly one of --image FILE (PNG or JPEG) or --idx-index N (a Fashion-MNIST test "
        "image)");
  auto loaded = load_model(hub, resolved, args);
  const bool json = args.value("json", false);
  nlohmann::json results = nlohmann::json::array();
  auto report = [&](const std::string& what, const torch::Tensor& x, int64_t truth) {
    torch::InferenceMode guard;
    const auto scores = loaded.model->forward(x)[0];
    const int64_t predicted = scores.argmax().item<int64_t>();
    const auto name = [&](int64_t c) {
      return c >= 0 && c < int64_t(loaded.categories.size()) ? loaded.categories[c]
                                                             : std::to_string(c);
    };
    if (json) {
      nlohmann::json r = {
          {"input", what},
          {"class", predicted},
          {"label", name(predicted)},
          {"scores", std::vector<float>(scores.data_ptr<float>(),
                                        scores.data_ptr<float>() + scores.numel())}};
      if (truth >= 0) r["true_class"] = truth, r["true_label"] = name(truth);
      results.push_back(r);
      return;
    }
    std::cout << what << ": " << predicted << " " << name(predicted);
    if (truth >= 0)
      std::cout << "   (true: " << truth << " " << name(truth)
                << (truth == predicted ? ")" : ") ✗");
    std::cout << '\n';
  };
  if (!image.empty()) {
    report(image, read_image_gray(image, 28), -1);
  } else {
    check_data(args);
    const auto test_set = lut::load_fashion_mnist("test", args.value("data_dir", ""));
    for (const int64_t i : indices) {
      if (i < 0 || i >= test_set.size())
        throw Error("--idx-index " + std::to_string(i) + " is outside the test set (0.." +
                    std::to_string(test_set.size() - 1) + ")");
      report("test[" + std::to_string(i) + "]", test_set.images.slice(0, i, i + 1),
             test_set.labels[i].item<int64_t>());
    }
  }
  if (json) std::cout << results.dump(2) << '\n';
  return 0;
}

}  // namespace modelzoo::cli
