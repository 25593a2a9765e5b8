// The lut family's entry: registers the factories its manifest declares.
// Every entrypoint builds a LutNetwork from its (flat) config; the
// pretrained ones differ only in their default config and weight variants.
#include <modelzoo/plugin.h>

#include <memory>

#include "lut_network.h"
#include "modelzoo/sdk/error.h"

namespace {

class LutModel : public modelzoo::ModuleModel<modelzoo::lut::LutNetwork>,
                 public modelzoo::Classifier {
 public:
  using ModuleModel::ModuleModel;
  modelzoo::Classifier* classifier() override { return this; }
  int64_t num_classes() const override { return net()->config().num_classes; }
  int64_t num_features() const override { return net()->config().layer_widths.back(); }
  void reset_classifier(int64_t) override {
    throw modelzoo::Error(
        "a LUT network's group-sum head is fixed by its last layer; change num_classes and "
        "layer_widths in the config and train a new model instead");
  }
};

std::shared_ptr<modelzoo::Model> build(const nlohmann::json& config) {
  return std::make_shared<LutModel>(
      modelzoo::lut::LutNetwork(modelzoo::lut::LutConfig::from_json(config, "lut config")));
}

}  // namespace

// The manifest modelzoo_add_plugin() embeds in this same object.
extern "C" const char modelzoo_embedded_manifest[];

MODELZOO_PLUGIN(registrar) {
  // Every entrypoint builds a LutNetwork from its config, so the plugin
  // registers exactly what its manifest declares (publishing a new
  // pretrained model is a manifest change only).
  const auto manifest = nlohmann::json::parse(modelzoo_embedded_manifest);
  for (const auto& entry : manifest.at("plugin").at("entrypoints"))
    registrar.add(entry.at("name").get<std::string>(), build);
}
