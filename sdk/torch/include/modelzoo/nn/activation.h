// Activation functions chosen by configuration: blocks such as Mlp take
// one as an option instead of a module, since none has parameters.
//
//   auto y = modelzoo::nn::activate(x, modelzoo::nn::Activation::kGELU);
#pragma once

#include <torch/types.h>

#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

/// An activation without parameters, by PyTorch's module name.
enum class Activation {
  kNone,  ///< the identity
  kReLU,  ///< nn.ReLU
  kSiLU,  ///< nn.SiLU (swish)
  kGELU,  ///< nn.GELU(), the exact (erf) form
};

/// `activation` applied to `x`. ReLU and SiLU work in place on `x` (as
/// torchvision's inplace=True blocks do): pass a tensor the caller no
/// longer needs, or a copy.
MODELZOO_API torch::Tensor activate(torch::Tensor x, Activation activation);

}  // namespace modelzoo::nn
