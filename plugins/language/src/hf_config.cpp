#include "hf_config.h"

#include "modelzoo/sdk/error.h"

namespace modelzoo::language {

int64_t positive_int(const nlohmann::json& config, const std::string& key, int64_t fallback) {
  auto it = config.find(key);
  if (it == config.end()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() <= 0)
    throw Error("config '" + key + "': expected a positive integer (got " + it->dump() + ")");
  return it->get<int64_t>();
}

double positive_number(const nlohmann::json& config, const std::string& key, double fallback) {
  auto it = config.find(key);
  if (it == config.end()) return fallback;
  if (!it->is_number() || it->get<double>() <= 0)
    throw Error("config '" + key + "': expected a positive number (got " + it->dump() + ")");
  return it->get<double>();
}

bool boolean(const nlohmann::json& config, const std::string& key, bool fallback) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  if (!it->is_boolean())
    throw Error("config '" + key + "': expected true or false (got " + it->dump() + ")");
  return it->get<bool>();
}

std::string text(const nlohmann::json& config, const std::string& key,
                 const std::string& fallback) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  if (!it->is_string())
    throw Error("config '" + key + "': expected a string (got " + it->dump() + ")");
  return it->get<std::string>();
}

void check_divisible(const std::string& width_key, int64_t width, const std::string& heads_key,
                     int64_t heads) {
  if (width % heads != 0)
    throw Error("config: " + width_key + " (" + std::to_string(width) + ") must be a multiple of " +
                heads_key + " (" + std::to_string(heads) +
                "): each attention head takes an equal slice");
}

}  // namespace modelzoo::language
