#include <modelzoo/sdk/error.h>
#include <modelzoo/weights.h>

#include "lut_commands.h"
#include "lut_config.h"
#include "lut_network.h"

namespace modelzoo::lut {
namespace {

class LutModel : public ModuleModel<LutNetwork>, public Classifier {
 public:
  using ModuleModel::ModuleModel;
  Classifier* classifier() override { return this; }
  int64_t num_classes() const override { return net()->config().num_classes; }
  int64_t num_features() const override { return net()->config().layer_widths.back(); }
  void reset_classifier(int64_t) override {
    throw Error(
        "a LUT network's group-sum head is fixed by its last layer; change num_classes and "
        "layer_widths in the config and train a new model instead");
  }
};

}  // namespace

std::shared_ptr<Model> build_model(const nlohmann::json& config) {
  return std::make_shared<LutModel>(LutNetwork(LutConfig::from_json(config, "lut config")));
}

void check_data(const nlohmann::json& options) {
  const std::string data = options.value("data", "fashion-mnist");
  if (data != "fashion-mnist" && data != "fashion_mnist")
    throw Error("unknown data set '" + data + "' for the lut family (use --data fashion-mnist)");
}

LoadResult load_model(const nlohmann::json& request) {
  const std::string name = request.at("name").get<std::string>();
  nlohmann::json base = request.at("base_config");
  const bool random_init = request.value("random_init", false);
  std::optional<Weights> weights;
  if (!random_init) {
    weights = weights_of_files(request.at("files"));
    const auto& metadata = weights->file().metadata;
    // A `modelzoo train` output carries its config: its structure wins, the
    // entrypoint only lends the family.
    if (auto it = metadata.find("config"); it != metadata.end())
      base = LutConfig::from_yaml_text(
                 it->second, weights->file().file->path() + " (config metadata of " + name + ")")
                 .to_flat_json();
  }
  auto config = LutConfig::from_json(base, name);
  config.apply_overrides(request.at("overrides"), /*weights_loaded=*/!random_init, name);
  const nlohmann::json flat = config.to_flat_json();
  // LUT networks initialise cheaply and ignore SkipInit.
  std::shared_ptr<Model> model = build_model(flat);
  LoadReport report;
  model->set_config(flat);
  if (weights) report = model->load_weights(*weights);
  model->eval();
  LoadResult result;
  result.model = std::move(model);
  result.report_json = to_json(report).dump();
  return result;
}

}  // namespace modelzoo::lut
