#include "modelzoo/nn/conv.h"

#include "default_init.h"

namespace modelzoo::nn {

Conv2dOptions::Conv2dOptions(int64_t in_channels, int64_t out_channels,
                             torch::ExpandingArray<2> kernel_size)
    : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}

Conv2dImpl::Conv2dImpl(const Conv2dOptions& options_) : options(options_) {
  const int64_t in = options.in_channels(), out = options.out_channels(), g = options.groups();
  TORCH_CHECK(g > 0 && in % g == 0 && out % g == 0, "Conv2d: ", in, " in and ", out,
              " out channels do not divide into ", g, " groups");
  const auto& k = *options.kernel_size();
  weight = register_parameter("weight", torch::empty({out, in / g, k[0], k[1]}));
  if (options.bias()) bias = register_parameter("bias", torch::empty({out}));
}

torch::Tensor Conv2dImpl::forward(const torch::Tensor& x) {
  return torch::conv2d(x, weight, bias, options.stride(), options.padding(), options.dilation(),
                       options.groups());
}

void Conv2dImpl::reset_parameters() {
  detail::default_init(weight, bias);
}

}  // namespace modelzoo::nn
