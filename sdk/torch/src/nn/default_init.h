// PyTorch's default initialisation of Conv and Linear layers, shared by
// modelzoo::nn's Conv2d and Linear.
#pragma once

#include <torch/types.h>

namespace modelzoo::nn::detail {

/// kaiming_uniform(a=sqrt(5)) on `weight`; `bias` (if defined) uniform in
/// ±1/sqrt(fan_in).
void default_init(torch::Tensor& weight, torch::Tensor& bias);

}  // namespace modelzoo::nn::detail
