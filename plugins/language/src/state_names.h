// Matching a checkpoint's tensor names by their tail ("….attn.bias",
// "….rotary_emb.inv_freq", "…LayerNorm.gamma"): the family's load rules.
#pragma once

#include <string>

namespace modelzoo::language {

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace modelzoo::language
