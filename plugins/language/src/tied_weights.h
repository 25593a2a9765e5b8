// Tied weights in checkpoints: Hugging Face ties an output layer to an
// input table (GPT-2's lm_head to wte, BERT's MLM decoder to the word
// embeddings) and saves the shared tensor once, or — older files — under
// both names. A model here holds it once; a second copy in the checkpoint
// is accepted when it is the same values and refused otherwise, since the
// architecture cannot represent two different tensors there.
#pragma once

#include <string>

#include "modelzoo/weights.h"

namespace modelzoo::language {

/// The checkpoint's name of the tensor that `options` maps to model name
/// `model_name`, or "" when the checkpoint has none.
std::string checkpoint_name_of(const Weights& weights, const LoadOptions& options,
                               const std::string& model_name);

/// True when the checkpoint holds the tied tensor only under the copy's
/// name `tied` and not under `source` (safetensors files keep one name of
/// a shared tensor, and which one depends on the writer): the family then
/// loads the copy as `source`.
bool only_tied_copy(const Weights& weights, const LoadOptions& options, const std::string& tied,
                    const std::string& source);

/// Checks the checkpoint's copy of tied tensor `tied` (a model name the
/// load ignores, e.g. "lm_head.weight") against `source` (the model name
/// it is tied to, e.g. "wte.weight"). Nothing when the checkpoint lacks
/// either; a note in `report` when they are equal; when they differ,
/// throws modelzoo::Error under options.strict, else a note that the copy
/// was dropped. `model` names the model in messages.
void check_tied_copy(const Weights& weights, const LoadOptions& options, const std::string& tied,
                     const std::string& source, const std::string& model, LoadReport& report);

}  // namespace modelzoo::language
