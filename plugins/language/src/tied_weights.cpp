#include "tied_weights.h"

#include <torch/csrc/autograd/grad_mode.h>

#include "modelzoo/formats/tensor_view.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::language {

std::string checkpoint_name_of(const Weights& weights, const LoadOptions& options,
                               const std::string& model_name) {
  for (const auto* view : weights.views())
    if (model_name_of(view->name, options) == model_name) return view->name;
  return "";
}

bool only_tied_copy(const Weights& weights, const LoadOptions& options, const std::string& tied,
                    const std::string& source) {
  return checkpoint_name_of(weights, options, source).empty() &&
         !checkpoint_name_of(weights, options, tied).empty();
}

void check_tied_copy(const Weights& weights, const LoadOptions& options, const std::string& tied,
                     const std::string& source, const std::string& model, LoadReport& report) {
  const std::string tied_key = checkpoint_name_of(weights, options, tied);
  const std::string source_key = checkpoint_name_of(weights, options, source);
  if (tied_key.empty() || source_key.empty()) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor copy = weights.tensor(tied_key);
  const torch::Tensor original = weights.tensor(source_key);
  const bool same = copy.sizes() == original.sizes() && torch::equal(copy, original);
  if (same) {
    report.notes.push_back(tied_key + ": the same values as " + source_key + ", tied to it");
    return;
  }
  const std::string why = tied_key + " " + formats::shape_text(copy.sizes().vec()) +
                          " differs from " + source_key + " " +
                          formats::shape_text(original.sizes().vec()) + ", to which " + model +
                          " ties it (one tensor, as in Hugging Face's model)";
  if (options.strict)
    throw Error("loading " + weights.source() + " into " + model + " (strict): " + why +
                "\n  (is this a checkpoint of " + model + "? load non-strict to keep " +
                source_key + " and drop the copy)");
  report.notes.push_back(why + "; the copy was dropped");
}

}  // namespace modelzoo::language
