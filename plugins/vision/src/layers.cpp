#include "layers.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/init.h>

#include <cmath>

namespace modelzoo::vision {
namespace {

// PyTorch's default for Conv and Linear: kaiming_uniform(a=sqrt(5)) on the
// weight, bias uniform in ±1/sqrt(fan_in).
void default_init(torch::Tensor& weight, torch::Tensor& bias) {
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = weight.numel() / weight.size(0);
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    torch::nn::init::uniform_(bias, -bound, bound);
  }
}

}  // namespace

Conv2dImpl::Conv2dImpl(int64_t in_channels_, int64_t out_channels_, int64_t kernel_size_,
                       int64_t stride_, int64_t padding_, int64_t groups_, bool with_bias,
                       int64_t dilation_)
    : in_channels(in_channels_),
      out_channels(out_channels_),
      kernel_size(kernel_size_),
      stride(stride_),
      padding(padding_),
      groups(groups_),
      dilation(dilation_) {
  TORCH_CHECK(in_channels % groups == 0 && out_channels % groups == 0, "conv: ", in_channels,
              " in and ", out_channels, " out channels do not divide into ", groups, " groups");
  weight = register_parameter(
      "weight", torch::empty({out_channels, in_channels / groups, kernel_size, kernel_size}));
  if (with_bias) bias = register_parameter("bias", torch::empty({out_channels}));
}

torch::Tensor Conv2dImpl::forward(const torch::Tensor& x) {
  return torch::conv2d(x, weight, bias, {stride, stride}, {padding, padding}, {dilation, dilation},
                       groups);
}

void Conv2dImpl::reset_parameters() {
  default_init(weight, bias);
}

BatchNorm2dImpl::BatchNorm2dImpl(int64_t num_features_, double eps_, double momentum_)
    : num_features(num_features_), eps(eps_), momentum(momentum_) {
  weight = register_parameter("weight", torch::empty({num_features}));
  bias = register_parameter("bias", torch::empty({num_features}));
  running_mean = register_buffer("running_mean", torch::empty({num_features}));
  running_var = register_buffer("running_var", torch::empty({num_features}));
  num_batches_tracked = register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
}

torch::Tensor BatchNorm2dImpl::forward(const torch::Tensor& x) {
  if (is_training()) {
    torch::NoGradGuard no_grad;
    num_batches_tracked.add_(1);
  }
  return torch::batch_norm(x, weight, bias, running_mean, running_var, is_training(), momentum, eps,
                           /*cudnn_enabled=*/true);
}

void BatchNorm2dImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  weight.fill_(1);
  bias.zero_();
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

LinearImpl::LinearImpl(int64_t in_features_, int64_t out_features_, bool with_bias)
    : in_features(in_features_), out_features(out_features_) {
  weight = register_parameter("weight", torch::empty({out_features, in_features}));
  if (with_bias) bias = register_parameter("bias", torch::empty({out_features}));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  return torch::linear(x, weight, bias);
}

void LinearImpl::reset_parameters() {
  default_init(weight, bias);
}

Linear replace_head(torch::nn::Module& parent, const std::string& name, const Linear& current,
                    int64_t in_features, int64_t num_classes) {
  TORCH_CHECK(num_classes >= 0, "num_classes must be >= 0 (got ", num_classes, ")");
  if (current) parent.unregister_module(name);
  if (num_classes == 0) return nullptr;
  return parent.register_module(name, Linear(in_features, num_classes));
}

LayerNormImpl::LayerNormImpl(int64_t dim_, double eps_, bool channels_first_)
    : dim(dim_), eps(eps_), channels_first(channels_first_) {
  weight = register_parameter("weight", torch::empty({dim}));
  bias = register_parameter("bias", torch::empty({dim}));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  if (!channels_first) return torch::layer_norm(x, {dim}, weight, bias, eps);
  return torch::layer_norm(x.permute({0, 2, 3, 1}), {dim}, weight, bias, eps).permute({0, 3, 1, 2});
}

void LayerNormImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  weight.fill_(1);
  bias.zero_();
}

SelfAttentionImpl::SelfAttentionImpl(int64_t embed_dim_, int64_t num_heads_, double dropout_)
    : embed_dim(embed_dim_), num_heads(num_heads_), dropout(dropout_) {
  TORCH_CHECK(embed_dim % num_heads == 0, "attention: embed_dim ", embed_dim,
              " is not divisible by num_heads ", num_heads);
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * embed_dim, embed_dim}));
  in_proj_bias = register_parameter("in_proj_bias", torch::empty({3 * embed_dim}));
  out_proj = register_module("out_proj", Linear(embed_dim, embed_dim));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 3, "attention: expected [batch, sequence, ", embed_dim, "] (got ",
              x.sizes(), ")");
  if (!is_training() && !torch::GradMode::is_enabled()) {
    // PyTorch's fused inference kernel, the one nn.MultiheadAttention uses
    // in eval without grad: same numbers, less memory traffic.
    return std::get<0>(torch::_native_multi_head_attention(
        x, x, x, embed_dim, num_heads, in_proj_weight, in_proj_bias, out_proj->weight,
        out_proj->bias, c10::nullopt, /*need_weights=*/false));
  }
  const int64_t n = x.size(0), s = x.size(1), head_dim = embed_dim / num_heads;
  auto qkv = torch::linear(x, in_proj_weight, in_proj_bias)
                 .view({n, s, 3, num_heads, head_dim})
                 .permute({2, 0, 3, 1, 4});
  auto q = qkv[0] / std::sqrt(static_cast<double>(head_dim));
  auto attn = torch::softmax(torch::matmul(q, qkv[1].transpose(-2, -1)), -1);
  if (dropout > 0.0) attn = torch::dropout(attn, dropout, is_training());
  auto out = torch::matmul(attn, qkv[2]).transpose(1, 2).reshape({n, s, embed_dim});
  return out_proj->forward(out);
}

void SelfAttentionImpl::reset_parameters() {
  // As nn.MultiheadAttention: xavier_uniform in-projection, zero biases.
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(in_proj_weight);
  in_proj_bias.zero_();
  out_proj->reset_parameters();
  out_proj->bias.zero_();
}

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

ConvNormActImpl::ConvNormActImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                                 int64_t stride, int64_t groups, Activation activation_, double eps)
    : activation(activation_) {
  conv = register_module("0", Conv2d(in_channels, out_channels, kernel_size, stride,
                                     (kernel_size - 1) / 2, groups, /*bias=*/false));
  norm = register_module("1", BatchNorm2d(out_channels, eps));
}

torch::Tensor ConvNormActImpl::forward(const torch::Tensor& x) {
  return activate(norm->forward(conv->forward(x)), activation);
}

torch::Tensor stochastic_depth(const torch::Tensor& x, double p, bool training) {
  if (!training || p == 0.0) return x;
  const double survival = 1.0 - p;
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  auto noise = torch::empty(shape, x.options()).bernoulli_(survival);
  if (survival > 0.0) noise.div_(survival);
  return x * noise;
}

}  // namespace modelzoo::vision

namespace modelzoo::vision {

void trunc_normal_(torch::Tensor& tensor, double std, double mean, double a, double b) {
  // PyTorch's method: uniform in the truncated range of the normal CDF,
  // then the inverse CDF.
  torch::NoGradGuard no_grad;
  auto cdf = [](double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; };
  const double l = cdf((a - mean) / std), u = cdf((b - mean) / std);
  tensor.uniform_(2 * l - 1, 2 * u - 1);
  tensor.erfinv_();
  tensor.mul_(std * std::sqrt(2.0));
  tensor.add_(mean);
  tensor.clamp_(a, b);
}

}  // namespace modelzoo::vision
