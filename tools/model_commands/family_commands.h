// Model-path commands that depend on the model's family: `train`, `eval`,
// `run` resolve the family and hand over to its implementation (one source
// file per family: lut_commands.cpp, …).
#pragma once

#include <nlohmann/json.hpp>

#include "modelzoo/hub.h"

namespace modelzoo::cli {

int train_command(const nlohmann::json& args);
int eval_command(const nlohmann::json& args);
int run_command(const nlohmann::json& args);

int lut_train_command(const nlohmann::json& args);
int lut_eval_command(Hub& hub, const Resolved& resolved, const nlohmann::json& args);
int lut_run_command(Hub& hub, const Resolved& resolved, const nlohmann::json& args);

}  // namespace modelzoo::cli
