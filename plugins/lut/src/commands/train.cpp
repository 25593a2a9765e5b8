// `modelzoo train lut CONFIG.yaml`: trains a LUT network on Fashion-MNIST,
// streaming one record per epoch, and writes resumable checkpoints and the
// model's weights (with its config and test accuracy) after every epoch.
#include <modelzoo/sdk/error.h>
#include <modelzoo/threads.h>
#include <modelzoo/weights.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <optional>
#include <sstream>

#include "heap_reuse.h"
#include "idx_dataset.h"
#include "lut_commands.h"
#include "lut_config.h"
#include "lut_network.h"
#include "trainer.h"

namespace modelzoo::lut {
namespace fs = std::filesystem;
namespace {

// A batch progress bar on a terminal's stderr; epochs are records.
void draw_batch(int64_t epoch, int64_t epochs, int64_t b, int64_t batches, double loss) {
  static const bool tty = isatty(STDERR_FILENO) != 0;
  if (!tty) return;
  const int width = 30, filled = static_cast<int>(width * b / batches);
  std::fprintf(stderr, "\repoch %lld/%lld [%s%s] %lld/%lld loss %.4f", (long long)epoch,
               (long long)epochs, std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), (long long)b, (long long)batches, loss);
  if (b == batches) std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

std::string percent(double fraction) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << 100.0 * fraction << "%";
  return s.str();
}

std::optional<std::string> metadata_field(const std::string& file, const char* key) {
  const Weights weights = Weights::from_file(file);  // owns the metadata read below
  const auto& saved = weights.file().metadata;
  const auto it = saved.find(key);
  if (it == saved.end()) return std::nullopt;
  return it->second;
}

template <typename T>
std::optional<T> parsed(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  T value{};
  if (!(in >> value)) return std::nullopt;
  return value;
}

// A run whose checkpoint had every epoch done: report what its weights
// score, never an empty run's "epoch 0, -100%". The weights file of this
// config's name is written when missing (a checkpoint left by a run under
// another config file name), and scored on the test set then.
EpochReport finished_run(LutNetwork& network, const Dataset& test_set,
                         const std::string& checkpoint, const fs::path& model_file) {
  EpochReport report;
  if (fs::exists(model_file)) {
    report.epoch = parsed<int64_t>(metadata_field(model_file.string(), "epoch")).value_or(0);
    report.eval_accuracy =
        parsed<double>(metadata_field(model_file.string(), "test_accuracy_hard")).value_or(-1);
  }
  if (report.epoch > 0 && report.eval_accuracy >= 0) return report;
  if (fs::exists(checkpoint))
    report.epoch = parsed<int64_t>(metadata_field(checkpoint, "epoch")).value_or(report.epoch);
  report.eval_accuracy = evaluate(network, test_set);
  std::ostringstream acc;
  acc << std::setprecision(17) << report.eval_accuracy;
  network->save_weights(model_file.string(), {{"epoch", std::to_string(report.epoch)},
                                              {"test_accuracy_hard", acc.str()}});
  return report;
}

}  // namespace

nlohmann::json train_command(CommandContext& ctx) {
  const auto& options = ctx.options();
  check_data(options);
  retain_freed_heap_memory();
  const std::string config_file = options.at("config_file").get<std::string>();
  auto config = LutConfig::from_yaml_file(config_file);
  for (const auto& k : config.ignored_keys)
    ctx.emit({{"warning", config_file + ": '" + k +
                              "' is a DiffLUT key modelzoo does not implement; ignored"}});
  if (const int64_t epochs = options.value("epochs", int64_t{0}); epochs > 0) {
    config.training.epochs = epochs;
    if (config.training.straight_through_epochs > epochs) {
      ctx.emit({{"note", "--epochs " + std::to_string(epochs) +
                             " also shortens training.straight_through_epochs from " +
                             std::to_string(config.training.straight_through_epochs) + " to " +
                             std::to_string(epochs)}});
      config.training.straight_through_epochs = epochs;
    }
  }
  if (const int64_t n = options.value("train_samples", int64_t{-1}); n >= 0)
    config.training.train_samples = n;
  config.validate();
  const std::string stem = fs::path(config_file).stem().string();
  fs::path out = options.value("out", "");
  if (out.empty()) out = "train-" + stem;
  fs::create_directories(out);
  config.save((out / "config.yaml").string());

  const std::string dir = options.value("data_dir", "");
  const auto train_set = load_fashion_mnist("train", dir, config.num_classes);
  const auto test_set = load_fashion_mnist("test", dir, config.num_classes);
  LutNetwork network(config);
  ctx.emit({{"message",
             "training " + stem + ": " + std::to_string(config.num_luts()) + " LUTs, layers " +
                 nlohmann::json(config.layer_widths).dump() +
                 ", k=" + std::to_string(config.node_input_dim) + ", " + config.encoder.name +
                 " (" + std::to_string(config.encoder.num_bits) + " bits), " +
                 std::to_string(config.training.epochs) + " epochs on " +
                 std::to_string(config.training.train_samples > 0 ? config.training.train_samples
                                                                  : train_set.size()) +
                 " images, " + std::to_string(intra_op_threads()) + " threads → " + out.string()}});

  TrainOptions train;
  train.checkpoint = (out / "checkpoint.safetensors").string();
  train.resume = !options.value("fresh", false);
  train.max_epochs = options.value("max_epochs", int64_t{0});
  train.init_weights = options.value("init_weights", "");
  const fs::path model_file = out / (stem + ".safetensors");
  int64_t current_epoch = 0, epochs_run = 0;
  train.on_batch = [&](int64_t b, int64_t batches, double loss) {
    draw_batch(current_epoch + 1, config.training.epochs, b, batches, loss);
  };
  train.on_epoch = [&](const EpochReport& r) {
    current_epoch = r.epoch;
    ++epochs_run;
    ctx.emit({{"epoch", r.epoch},
              {"epochs", config.training.epochs},
              {"loss", r.loss},
              {"train_accuracy", r.train_accuracy},
              {"test_accuracy_hard", r.eval_accuracy},
              {"seconds", r.seconds}});
    // The model alone (no optimizer state), with what it scored, after every
    // epoch: what gets shipped.
    std::ostringstream acc;
    acc << std::setprecision(17) << r.eval_accuracy;
    network->save_weights(model_file.string(),
                          {{"epoch", std::to_string(r.epoch)}, {"test_accuracy_hard", acc.str()}});
  };
  if (train.resume && fs::exists(train.checkpoint))
    ctx.emit({{"message", "resuming from " + train.checkpoint}});
  auto report = lut::train(network, train_set, test_set, train);
  if (epochs_run == 0) {
    report = finished_run(network, test_set, train.checkpoint, model_file);
    ctx.emit({{"note", "all " + std::to_string(config.training.epochs) +
                           " epochs were already done in " + out.string() +
                           "; nothing to train (--fresh starts over)"}});
  }
  return {
      {"task", "training"},
      {"weights", model_file.string()},
      {"epoch", report.epoch},
      {"test_accuracy_hard", report.eval_accuracy},
      {"summary", "weights: " + model_file.string() + "  (epoch " + std::to_string(report.epoch) +
                      ", test accuracy " + percent(report.eval_accuracy) + " in hard mode)"}};
}

}  // namespace modelzoo::lut
