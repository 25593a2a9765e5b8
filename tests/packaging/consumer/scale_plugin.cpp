// A vendor's plugin: one model that scales its input by a config factor,
// and a `run` command for the vendor's own task, with its own options.
#include <modelzoo/command.h>
#include <modelzoo/plugin.h>

#include <c10/core/InferenceMode.h>

#include <cmath>

namespace {
struct ScaleImpl : torch::nn::Module {
  explicit ScaleImpl(double f) : factor(f) {}
  torch::Tensor forward(const torch::Tensor& x) { return x * factor; }
  double factor;
};
TORCH_MODULE(Scale);

nlohmann::json run_scaling(modelzoo::CommandContext& ctx) {
  const auto values = ctx.options().at("vector").get<std::vector<double>>();
  const double unit = std::pow(10.0, ctx.options().at("round_to").get<int>());
  const modelzoo::LoadedModel loaded = ctx.load();
  c10::InferenceMode guard;
  const torch::Tensor out =
      loaded.model->forward(torch::tensor(values, torch::kFloat64).reshape({1, -1}));
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < values.size(); ++i)
    rows.push_back(
        {{"index", i},
         {"input", values[i]},
         {"output", std::round(out[0][static_cast<int64_t>(i)].item<double>() * unit) / unit}});
  return {{"task", "vector-scaling"}, {"model", loaded.info.at("name")}, {"values", rows}};
}
}  // namespace

MODELZOO_PLUGIN(registrar) {
  registrar.add("scale", [](const nlohmann::json& config) {
    return std::make_shared<modelzoo::ModuleModel<Scale>>(Scale(config.at("factor").get<double>()));
  });
  registrar.add_command("run", "vector-scaling", run_scaling);
}
