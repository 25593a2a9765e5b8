// Stochastic depth (Huang et al. 2016), torchvision.ops.stochastic_depth in
// "row" mode — timm's drop_path: while training, each sample's residual
// branch is dropped with probability p and the survivors are scaled by
// 1/(1-p); in eval it is the identity.
//
//   y = x + modelzoo::nn::stochastic_depth(branch(x), 0.1, is_training());
#pragma once

#include <torch/types.h>

#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

/// `x` with whole samples (dim 0) zeroed with probability `p` and the rest
/// scaled by 1/(1-p) when `training`; `x` itself otherwise or when p is 0.
MODELZOO_API torch::Tensor stochastic_depth(const torch::Tensor& x, double p, bool training);

}  // namespace modelzoo::nn
