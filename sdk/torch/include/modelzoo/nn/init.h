// Initialisation helpers that LibTorch 1.13 lacks or that architectures
// re-initialising their layers the way their reference does need.
//
//   modelzoo::nn::for_each_module<modelzoo::nn::LinearImpl>(*model, [](auto& l) {
//     modelzoo::nn::trunc_normal_(l.weight, 0.02);
//     l.bias.zero_();
//   });
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

/// torch.nn.init.trunc_normal_: fills `tensor` in place with normal(mean,
/// std) values truncated to [a, b] (PyTorch's inverse-CDF method), without
/// recording autograd history.
MODELZOO_API void trunc_normal_(torch::Tensor& tensor, double std, double mean = 0.0,
                                double a = -2.0, double b = 2.0);

/// Calls fn(M&) on every module of `root` (itself included) whose type is
/// M, in registration order (root.modules()). M must have default
/// visibility (the modelzoo::nn modules do) when `root` was built in
/// another shared object.
template <typename M, typename Fn>
void for_each_module(torch::nn::Module& root, Fn fn) {
  for (const auto& m : root.modules(/*include_self=*/true))
    if (auto* typed = m->as<M>()) fn(*typed);
}

}  // namespace modelzoo::nn
