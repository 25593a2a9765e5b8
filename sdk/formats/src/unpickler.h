// A restricted unpickler for torch.save's data.pkl: it builds only dicts,
// OrderedDicts, lists, tuples, numbers, strings, None and tensors (through
// torch._utils._rebuild_tensor_v2 / _rebuild_parameter over storages named
// by persistent ids). Any other global is refused when its GLOBAL opcode is
// read, before anything could be called (torch.load(weights_only=True)'s
// rule); nothing in the pickle is ever executed.
//
// Its TorchScript mode reads the data.pkl of a torch.jit.save archive: there
// a `__torch__.*` class (a scripted module) is only ever instantiated empty
// and filled with its pickled attributes — its methods live in the archive's
// code/, which is neither read nor run — and torch.jit._pickle's list
// builders and restore_type_tag, identities in Python too, pass their
// argument through. Every other global is refused as in the default mode.
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

/// Which globals a pickle may name: a state dict's, or also a TorchScript
/// module tree's.
enum class PickleMode { kStateDict, kTorchScript };

/// Unpickles `pickle` and returns the tensors of the state dict it holds,
/// nested dicts flattened to dotted names, in insertion order. Throws
/// modelzoo::Error mentioning `file`.
std::vector<TensorView> unpickle_state_dict(const uint8_t* pickle, size_t size,
                                            const StorageResolver& storages,
                                            const std::string& file);

/// A TorchScript archive's module tree, read without its code.
struct TorchScriptTree {
  std::string root_class;  ///< "__torch__.vad.model.vad_annotator.VADRNNJITMerge"
  /// Every tensor attribute, named by its path of attributes and indices
  /// ("_model.encoder.0.reparam_conv.weight"), in the pickle's order.
  std::vector<TensorView> tensors;
};

/// Unpickles a TorchScript archive's data.pkl (PickleMode::kTorchScript).
/// Throws modelzoo::Error mentioning `file`, naming any refused global.
TorchScriptTree unpickle_torchscript(const uint8_t* pickle, size_t size,
                                     const StorageResolver& storages, const std::string& file);

}  // namespace modelzoo::formats
