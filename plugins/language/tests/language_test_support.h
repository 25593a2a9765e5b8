// What the language tests share: the fixtures make_language_fixtures.py
// writes (small checkpoints under Hugging Face's layouts and the reference's
// outputs), the Hub on the build tree's plugin directory, and comparisons.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/hub.h"
#include "modelzoo/weights.h"

namespace modelzoo::test {

inline std::string language_fixture(const std::string& file) {
  return std::string(MODELZOO_LANGUAGE_FIXTURE_DIR) + "/" + file;
}

/// The fixtures' configs, or null when the fixtures could not be made (no
/// torch in /usr/bin/python3).
inline nlohmann::json language_fixture_index() {
  std::ifstream in(language_fixture("index.json"));
  if (!in) return nullptr;
  return nlohmann::json::parse(in);
}

inline HubOptions language_hub_options() {
  HubOptions o;
  o.plugin_path = std::vector<std::filesystem::path>{MODELZOO_LANGUAGE_PLUGIN_DIR};
  o.probe = false;
  o.registry_cache = std::filesystem::path();
  o.trust = trust::TrustMode::kOff;
  return o;
}

/// Max abs difference of `got` and `want` over the rows where `keep` ([B,
/// T], nonzero) is set; `got` and `want` are [B, T, ...].
inline double max_diff_where(const torch::Tensor& got, const torch::Tensor& want,
                             const torch::Tensor& keep) {
  auto weight = keep.to(torch::kFloat64);
  while (weight.dim() < got.dim()) weight = weight.unsqueeze(-1);
  return ((got.to(torch::kFloat64) - want.to(torch::kFloat64)).abs() * weight).max().item<double>();
}

inline double max_diff(const torch::Tensor& got, const torch::Tensor& want) {
  return (got.to(torch::kFloat64) - want.to(torch::kFloat64)).abs().max().item<double>();
}

/// Saves `tensors` under `path` (the repo's own safetensors writer) and
/// returns the path: for load-rule cases derived from a fixture.
inline std::string save_variant(const torch::OrderedDict<std::string, torch::Tensor>& tensors,
                                const std::string& path) {
  Weights::save(tensors, path);
  return path;
}

}  // namespace modelzoo::test

#define REQUIRE_LANGUAGE_FIXTURES()                                                   \
  const nlohmann::json fixture_index = modelzoo::test::language_fixture_index();      \
  if (fixture_index.is_null()) {                                                      \
    WARN("skipped: no fixtures (language_fixtures needs torch in /usr/bin/python3)"); \
    return;                                                                           \
  }
