#include "modelzoo/nn/init.h"

#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>

namespace modelzoo::nn {

void trunc_normal_(torch::Tensor& tensor, double std, double mean, double a, double b) {
  TORCH_CHECK(std > 0.0 && a < b, "trunc_normal_: needs std > 0 and a < b (got std=", std,
              ", a=", a, ", b=", b, ")");
  // Uniform in the truncated range of the normal CDF, then the inverse CDF.
  torch::NoGradGuard no_grad;
  auto cdf = [](double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; };
  const double l = cdf((a - mean) / std), u = cdf((b - mean) / std);
  tensor.uniform_(2 * l - 1, 2 * u - 1);
  tensor.erfinv_();
  tensor.mul_(std * std::sqrt(2.0));
  tensor.add_(mean);
  tensor.clamp_(a, b);
}

}  // namespace modelzoo::nn
