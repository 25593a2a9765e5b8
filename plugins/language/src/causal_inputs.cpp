#include "causal_inputs.h"

#include <c10/util/Exception.h>

#include "modelzoo/formats/tensor_view.h"

namespace modelzoo::language {
namespace {

std::string shape_of(const torch::Tensor& t) {
  return formats::shape_text(t.sizes().vec());
}

}  // namespace

CausalInputs causal_inputs(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                           const torch::Tensor& position_ids, const nn::KVCache* cache,
                           const DecoderShape& shape) {
  TORCH_CHECK(input_ids.dim() == 2, shape.model, ": expected input_ids [batch, tokens] (got ",
              shape_of(input_ids), ")");
  const int64_t batch = input_ids.size(0), steps = input_ids.size(1);
  if (cache)
    TORCH_CHECK(cache->num_layers() == shape.num_layers, shape.model, ": the KV cache has ",
                cache->num_layers(), " layers, the model ", shape.num_layers);
  CausalInputs in;
  in.past = cache ? cache->length() : 0;
  const int64_t total = in.past + steps;
  TORCH_CHECK(total <= shape.max_positions, shape.model, ": ", total,
              " positions exceed the model's ", shape.limit_key, " (", shape.max_positions,
              "); shorten the prompt or generate fewer tokens");
  const auto device = input_ids.device();
  const torch::Tensor mask =
      attention_mask.defined()
          ? attention_mask.to(torch::kBool)
          : torch::ones({batch, total}, torch::dtype(torch::kBool).device(device));
  TORCH_CHECK(mask.dim() == 2 && mask.size(0) == batch && mask.size(1) == total, shape.model,
              ": expected attention_mask [", batch, ", ", total, "] (past ", in.past, " + new ",
              steps, ") (got ", shape_of(mask), ")");
  in.positions = position_ids;
  if (!in.positions.defined()) {
    in.positions = mask.to(torch::kLong).cumsum(-1) - 1;
    in.positions = in.positions.masked_fill(mask.logical_not(), 1).slice(1, in.past, total);
  }
  TORCH_CHECK(in.positions.sizes() == input_ids.sizes(), shape.model, ": expected position_ids ",
              shape_of(input_ids), " (got ", shape_of(in.positions), ")");
  const auto opts = torch::dtype(torch::kLong).device(device);
  const auto causal = torch::arange(total, opts).unsqueeze(0) <=
                      (torch::arange(steps, opts) + in.past).unsqueeze(1);
  in.allowed = causal.unsqueeze(0).unsqueeze(0) & mask.unsqueeze(1).unsqueeze(2);
  return in;
}

}  // namespace modelzoo::language
