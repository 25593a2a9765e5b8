// Reads every element a tensor view can reach, for the fuzz targets: a view
// that a reader accepted but that points outside its storage then shows up
// as an ASan report instead of passing silently.
#pragma once

#include <vector>

#include "modelzoo/formats/tensor_view.h"

namespace modelzoo::fuzz {

inline void touch_views(const std::vector<formats::TensorView>& views) {
  volatile uint8_t sink = 0;
  for (const auto& v : views) {
    // A broadcast view (stride 0) may be huge while its storage is tiny; its
    // contiguous copy would only measure the allocator.
    if (v.nbytes() > (1u << 20)) continue;
    for (const char c : v.contiguous_bytes()) sink = sink ^ static_cast<uint8_t>(c);
  }
}

}  // namespace modelzoo::fuzz
