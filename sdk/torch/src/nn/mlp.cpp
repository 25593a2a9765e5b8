#include "modelzoo/nn/mlp.h"

namespace modelzoo::nn {

MlpOptions::MlpOptions(int64_t in_features, int64_t hidden_features)
    : in_features_(in_features), hidden_features_(hidden_features) {}

MlpImpl::MlpImpl(const MlpOptions& options_) : options(options_) {
  TORCH_CHECK(options.fc1_name() != options.fc2_name(),
              "Mlp: the two linears need different names (got '", options.fc1_name(), "' twice)");
  const int64_t out = options.out_features() > 0 ? options.out_features() : options.in_features();
  fc1 = register_module(
      options.fc1_name(),
      Linear(LinearOptions(options.in_features(), options.hidden_features()).bias(options.bias())));
  fc2 = register_module(options.fc2_name(),
                        Linear(LinearOptions(options.hidden_features(), out).bias(options.bias())));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  auto y = activate(fc1->forward(x), options.activation());
  y = torch::dropout(y, options.dropout(), is_training());
  return torch::dropout(fc2->forward(y), options.dropout(), is_training());
}

}  // namespace modelzoo::nn
