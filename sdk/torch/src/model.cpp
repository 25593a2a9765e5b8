#include "modelzoo/model.h"

namespace modelzoo {

// Out-of-line destructors are the key functions: the vtables and typeinfo of
// these classes live in libmodelzoo_torch.so only, one identity for all.
Classifier::~Classifier() = default;
FeatureExtractor::~FeatureExtractor() = default;
Model::~Model() = default;

torch::OrderedDict<std::string, torch::Tensor> Model::named_parameters() const {
  return module().named_parameters(/*recurse=*/true);
}

torch::OrderedDict<std::string, torch::Tensor> Model::named_buffers() const {
  return module().named_buffers(/*recurse=*/true);
}

torch::OrderedDict<std::string, torch::Tensor> Model::state_dict() const {
  torch::OrderedDict<std::string, torch::Tensor> state;
  for (const auto& item : named_parameters()) state.insert(item.key(), item.value());
  for (const auto& item : named_buffers()) state.insert(item.key(), item.value());
  return state;
}

}  // namespace modelzoo
