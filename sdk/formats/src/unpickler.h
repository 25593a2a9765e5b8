// A restricted unpickler for torch.save's data.pkl: it builds only dicts,
// OrderedDicts, lists, tuples, numbers, strings, None and tensors (through
// torch._utils._rebuild_tensor_v2 / _rebuild_parameter over storages named
// by persistent ids). Any other global is refused when its GLOBAL opcode is
// read, before anything could be called (torch.load(weights_only=True)'s
// rule); nothing in the pickle is ever executed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modelzoo/formats/tensor_view.h"

namespace modelzoo::formats {

/// A storage record a persistent id refers to.
struct StorageRef {
  DType dtype;
  const uint8_t* data;
  size_t bytes;
  std::string key;
};

/// Resolves a persistent id's storage key (the entry `<prefix>/data/<key>`);
/// throws when the record is missing.
using StorageResolver = std::function<StorageRef(const std::string& key, DType dtype)>;

/// Unpickles `pickle` and returns the tensors of the state dict it holds,
/// nested dicts flattened to dotted names, in insertion order. Throws
/// modelzoo::Error mentioning `file`.
std::vector<TensorView> unpickle_state_dict(const uint8_t* pickle, size_t size,
                                            const StorageResolver& storages,
                                            const std::string& file);

}  // namespace modelzoo::formats
