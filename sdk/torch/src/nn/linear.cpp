#include "modelzoo/nn/linear.h"

#include "default_init.h"

namespace modelzoo::nn {

LinearOptions::LinearOptions(int64_t in_features, int64_t out_features)
    : in_features_(in_features), out_features_(out_features) {}

LinearImpl::LinearImpl(const LinearOptions& options_) : options(options_) {
  weight =
      register_parameter("weight", torch::empty({options.out_features(), options.in_features()}));
  if (options.bias()) bias = register_parameter("bias", torch::empty({options.out_features()}));
}

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias) {
  // One row as a GEMV: the OpenBLAS under LibTorch here (0.3.21) runs a
  // one-row GEMM through its whole GEMM path, several times slower for a
  // decoder's shapes (bench/language/README.md).
  if (x.dim() >= 1 && x.numel() == x.size(-1) && x.size(-1) == weight.size(1) &&
      x.scalar_type() == weight.scalar_type()) {
    auto sizes = x.sizes().vec();
    sizes.back() = weight.size(0);
    const auto row = x.reshape({-1});
    return (bias.defined() ? torch::addmv(bias, weight, row) : torch::mv(weight, row)).view(sizes);
  }
  return torch::linear(x, weight, bias);
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  return linear(x, weight, bias);
}

void LinearImpl::reset_parameters() {
  detail::default_init(weight, bias);
}

Linear replace_head(torch::nn::Module& parent, const std::string& name, const Linear& current,
                    int64_t in_features, int64_t num_classes) {
  TORCH_CHECK(num_classes >= 0, "num_classes must be >= 0 (got ", num_classes, ")");
  if (current) parent.unregister_module(name);
  if (num_classes == 0) return nullptr;
  return parent.register_module(name, Linear(in_features, num_classes));
}

}  // namespace modelzoo::nn
