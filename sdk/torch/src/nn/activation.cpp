#include "modelzoo/nn/activation.h"

namespace modelzoo::nn {

torch::Tensor activate(torch::Tensor x, Activation activation) {
  switch (activation) {
    case Activation::kNone:
      return x;
    case Activation::kReLU:
      return x.relu_();
    case Activation::kSiLU:
      return torch::silu_(x);
    case Activation::kGELU:
      return torch::gelu(x);
  }
  return x;
}

}  // namespace modelzoo::nn
