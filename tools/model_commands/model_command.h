// The model-path commands inside libmodelzoo_model_commands.so.
#pragma once

#include <nlohmann/json.hpp>

#include "modelzoo/hub.h"

namespace modelzoo::cli {

int create_command(const nlohmann::json& args);
/// `run` for image classifiers (any family whose models output class
/// logits and whose manifest gives the preprocessing): run_command.cpp.
int classify_image_command(Hub& hub, const nlohmann::json& args);

}  // namespace modelzoo::cli
