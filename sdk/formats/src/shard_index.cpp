#include "modelzoo/formats/shard_index.h"

#include <nlohmann/json.hpp>

#include "json_depth.h"
#include "modelzoo/formats/tensor_view.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::formats {
namespace {

[[noreturn]] void malformed(const std::string& path, const std::string& why) {
  throw Error(path + " is not a valid safetensors index: " + why +
              " (expected {\"metadata\": {…}, \"weight_map\": {tensor: shard file}})");
}

}  // namespace

ShardIndex parse_shard_index(std::string_view text, const std::string& path) {
  if (!detail::json_depth_within(text, 8)) malformed(path, "nested too deeply");
  const nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                                 /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) malformed(path, "not a JSON object");
  auto map = j.find("weight_map");
  if (map == j.end() || !map->is_object() || map->empty())
    malformed(path, "no \"weight_map\" object naming each tensor's shard");
  ShardIndex index;
  for (auto it = map->begin(); it != map->end(); ++it) {
    if (!it->is_string()) malformed(path, "the shard of '" + it.key() + "' is not a file name");
    const std::string shard = it->get<std::string>();
    if (shard.empty() || shard.find('/') != std::string::npos || shard == "..")
      malformed(path, "the shard of '" + it.key() + "' ('" + shard + "') is not a plain file name");
    index.weight_map.emplace(it.key(), shard);
  }
  return index;
}

bool looks_like_shard_index(const std::uint8_t* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{' && detect_format(data, size).empty();
  }
  return false;
}

}  // namespace modelzoo::formats
