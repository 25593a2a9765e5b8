// The toy family's entry: registers the factories its manifest declares.
#include <modelzoo/plugin.h>

#include <memory>

#include "toy_models.h"

namespace {

class TinyMlpModel : public modelzoo::ModuleModel<toy::TinyMlp> {
 public:
  using ModuleModel::ModuleModel;
};

class TinyCnnModel : public modelzoo::ModuleModel<toy::TinyCnn>, public modelzoo::Classifier {
 public:
  using ModuleModel::ModuleModel;
  modelzoo::Classifier* classifier() override { return this; }
  int64_t num_classes() const override {
    const auto& fc = net()->fc;
    return fc ? fc->options.out_features() : 0;
  }
  int64_t num_features() const override { return net()->num_features(); }
  void reset_classifier(int64_t num_classes) override { net()->reset_classifier(num_classes); }
};

}  // namespace

MODELZOO_PLUGIN(registrar) {
  registrar.add("tiny_mlp", [](const nlohmann::json& config) {
    return std::make_shared<TinyMlpModel>(toy::TinyMlp(config));
  });
  registrar.add("tiny_cnn", [](const nlohmann::json& config) {
    return std::make_shared<TinyCnnModel>(toy::TinyCnn(config));
  });
}
