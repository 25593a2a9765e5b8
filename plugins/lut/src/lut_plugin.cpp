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

MODELZOO_PLUGIN(registrar) {
  for (const char* name : {"lut_network", "fashion_mnist_small", "fashion_mnist_large"})
    registrar.add(name, build);
}
