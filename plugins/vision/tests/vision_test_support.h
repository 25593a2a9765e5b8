// What the vision tests share: the Hub on the build tree's plugin
// directory, the torchvision fixtures (make_vision_fixtures.py), and
// tolerance checks.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/hub.h"
#include "modelzoo/init_mode.h"
#include "modelzoo/model.h"
#include "modelzoo/weights.h"

namespace modelzoo::test {

inline std::string vision_plugin_dir() {
  return MODELZOO_VISION_PLUGIN_DIR;
}
inline std::string vision_fixture_dir() {
  return MODELZOO_VISION_FIXTURE_DIR;
}

inline HubOptions vision_hub_options() {
  HubOptions o;
  o.plugin_path = std::vector<std::filesystem::path>{vision_plugin_dir()};
  o.probe = false;
  o.registry_cache = std::filesystem::path();
  o.trust = trust::TrustMode::kOff;
  return o;
}

/// The fixture index, or null when the fixtures could not be made (no
/// torch in /usr/bin/python3).
inline nlohmann::json vision_fixture_index() {
  std::ifstream in(vision_fixture_dir() + "/index.json");
  if (!in) return nullptr;
  return nlohmann::json::parse(in);
}

inline std::string fixture_path(const std::string& file) {
  return vision_fixture_dir() + "/" + file;
}

/// Max abs difference, relative to the reference's magnitude when that is
/// above 1 (large logits carry proportionally large rounding).
inline double relative_max_diff(const torch::Tensor& got, const torch::Tensor& want) {
  const double diff =
      (got.to(torch::kFloat64) - want.to(torch::kFloat64)).abs().max().item<double>();
  const double scale = std::max(1.0, want.abs().max().item<double>());
  return diff / scale;
}

/// A model built without initialisation, with `checkpoint` loaded strictly.
inline std::shared_ptr<Model> pretrained(Hub& hub, const std::string& name,
                                         const nlohmann::json& config,
                                         const std::string& checkpoint,
                                         LoadReport* report = nullptr) {
  std::shared_ptr<Model> model;
  {
    SkipInit no_init;
    model = hub.create(name, config);
  }
  LoadReport r = model->load_weights(Weights::from_file(checkpoint));
  if (report) *report = r;
  model->eval();
  return model;
}

}  // namespace modelzoo::test
