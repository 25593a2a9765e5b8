#include "modelzoo/model.h"

#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "modelzoo/language_model.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo {

// Out-of-line destructors are the key functions: the vtables and typeinfo of
// these classes live in libmodelzoo_torch.so only, one identity for all.
Classifier::~Classifier() = default;
CausalLM::~CausalLM() = default;
TextEncoder::~TextEncoder() = default;
FeatureExtractor::~FeatureExtractor() = default;
Model::~Model() = default;

torch::Tensor CausalLM::next_token_logits(const torch::Tensor& input_ids,
                                          const torch::Tensor& attention_mask,
                                          const torch::Tensor& position_ids, nn::KVCache* cache) {
  const torch::Tensor logits = forward_causal(input_ids, attention_mask, position_ids, cache);
  return logits.select(1, logits.size(1) - 1);
}

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

LoadReport Model::load_weights(const Weights& weights, const LoadOptions& options) {
  return weights.load_into(module(), options);
}

std::vector<int64_t> Model::output_shape(const std::vector<int64_t>& input_shape) {
  if (input_shape.empty()) throw Error("output_shape: the input shape needs a batch dimension");
  std::vector<int64_t> empty_batch = input_shape;
  empty_batch[0] = 0;
  c10::InferenceMode guard;
  const bool was_training = is_training();
  eval();  // an empty batch has no statistics to normalise with
  torch::Tensor out;
  try {
    out = forward(torch::zeros(empty_batch));
  } catch (...) {
    train(was_training);
    throw;
  }
  train(was_training);
  std::vector<int64_t> shape = out.sizes().vec();
  if (!shape.empty()) shape[0] = input_shape[0];
  return shape;
}

}  // namespace modelzoo
