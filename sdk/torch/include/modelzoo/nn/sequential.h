// An nn.Sequential of one-tensor modules that can itself sit in a
// Sequential (and in anything that calls forward(Tensor) through
// AnyModule): LibTorch's cannot, its forward is a template. Children are
// "0", "1", … as in PyTorch, so state-dict names match.
//
//   modelzoo::nn::Sequential block(conv, bn);
//   stage->push_back(block);               // nests
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <utility>

#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

/// torch::nn::Sequential with a non-template forward(Tensor) -> Tensor.
struct MODELZOO_API SequentialImpl : torch::nn::SequentialImpl {
  using torch::nn::SequentialImpl::SequentialImpl;
  torch::Tensor forward(torch::Tensor x) {
    return torch::nn::SequentialImpl::forward(std::move(x));
  }
};
TORCH_MODULE(Sequential);

}  // namespace modelzoo::nn
