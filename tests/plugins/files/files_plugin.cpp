// The `files` fixture family: toy/tiny_mlp under a variant of several files.
// Its `run` command reports what it received, by role, so the tests can
// check that every file reached the plugin.
#include <modelzoo/command.h>
#include <modelzoo/plugin.h>
#include <modelzoo/sdk/error.h>

#include <c10/core/InferenceMode.h>

#include <fstream>
#include <memory>

#include "../toy/toy_models.h"

namespace {

class TinyMlpModel : public modelzoo::ModuleModel<toy::TinyMlp> {
 public:
  using ModuleModel::ModuleModel;
};

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw modelzoo::Error("cannot read the labels file " + path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

nlohmann::json run(modelzoo::CommandContext& ctx) {
  const modelzoo::LoadedModel loaded = ctx.load();
  const auto labels = read_lines(loaded.file("labels"));
  const double value = ctx.options().at("value").get<double>();
  c10::InferenceMode guard;
  const auto logits = loaded.model->forward(torch::full({1, 784}, value));
  const int64_t best = logits.argmax(1).item<int64_t>();
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : loaded.info.at("files"))
    files.push_back({{"role", f.at("role")}, {"file", f.at("file")}, {"path", f.at("path")}});
  return {{"task", "tabular-classification"},
          {"model", loaded.info.at("name")},
          {"variant", loaded.variant()},
          {"index", best},
          {"label", labels.at(static_cast<size_t>(best))},
          {"logit", logits[0][best].item<double>()},
          {"files", files}};
}

}  // namespace

MODELZOO_PLUGIN(registrar) {
  registrar.add("sharded_mlp", [](const nlohmann::json& config) {
    return std::make_shared<TinyMlpModel>(toy::TinyMlp(config));
  });
  registrar.add_command("run", "tabular-classification", run);
}
