// The lut family's commands (declared in manifest.json.in's "commands"),
// registered by lut_plugin.cpp: `run` (image-classification: a PNG/JPEG or
// Fashion-MNIST test images), `eval` (accuracy on the test set) and the
// family verb `train` (a YAML config → safetensors weights). And the
// family's pretrained loader, which takes a weights file's own config.
#pragma once

#include <modelzoo/command.h>
#include <modelzoo/model.h>

#include <memory>

#include <nlohmann/json.hpp>

namespace modelzoo::lut {

nlohmann::json run_command(CommandContext& ctx);
nlohmann::json eval_command(CommandContext& ctx);
nlohmann::json train_command(CommandContext& ctx);

/// Builds a LutModel from a flat config.
std::shared_ptr<Model> build_model(const nlohmann::json& config);

/// The loader: the structure comes from the weights file's own "config"
/// metadata when it has one (a `modelzoo train` output), else from the
/// entrypoint and its variant; the user's overrides may change runtime
/// keys only (LutConfig::apply_overrides names a structural one).
LoadResult load_model(const nlohmann::json& request);

/// Refuses a data set other than Fashion-MNIST, naming the option.
void check_data(const nlohmann::json& options);

}  // namespace modelzoo::lut
