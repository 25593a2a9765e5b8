// A vendor's plugin: one model that scales its input by a config factor.
#include <modelzoo/plugin.h>

namespace {
struct ScaleImpl : torch::nn::Module {
  explicit ScaleImpl(double f) : factor(f) {}
  torch::Tensor forward(const torch::Tensor& x) { return x * factor; }
  double factor;
};
TORCH_MODULE(Scale);
}  // namespace

MODELZOO_PLUGIN(registrar) {
  registrar.add("scale", [](const nlohmann::json& config) {
    return std::make_shared<modelzoo::ModuleModel<Scale>>(Scale(config.at("factor").get<double>()));
  });
}
