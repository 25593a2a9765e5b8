// The model-path commands inside libmodelzoo_model_commands.so.
#pragma once

#include <nlohmann/json.hpp>

#include "modelzoo/hub.h"

namespace modelzoo::cli {

int create_command(const nlohmann::json& args);

}  // namespace modelzoo::cli
