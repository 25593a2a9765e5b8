#include "modelzoo/nn/stochastic_depth.h"

#include <vector>

namespace modelzoo::nn {

torch::Tensor stochastic_depth(const torch::Tensor& x, double p, bool training) {
  TORCH_CHECK(p >= 0.0 && p <= 1.0, "stochastic_depth: p must be in [0, 1] (got ", p, ")");
  if (!training || p == 0.0) return x;
  const double survival = 1.0 - p;
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  auto noise = torch::empty(shape, x.options()).bernoulli_(survival);
  if (survival > 0.0) noise.div_(survival);
  return x * noise;
}

}  // namespace modelzoo::nn
