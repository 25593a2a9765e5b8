// Checks every tensor view a reader accepted, for the fuzz targets: the
// furthest element its shape, strides and offset reach must lie inside its
// storage (else the target traps), and the first and last byte it can reach
// are read, so that a storage that is itself out of bounds shows up as an
// ASan report instead of passing silently.
//
// The cost is O(dimensions) a view, whatever its size: a copy of every
// element made a pickle of a million names for one broadcast 1 MB view cost
// a million copies, and the unpickler target ran at 56 executions a second.
#pragma once

#include <cstdint>
#include <vector>

#include "modelzoo/formats/tensor_view.h"

namespace modelzoo::fuzz {

inline void touch_views(const std::vector<formats::TensorView>& views) {
  volatile uint8_t sink = 0;
  for (const auto& v : views) {
    if (v.shape.size() != v.strides.size() || v.storage_offset < 0) __builtin_trap();
    const uint64_t element = formats::dtype_size(v.dtype);
    uint64_t last = static_cast<uint64_t>(v.storage_offset);
    bool empty = false;
    for (size_t d = 0; d < v.shape.size(); ++d) {
      if (v.shape[d] < 0 || v.strides[d] < 0) __builtin_trap();
      if (v.shape[d] == 0) empty = true;
      uint64_t step = 0;
      if (v.shape[d] > 0 && __builtin_mul_overflow(static_cast<uint64_t>(v.shape[d] - 1),
                                                   static_cast<uint64_t>(v.strides[d]), &step))
        __builtin_trap();
      if (__builtin_add_overflow(last, step, &last)) __builtin_trap();
    }
    if (empty) continue;
    uint64_t end = 0;  // one past the last byte reached
    if (__builtin_mul_overflow(last + 1, element, &end) || end > v.storage_bytes) __builtin_trap();
    const uint64_t first = static_cast<uint64_t>(v.storage_offset) * element;
    sink = sink ^ v.storage[first] ^ v.storage[end - 1];
  }
}

}  // namespace modelzoo::fuzz
