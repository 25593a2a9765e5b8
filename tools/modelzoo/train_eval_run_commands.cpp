// `modelzoo train | eval` (and `run`'s model-path side, in
// model_commands.cpp): options declared here, the work done in
// libmodelzoo_model_commands.so (opened only for these commands), which
// dispatches on the model's family.
#include "command.h"

namespace modelzoo::cli {
namespace {

struct SharedOptions {
  std::string data = "fashion-mnist";
  std::string data_dir;
  std::vector<std::string> configs;
  std::string weights;
  int threads = 0;
};

void add_shared(CLI::App* cmd, SharedOptions& o, bool config_overrides) {
  cmd->add_option("--data", o.data, "Data set (fashion-mnist)");
  cmd->add_option("--data-dir", o.data_dir,
                  "Directory of the IDX files (default: $MODELZOO_FASHION_MNIST_DIR, else "
                  "/usr/share/datasets/fashion-mnist)");
  cmd->add_option("--threads", o.threads, "Intra-op threads (default: all cores)");
  if (config_overrides) {
    cmd->add_option("-c,--config", o.configs,
                    "Runtime override KEY=VALUE (repeatable), e.g. eval_mode=expectation");
    cmd->add_option(
        "--weights", o.weights,
        "Use this weights file instead of the pretrained variant (e.g. a train output)");
  }
}

nlohmann::json shared_json(const SharedOptions& o, const Context& context) {
  return {{"data", o.data},       {"data_dir", o.data_dir}, {"config", parse_overrides(o.configs)},
          {"weights", o.weights}, {"threads", o.threads},   {"json", context.json}};
}

void run_or_throw(const std::string& command, const nlohmann::json& args) {
  const int status = run_in_model_library(command, args);
  if (status != 0) throw CLI::RuntimeError(status);
}

}  // namespace

void add_train_eval_run_commands(CLI::App& app, Context& context) {
  {
    auto* train = app.add_subcommand("train", "Train a model of a family from a config file");
    auto o = std::make_shared<SharedOptions>();
    auto family = std::make_shared<std::string>();
    auto config_file = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto epochs = std::make_shared<int>(0);
    auto max_epochs = std::make_shared<int>(0);
    auto train_samples = std::make_shared<int>(-1);
    auto fresh = std::make_shared<bool>(false);
    auto init_weights = std::make_shared<std::string>();
    train->add_option("family", *family, "Model family (lut)")->required();
    train->add_option("config", *config_file, "Config file (YAML)")->required();
    train->add_option("-o,--out", *out, "Output directory (default: ./train-<config name>)");
    train->add_option("--epochs", *epochs, "Override the config's training.epochs");
    train->add_option("--max-epochs", *max_epochs, "Stop after this many epochs in this run");
    train->add_option("--train-samples", *train_samples,
                      "Train on the first N training images (0: all)");
    train->add_flag("--fresh", *fresh, "Ignore an existing checkpoint and start over");
    train->add_option("--init-weights", *init_weights,
                      "Start from these weights (a trained model's .safetensors, same "
                      "structure) instead of a fresh initialisation: fine-tuning");
    add_shared(train, *o, false);
    train->callback([&context, o, family, config_file, out, epochs, max_epochs, train_samples,
                     fresh, init_weights] {
      auto args = shared_json(*o, context);
      args.update({{"family", *family},
                   {"config_file", *config_file},
                   {"out", *out},
                   {"epochs", *epochs},
                   {"max_epochs", *max_epochs},
                   {"train_samples", *train_samples},
                   {"resume", !*fresh},
                   {"init_weights", *init_weights}});
      run_or_throw("train", args);
    });
  }
  {
    auto* eval = app.add_subcommand("eval", "Measure a pretrained model's accuracy on a test set");
    auto o = std::make_shared<SharedOptions>();
    auto name = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(0);
    eval->add_option("name", *name, "[family/]entrypoint[.TAG]")->required();
    eval->add_option("--limit", *limit, "Evaluate only the first N test images");
    add_shared(eval, *o, true);
    eval->callback([&context, o, name, limit] {
      auto args = shared_json(*o, context);
      args.update({{"name", *name}, {"limit", *limit}});
      run_or_throw("eval", args);
    });
  }
}

}  // namespace modelzoo::cli
