// The vision family's building blocks: convolution, batch and layer norm,
// linear, multi-head attention — with PyTorch's parameter names, but
// allocated uninitialised. LibTorch's own modules initialise in their
// constructors, and every architecture here then re-initialises the way
// torchvision does, or loads a checkpoint over it: paying for LibTorch's
// initialisation would be waste either way. Each layer has
// reset_parameters() (PyTorch's default initialisation); the architectures
// call their own init_weights() only when modelzoo::init_parameters_enabled().
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace modelzoo::vision {

/// nn.Conv2d: `weight` [out, in/groups, k, k], optional `bias` [out].
struct Conv2dImpl : torch::nn::Module {
  Conv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1,
             int64_t padding = 0, int64_t groups = 1, bool bias = true, int64_t dilation = 1);
  torch::Tensor forward(const torch::Tensor& x);
  /// PyTorch's default: kaiming_uniform(a=sqrt(5)), bias uniform(±1/sqrt(fan_in)).
  void reset_parameters();

  int64_t in_channels, out_channels, kernel_size, stride, padding, groups, dilation;
  torch::Tensor weight, bias;
};
TORCH_MODULE(Conv2d);

/// nn.BatchNorm2d with running statistics (buffers) and num_batches_tracked.
struct BatchNorm2dImpl : torch::nn::Module {
  explicit BatchNorm2dImpl(int64_t num_features, double eps = 1e-5, double momentum = 0.1);
  torch::Tensor forward(const torch::Tensor& x);
  void reset_parameters();

  int64_t num_features;
  double eps, momentum;
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;
};
TORCH_MODULE(BatchNorm2d);

/// nn.Linear: `weight` [out, in], optional `bias` [out].
struct LinearImpl : torch::nn::Module {
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true);
  torch::Tensor forward(const torch::Tensor& x);
  void reset_parameters();

  int64_t in_features, out_features;
  torch::Tensor weight, bias;
};
TORCH_MODULE(Linear);

/// A classifier head swapped for one with `num_classes` outputs: `current`
/// (nullptr if none) is unregistered from `parent`, and a new uninitialised
/// Linear(in_features, num_classes) is registered there as `name` and
/// returned — nullptr when num_classes is 0 (the head removed).
Linear replace_head(torch::nn::Module& parent, const std::string& name, const Linear& current,
                    int64_t in_features, int64_t num_classes);

/// nn.LayerNorm over the last dimension. channels_first normalises dim 1 of
/// an NCHW tensor instead (torchvision's LayerNorm2d), same parameters.
struct LayerNormImpl : torch::nn::Module {
  explicit LayerNormImpl(int64_t dim, double eps = 1e-6, bool channels_first = false);
  torch::Tensor forward(const torch::Tensor& x);
  void reset_parameters();

  int64_t dim;
  double eps;
  bool channels_first;
  torch::Tensor weight, bias;
};
TORCH_MODULE(LayerNorm);

/// nn.MultiheadAttention(embed_dim, num_heads, batch_first=True), self
/// attention only: `in_proj_weight` [3E, E], `in_proj_bias` [3E],
/// `out_proj.weight`, `out_proj.bias`.
struct SelfAttentionImpl : torch::nn::Module {
  SelfAttentionImpl(int64_t embed_dim, int64_t num_heads, double dropout = 0.0);
  /// x: [N, S, E] -> [N, S, E].
  torch::Tensor forward(const torch::Tensor& x);
  void reset_parameters();

  int64_t embed_dim, num_heads;
  double dropout;
  torch::Tensor in_proj_weight, in_proj_bias;
  Linear out_proj{nullptr};
};
TORCH_MODULE(SelfAttention);

enum class Activation { kNone, kReLU, kSiLU, kGELU };
torch::Tensor activate(torch::Tensor x, Activation activation);

/// torchvision's Conv2dNormActivation: children "0" (conv), "1" (norm) and
/// an activation without parameters. Padding (k-1)/2 unless given.
struct ConvNormActImpl : torch::nn::Module {
  ConvNormActImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
                  int64_t groups, Activation activation, double eps = 1e-5);
  torch::Tensor forward(const torch::Tensor& x);

  Conv2d conv{nullptr};
  BatchNorm2d norm{nullptr};
  Activation activation;
};
TORCH_MODULE(ConvNormAct);

/// Stochastic depth ("row" mode): drops whole residual branches per sample
/// while training; the identity in eval.
torch::Tensor stochastic_depth(const torch::Tensor& x, double p, bool training);

/// nn.Sequential of one-tensor modules (children "0", "1", …) that can
/// itself sit in a Sequential: LibTorch's cannot, its forward is a template.
struct SequentialImpl : torch::nn::SequentialImpl {
  using torch::nn::SequentialImpl::SequentialImpl;
  torch::Tensor forward(torch::Tensor x) {
    return torch::nn::SequentialImpl::forward(std::move(x));
  }
};
TORCH_MODULE(Sequential);

/// Applies fn to every module of `root` (itself included) of type M.
template <typename M, typename Fn>
void for_each_module(torch::nn::Module& root, Fn fn) {
  for (const auto& m : root.modules(/*include_self=*/true))
    if (auto* typed = m->as<M>()) fn(*typed);
}

}  // namespace modelzoo::vision

namespace modelzoo::vision {
/// torch.nn.init.trunc_normal_: normal(mean, std) truncated to [a, b].
void trunc_normal_(torch::Tensor& tensor, double std, double mean = 0.0, double a = -2.0,
                   double b = 2.0);
}  // namespace modelzoo::vision
