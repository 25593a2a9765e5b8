#include "modelzoo/command.h"

#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include "modelzoo/init_mode.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/weights.h"

namespace modelzoo {

const nlohmann::json& LoadedModel::meta() const {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto it = info.find("meta");
  return it != info.end() && it->is_object() ? *it : kEmpty;
}

std::string LoadedModel::file(const std::string& role) const {
  for (const auto& f : info.value("files", nlohmann::json::array()))
    if (f.value("role", "") == role) return f.value("path", "");
  return "";
}

std::string LoadedModel::variant() const {
  auto it = info.find("variant");
  return it != info.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> LoadedModel::notes() const {
  return info.value("notes", std::vector<std::string>{});
}

CommandContext::CommandContext(const CommandCall& call)
    : call_(call), options_(nlohmann::json::parse(call.options_json)) {}

LoadedModel CommandContext::load(const nlohmann::json& overrides) const {
  if (!call_.load) throw Error("'" + call_.target + "' names no model to load");
  LoadResult result = call_.load(overrides.dump());
  if (!result.model) throw Error(result.error);
  LoadedModel loaded;
  loaded.model = std::move(result.model);
  loaded.info = nlohmann::json::parse(result.report_json);
  return loaded;
}

void CommandContext::emit(const nlohmann::json& record) const {
  if (call_.emit) call_.emit(record.dump());
}

InputLine CommandContext::read_line(const std::string& prompt) const {
  if (!call_.read_line) return {};
  return call_.read_line(prompt);
}

bool CommandContext::interrupted() const {
  return call_.interrupted && call_.interrupted();
}

Weights weights_of_files(const nlohmann::json& files) {
  std::vector<WeightsFile> weights;
  for (const auto& f : files)
    if (f.value("role", "") == "weights" || f.value("role", "") == "weights-index")
      weights.push_back({f.value("file", ""), f.at("path").get<std::string>()});
  if (weights.empty()) throw Error("the variant has no file of role 'weights'");
  // One file is a checkpoint, or a local file or snapshot directory the
  // user gave; several are shards, with or without their index.
  if (weights.size() == 1) return Weights::from_path(weights.front().path);
  return Weights::from_files(weights);
}

nlohmann::json to_json(const LoadReport& report) {
  nlohmann::json mismatched = nlohmann::json::array();
  for (const auto& m : report.mismatched)
    mismatched.push_back(
        {{"key", m.key}, {"model_shape", m.model_shape}, {"checkpoint_shape", m.checkpoint_shape}});
  return {{"loaded", report.loaded},   {"missing", report.missing},
          {"kept", report.kept},       {"unexpected", report.unexpected},
          {"ignored", report.ignored}, {"mismatched", mismatched},
          {"notes", report.notes}};
}

LoadResult load_pretrained(
    const std::function<std::shared_ptr<Model>(const nlohmann::json&)>& factory,
    const nlohmann::json& request) {
  LoadResult result;
  const nlohmann::json& config = request.at("config");
  const nlohmann::json& files = request.at("files");
  const bool random_init = request.value("random_init", false);
  std::shared_ptr<Model> model;
  if (random_init) {
    model = factory(config);
  } else {
    SkipInit no_init;  // the checkpoint provides every value
    model = factory(config);
  }
  if (!model) throw Error("the factory returned no model");
  model->set_config(config);
  LoadReport report;
  if (!random_init) {
    LoadOptions options;
    options.strict = request.value("strict", true);
    // A user reading a wrong checkpoint's error needs the counts and a few
    // keys of each kind, not hundreds of lines; --verbose gives them all.
    options.keys_listed = request.value("verbose", false) ? SIZE_MAX : 5;
    report = model->load_weights(weights_of_files(files), options);
  }
  model->eval();
  result.model = std::move(model);
  result.report_json = to_json(report).dump();
  return result;
}

}  // namespace modelzoo
