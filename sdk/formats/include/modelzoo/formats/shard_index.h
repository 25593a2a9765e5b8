// The index of a sharded safetensors checkpoint, as Hugging Face writes it
// beside the shards (model.safetensors.index.json):
//
//   {"metadata": {"total_size": 26953662464},
//    "weight_map": {"lm_head.weight": "model-00002-of-00002.safetensors", …}}
//
// It names, for every tensor, the shard that holds it. Read from untrusted
// bytes: a malformed index is refused with the file's name, never crashes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "modelzoo/sdk/export.h"

namespace modelzoo::formats {

struct ShardIndex {
  std::map<std::string, std::string> weight_map;  ///< tensor name -> shard file name
};

/// Parses an index's text; `path` names it in errors. Throws modelzoo::Error.
MODELZOO_API ShardIndex parse_shard_index(std::string_view text, const std::string& path);
/// Whether `data` looks like a shard index (a JSON object, not a tensor file).
MODELZOO_API bool looks_like_shard_index(const std::uint8_t* data, std::size_t size);

}  // namespace modelzoo::formats
