// What the family's load_weights share around Weights::load_into: tied
// tensors held once (tied_weights.h), names the family ignores with a note
// counting them, and a non-strict load under SkipInit that initialises
// first, so a tensor missing from the checkpoint keeps Hugging Face's
// initialisation rather than garbage.
#pragma once

#include <torch/nn/module.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "modelzoo/weights.h"

namespace modelzoo::language {

/// An output tensor tied to an input one (`copy` "lm_head.weight" to
/// `source` "wte.weight"): the model holds `source` only.
struct TiedPair {
  std::string copy, source;
};

struct FamilyLoadRules {
  std::vector<TiedPair> tied;
  /// Checkpoint tensors (by model name) the family ignores, beyond the tied copies.
  std::function<bool(const std::string&)> ignore;
  /// Of those, the ones a note counts, and the note for `count` of them.
  std::function<bool(const std::string&)> noted;
  std::function<std::string(std::size_t count)> note;
};

/// Loads `weights` into `net` under `options` (the user's, with the
/// family's prefixes and renames already added) and `rules`. `initialised`
/// says whether the parameters hold values; when not and the load is
/// non-strict, `init` runs first. `model` names the model in messages.
LoadReport load_family_weights(const Weights& weights, LoadOptions options,
                               const FamilyLoadRules& rules, torch::nn::Module& net,
                               const std::string& model, bool initialised,
                               const std::function<void()>& init);

}  // namespace modelzoo::language
