#include "efficientnet.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/dropout.h>

#include <cmath>

#include "modelzoo/nn/activation.h"
#include "modelzoo/nn/batch_norm.h"
#include "modelzoo/nn/init.h"
#include "modelzoo/nn/stochastic_depth.h"

namespace modelzoo::vision {
namespace {

// torchvision's _make_divisible: nearest multiple of 8, never more than 10% down.
int64_t make_divisible(double value, int64_t divisor = 8) {
  int64_t rounded = std::max<int64_t>(
      divisor, static_cast<int64_t>(value + static_cast<double>(divisor) / 2) / divisor * divisor);
  if (static_cast<double>(rounded) < 0.9 * value) rounded += divisor;
  return rounded;
}

struct StageConfig {
  double expand_ratio;
  int64_t kernel, stride, in_channels, out_channels, num_layers;
};

// Table 1 of the EfficientNet paper, as torchvision writes it for B0–B7.
constexpr StageConfig kStages[] = {
    {1, 3, 1, 32, 16, 1},  {6, 3, 2, 16, 24, 2},   {6, 5, 2, 24, 40, 2},   {6, 3, 2, 40, 80, 3},
    {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1},
};

}  // namespace

SqueezeExcitation::SqueezeExcitation(int64_t channels, int64_t squeeze_channels) {
  fc1 = register_module("fc1", nn::Conv2d(channels, squeeze_channels, 1));
  fc2 = register_module("fc2", nn::Conv2d(squeeze_channels, channels, 1));
}

torch::Tensor SqueezeExcitation::forward(const torch::Tensor& x) {
  auto scale = torch::adaptive_avg_pool2d(x, {1, 1});
  scale = torch::sigmoid(fc2->forward(nn::activate(fc1->forward(scale), nn::Activation::kSiLU)));
  return scale * x;
}

MBConv::MBConv(double expand_ratio, int64_t kernel, int64_t stride, int64_t in_channels,
               int64_t out_channels, double stochastic_depth_prob_)
    : use_residual(stride == 1 && in_channels == out_channels),
      stochastic_depth_prob(stochastic_depth_prob_) {
  nn::Sequential layers;
  const int64_t expanded = make_divisible(static_cast<double>(in_channels) * expand_ratio);
  if (expanded != in_channels)
    layers->push_back(ConvNormAct(in_channels, expanded, 1, 1, 1, nn::Activation::kSiLU));
  layers->push_back(
      ConvNormAct(expanded, expanded, kernel, stride, expanded, nn::Activation::kSiLU));
  layers->push_back(
      std::make_shared<SqueezeExcitation>(expanded, std::max<int64_t>(1, in_channels / 4)));
  layers->push_back(ConvNormAct(expanded, out_channels, 1, 1, 1, nn::Activation::kNone));
  block = register_module("block", layers);
}

torch::Tensor MBConv::forward(const torch::Tensor& x) {
  auto result = block->forward(x);
  if (use_residual) {
    result = nn::stochastic_depth(result, stochastic_depth_prob, is_training());
    result += x;
  }
  return result;
}

EfficientNet::EfficientNet(const EfficientNetOptions& options_) : options(options_) {
  TORCH_CHECK(options.in_chans > 0, "in_chans must be positive (got ", options.in_chans, ")");
  TORCH_CHECK(options.num_classes >= 0, "num_classes must be >= 0 (got ", options.num_classes, ")");
  auto channels = [&](int64_t c) {
    return make_divisible(static_cast<double>(c) * options.width_mult);
  };
  int64_t total_blocks = 0;
  for (const auto& s : kStages)
    total_blocks +=
        static_cast<int64_t>(std::ceil(static_cast<double>(s.num_layers) * options.depth_mult));

  nn::Sequential layers;
  layers->push_back(ConvNormAct(options.in_chans, channels(kStages[0].in_channels), 3, 2, 1,
                                nn::Activation::kSiLU));
  int64_t block_id = 0;
  for (const auto& s : kStages) {
    const auto repeats =
        static_cast<int64_t>(std::ceil(static_cast<double>(s.num_layers) * options.depth_mult));
    nn::Sequential stage;
    for (int64_t i = 0; i < repeats; ++i) {
      const double sd = options.stochastic_depth_prob * static_cast<double>(block_id) /
                        static_cast<double>(total_blocks);
      stage->push_back(
          std::make_shared<MBConv>(s.expand_ratio, s.kernel, i == 0 ? s.stride : 1,
                                   i == 0 ? channels(s.in_channels) : channels(s.out_channels),
                                   channels(s.out_channels), sd));
      ++block_id;
    }
    layers->push_back(stage);
  }
  const int64_t last_in = channels(kStages[std::size(kStages) - 1].out_channels);
  num_features_ = 4 * last_in;
  layers->push_back(ConvNormAct(last_in, num_features_, 1, 1, 1, nn::Activation::kSiLU));
  features = register_module("features", layers);
  classifier = register_module("classifier", nn::Sequential());
  build_head(options.num_classes);
}

void EfficientNet::check_input(const torch::Tensor& x) const {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options.in_chans, "expected input [N, ",
              options.in_chans, ", H, W] (got ", x.sizes(), ")");
}

torch::Tensor EfficientNet::forward(const torch::Tensor& x) {
  check_input(x);
  auto y = torch::adaptive_avg_pool2d(features->forward(x), {1, 1}).flatten(1);
  if (!head) return y;
  return head->forward(torch::dropout(y, options.dropout, is_training()));
}

NamedTensors EfficientNet::forward_features(const torch::Tensor& x) {
  check_input(x);
  NamedTensors out;
  torch::Tensor y = x;
  const size_t n = features->size();
  size_t i = 0;
  for (auto& layer : *features) {
    y = layer.forward(y);
    out.emplace_back(i == 0 ? "stem" : i + 1 == n ? "head" : "stage" + std::to_string(i), y);
    ++i;
  }
  return out;
}

void EfficientNet::build_head(int64_t num_classes) {
  head = nn::replace_head(*classifier, "1", head, num_features_, num_classes);
  options.num_classes = num_classes;
}

void EfficientNet::reset_classifier(int64_t num_classes) {
  build_head(num_classes);
  init_head();
}

void EfficientNet::init_head() {
  if (!head) return;
  torch::NoGradGuard no_grad;
  const double range = 1.0 / std::sqrt(static_cast<double>(head->options.out_features()));
  torch::nn::init::uniform_(head->weight, -range, range);
  head->bias.zero_();
}

void EfficientNet::init_weights() {
  torch::NoGradGuard no_grad;
  nn::for_each_module<nn::Conv2dImpl>(*this, [](nn::Conv2dImpl& c) {
    torch::nn::init::kaiming_normal_(c.weight, 0, torch::kFanOut);
    if (c.bias.defined()) c.bias.zero_();
  });
  nn::for_each_module<nn::BatchNorm2dImpl>(*this,
                                           [](nn::BatchNorm2dImpl& bn) { bn.reset_parameters(); });
  init_head();
}

}  // namespace modelzoo::vision
