// Reading a Hugging Face config.json's hyper-parameters: the manifest's
// config uses the same key names, so one reader serves both. Each error
// names the key, what it holds and what was expected.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace modelzoo::language {

/// config[key] as a positive integer, or `fallback` when absent.
int64_t positive_int(const nlohmann::json& config, const std::string& key, int64_t fallback);
/// config[key] as a positive number, or `fallback` when absent.
double positive_number(const nlohmann::json& config, const std::string& key, double fallback);
/// config[key] as true or false, or `fallback` when absent or null.
bool boolean(const nlohmann::json& config, const std::string& key, bool fallback);
/// config[key] as a string, or `fallback` when absent or null.
std::string text(const nlohmann::json& config, const std::string& key, const std::string& fallback);
/// Throws unless `width` is a multiple of `heads` (attention splits it).
void check_divisible(const std::string& width_key, int64_t width, const std::string& heads_key,
                     int64_t heads);

}  // namespace modelzoo::language
